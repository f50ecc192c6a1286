"""The console's FastAPI app: store access, routers, login redirects, refusals and security headers."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.console.auth import LoginRequired, Refused
from hub.console.ratelimit import LoginLimiter
from hub.console.web import render, root

__all__ = ["create_app", "Console"]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'self'; base-uri 'none'"
)


class Console:
    """What the routes share: the store engine (opened on first use), the hub config, the login limiter."""

    def __init__(
        self,
        engine: Engine | None = None,
        config: Any = None,
        config_path: Path | str | None = None,
        limiter: LoginLimiter | None = None,
        session_hours: float | None = None,
    ) -> None:
        self._engine, self._config, self._config_path = engine, config, config_path
        self.limiter = limiter or LoginLimiter()
        self.session_hours = session_hours
        self._lock = threading.Lock()

    def config(self) -> Any:
        """The hub config (``-c`` of ``hub serve``, else ``$HUB_CONFIG``); None when there is none."""
        if self._config is None:
            path = self._config_path or os.environ.get("HUB_CONFIG")
            if path:
                from hub.config import load_config

                self._config = load_config(Path(path))
        return self._config

    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                config = self.config()
                if config is not None:
                    from hub.runner import open_store

                    self._engine = open_store(config)
                else:
                    from hub.store.engine import make_engine, resolve_url
                    from hub.store.migrate import upgrade

                    self._engine = make_engine(resolve_url(None))
                    upgrade(self._engine)
            return self._engine


def create_app(
    engine: Engine | None = None,
    config: Any = None,
    config_path: Path | str | None = None,
    limiter: LoginLimiter | None = None,
    session_hours: float | None = None,
) -> FastAPI:
    """The console app over ``engine`` (or the store of ``config``/``config_path``/``$HUB_CONFIG``)."""
    from hub.console import admin, customers, discrepancies, login, review, runs, static

    app = FastAPI(title="ChannelHub console", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = Console(engine, config, config_path, limiter, session_hours)
    for module in (login, static, discrepancies, review, customers, runs, admin):
        app.include_router(module.router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if request.method == "GET" and not request.url.path.removeprefix(root(request)).startswith("/api/"):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            from urllib.parse import quote

            return RedirectResponse(f"{root(request)}/login?next={quote(target, safe='')}", status_code=303)
        return PlainTextResponse("log in first", status_code=401, headers={"WWW-Authenticate": "Cookie"})

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        if "text/html" in request.headers.get("accept", ""):
            return render(request, "refused.html.j2", status_code=403, message=exc.message)
        return PlainTextResponse(exc.message, status_code=403)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(str(e.get("loc", ["?"])[-1]) for e in exc.errors())
        return PlainTextResponse(f"bad request: check {fields}", status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        if not request.url.path.removeprefix(root(request)).startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    return app
