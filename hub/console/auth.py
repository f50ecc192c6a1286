"""Who is asking: the session cookie, role checks and the CSRF check every write passes."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from fastapi import Depends, Form, Header, Request

from hub.console.sessions import lookup
from hub.console.users import can

__all__ = ["COOKIE", "LoginRequired", "Refused", "current_user", "reader", "writer", "session_token"]

COOKIE = "hub_console_session"


class LoginRequired(Exception):
    """No live session: pages redirect to the login form, API calls get 401."""


class Refused(Exception):
    """A request the user may not make (role) or that failed the CSRF check: 403."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def session_token(request: Request) -> str | None:
    return request.cookies.get(COOKIE)


def current_user(request: Request) -> dict[str, Any]:
    """The logged-in user (name, role, csrf) or LoginRequired; cached on the request."""
    cached = getattr(request.state, "user", None)
    if cached is not None:
        return cached
    console = request.app.state.console
    with console.engine().begin() as conn:
        user = lookup(conn, session_token(request))
    if user is None:
        raise LoginRequired()
    request.state.user = user
    return user


def reader(request: Request) -> dict[str, Any]:
    """Any logged-in user may read."""
    return current_user(request)


def writer(role: str) -> Callable[..., dict[str, Any]]:
    """A dependency for a write: a live session, the session's CSRF token (form field or header), and ``role``."""

    def check(
        request: Request, csrf_token: str | None = Form(None), x_csrf_token: str | None = Header(None)
    ) -> dict[str, Any]:
        try:
            user = current_user(request)
        except LoginRequired:
            raise Refused("log in first: this change needs a session and its CSRF token") from None
        sent = csrf_token or x_csrf_token or ""
        if not sent or not hmac.compare_digest(sent.encode(), user["csrf"].encode()):
            raise Refused("the form's CSRF token is missing or stale: reload the page and try again")
        if not can(user["role"], role):
            raise Refused(f"{user['name']} is a {user['role']}: this needs the {role} role")
        return user

    return check


def steward() -> Any:
    return Depends(writer("steward"))


def admin() -> Any:
    return Depends(writer("admin"))
