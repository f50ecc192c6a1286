"""Page rendering: the console's autoescaping Jinja2 templates and the context every page gets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from hub.clock import utcnow
from hub.console.users import can

__all__ = ["render", "environment", "root", "age_text"]

NAV = (
    ("discrepancies", "Discrepancies", "viewer"),
    ("review", "Review queue", "viewer"),
    ("customers", "Customers", "viewer"),
    ("runs", "Runs", "viewer"),
    ("quarantine", "Quarantine", "viewer"),
    ("audit", "Audit log", "viewer"),
    ("users", "Users", "admin"),
)


def age_text(since: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """``3 d``, ``5 h``, ``12 min`` since ``since``."""
    if since is None:
        return "-"
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    secs = max(0, ((now or utcnow()) - since).total_seconds())
    if secs >= 86400:
        return f"{int(secs // 86400)} d"
    if secs >= 3600:
        return f"{int(secs // 3600)} h"
    return f"{int(secs // 60)} min"


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("hub.console", "templates"), autoescape=True, undefined=StrictUndefined)
    env.filters["fmt"] = _fmt
    env.filters["age"] = age_text
    env.globals["can"] = can
    return env


def root(request: Request) -> str:
    """The mount prefix (empty standalone, e.g. ``/hub-console`` inside Airflow)."""
    return request.scope.get("root_path", "").rstrip("/")


def render(request: Request, template: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """A page with the user, their CSRF token, the navigation and the mount prefix in its context."""
    user = getattr(request.state, "user", None)
    nav = [(path, label) for path, label, role in NAV if user and can(user["role"], role)]
    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            user=user,
            csrf=user["csrf"] if user else "",
            nav=nav,
            root=root(request),
            active=request.url.path.removeprefix(root(request)).strip("/").split("/")[0],
            **ctx,
        )
    )
    return HTMLResponse(html, status_code=status_code)
