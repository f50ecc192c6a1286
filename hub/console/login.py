"""Logging in and out: rate-limited password check, a fresh session cookie (HttpOnly, SameSite=Lax, Secure on TLS)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from hub.console.audit import record
from hub.console.auth import COOKIE, LoginRequired, current_user, session_token, writer
from hub.console.sessions import SESSION_HOURS, end_session, start_session
from hub.console.users import authenticate
from hub.console.web import render, root

router = APIRouter()


def _safe_next(request: Request, target: str | None) -> str:
    """Only a path on this console (never another site) may follow a login."""
    base = root(request)
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not urlsplit(target).netloc
        and target.startswith(base + "/")
    ):
        return target
    return f"{base}/discrepancies"


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    return RedirectResponse(f"{root(request)}/discrepancies", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    try:
        current_user(request)
        return RedirectResponse(_safe_next(request, next), status_code=303)
    except LoginRequired:
        return render(request, "login.html.j2", next=next or "", error="")


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("")) -> Response:
    console = request.app.state.console
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        return render(
            request, "login.html.j2", status_code=403, next=next, error="a login from another site is refused"
        )
    keys = (f"ip:{_client(request)}", f"user:{username.lower()}")
    wait = console.limiter.retry_after(*keys)
    if wait:
        return _too_many(request, next, wait)
    with console.engine().begin() as conn:
        user = authenticate(conn, username, password) if username and password else None
        if user is None:
            console.limiter.failed(*keys)
            failed = True
        else:
            failed = False
            console.limiter.succeeded(*keys)
            token = start_session(conn, user["name"], console.session_hours or SESSION_HOURS)
            record(conn, user["name"], "login", "user", user["name"], None, {"from": _client(request)})
    if failed:
        return render(request, "login.html.j2", status_code=401, next=next, error="wrong user name or password")
    response = RedirectResponse(_safe_next(request, next), status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int((console.session_hours or SESSION_HOURS) * 3600),
        path=root(request) or "/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


def _too_many(request: Request, next: str, wait: int) -> Response:
    response = render(
        request,
        "login.html.j2",
        status_code=429,
        next=next,
        error=f"too many failed logins: try again in {wait} seconds",
    )
    response.headers["Retry-After"] = str(wait)
    return response


@router.post("/logout")
def logout(request: Request, user: dict = Depends(writer("viewer"))) -> Response:
    with request.app.state.console.engine().begin() as conn:
        end_session(conn, session_token(request))
        record(conn, user["name"], "logout", "user", user["name"], None, None)
    response = RedirectResponse(f"{root(request)}/login", status_code=303)
    response.delete_cookie(
        COOKIE, path=root(request) or "/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )
    return response
