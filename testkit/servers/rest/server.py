"""A small fake REST API with one route per pagination style and every auth style the REST connector speaks.

Routes (all JSON, all accept ``updated_since`` = records changed strictly after that instant,
and ``order_by=updated_at`` to sort by change time instead of id):

=============================  ==============================================================
``POST /oauth/token``          OAuth2 client-credentials; tokens expire after ``token_ttl`` s
``GET /customers/page``        ``page``/``per_page`` → ``{"data": [...], "page", "total_pages"}``
``GET /customers/offset``      ``offset``/``limit`` → ``{"results": [...], "count"}``
``GET /customers/cursor``      ``cursor``/``limit`` → ``{"items": [...], "meta": {"next_cursor"}}``
``GET /customers/link``        ``page``/``per_page`` → bare list, RFC 8288 ``Link: <..>; rel="next"``
``GET /customers/next``        ``page`` → ``{"data": {"records": [...]}, "links": {"next": url}}``
``POST /customers``            create one (201); ``PUT``/``PATCH /customers/<id>`` replace/patch
``POST /customers/batch``      ``{"records": [...]}`` → ``{"results": [{"index","ok","id","error"}]}``
=============================  ==============================================================

A request is authorised by any one of: HTTP basic, a static bearer token, an OAuth token still
valid, header ``X-API-Key`` or query ``api_key``. ``app.auth_seen`` records which one was used.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlencode

from testkit.servers.rest.kit import Request, Response, Router, ServerHandle, json_response, serve

__all__ = ["RestApp", "start_server"]

EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


class RestApp:
    """State and routes of the fake API. Thread-safe."""

    def __init__(
        self,
        customers: int = 25,
        *,
        username: str = "hub",
        password: str = "s3cret-pw",
        bearer_token: str = "static-token-123",
        api_key: str = "key-abc-987",
        client_id: str = "hub-client",
        client_secret: str = "client-secret-xyz",
        token_ttl: float = 3600.0,
    ) -> None:
        self.credentials = {
            "username": username,
            "password": password,
            "bearer_token": bearer_token,
            "api_key": api_key,
            "client_id": client_id,
            "client_secret": client_secret,
        }
        self.token_ttl = token_ttl
        self._tokens: dict[str, float] = {}
        self.tokens_issued = 0
        self.auth_seen: list[str] = []
        self._lock = threading.Lock()
        self._clock = 0
        self.records: dict[int, dict[str, Any]] = {}
        for i in range(1, customers + 1):
            self.records[i] = {
                "id": i,
                "name": f"Customer {i:04d}",
                "email": f"c{i}@example.com",
                "city": ["Shanghai", "Beijing", "Chengdu"][i % 3],
                "updated_at": self._tick(),
            }
        self._next_id = customers + 1
        self.router = Router()
        self.base_url = ""
        r = self.router
        r.add("POST", r"/oauth/token", self.token)
        for style in ("page", "offset", "cursor", "link", "next"):
            r.add("GET", rf"/customers/{style}", getattr(self, f"list_{style}"))
        r.add("POST", r"/customers/batch", self.batch)
        r.add("POST", r"/customers", self.create)
        r.add("PUT", r"/customers/(?P<id>\d+)", self.replace)
        r.add("PATCH", r"/customers/(?P<id>\d+)", self.patch)
        r.add("GET", r"/customers/(?P<id>\d+)", self.get_one)

    # --- test helpers -------------------------------------------------------------------
    def _tick(self) -> str:
        self._clock += 1
        return _iso(EPOCH + dt.timedelta(seconds=self._clock))

    def touch(self, record_id: int, **fields: Any) -> dict[str, Any]:
        """Change a record server-side (bumps ``updated_at``)."""
        with self._lock:
            record = self.records[record_id]
            record.update(fields)
            record["updated_at"] = self._tick()
            return dict(record)

    def expire_tokens(self) -> None:
        """Make every issued OAuth token invalid (the next call gets 401)."""
        with self._lock:
            self._tokens.clear()

    # --- plumbing ---------------------------------------------------------------------
    def __call__(self, request: Request) -> Response:
        if request.path != "/oauth/token":
            method = self._authorise(request)
            if method is None:
                return json_response(
                    {"error": "unauthorized", "message": "missing or invalid credentials"},
                    401,
                    {"WWW-Authenticate": 'Bearer realm="fake"'},
                )
            with self._lock:
                self.auth_seen.append(method)
        return self.router.dispatch(request)

    def _authorise(self, request: Request) -> str | None:
        c = self.credentials
        auth = request.header("authorization") or ""
        if auth.startswith("Basic "):
            user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
            return "basic" if (user, pw) == (c["username"], c["password"]) else None
        if auth.startswith("Bearer "):
            token = auth[7:]
            if token == c["bearer_token"]:
                return "bearer"
            with self._lock:
                expires = self._tokens.get(token)
            return "oauth2" if expires is not None and expires > time.monotonic() else None
        if request.header("x-api-key") == c["api_key"]:
            return "api_key_header"
        if request.arg("api_key") == c["api_key"]:
            return "api_key_query"
        return None

    def token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        auth = request.header("authorization") or ""
        if auth.startswith("Basic "):
            form["client_id"], _, form["client_secret"] = base64.b64decode(auth[6:]).decode().partition(":")
        if form.get("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type"}, 400)
        if (form.get("client_id"), form.get("client_secret")) != (
            self.credentials["client_id"],
            self.credentials["client_secret"],
        ):
            return json_response({"error": "invalid_client", "error_description": "client authentication failed"}, 401)
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.token_ttl
            self.tokens_issued += 1
        return json_response({"access_token": token, "token_type": "bearer", "expires_in": self.token_ttl})

    def _select(self, request: Request) -> list[dict[str, Any]]:
        since = request.arg("updated_since")
        with self._lock:
            rows = [dict(r) for r in self.records.values()]
        if since:
            try:
                cutoff = _parse(since)
            except ValueError:
                raise _BadRequest(f"updated_since is not an ISO-8601 timestamp: {since!r}") from None
            rows = [r for r in rows if _parse(r["updated_at"]) > cutoff]
        if request.arg("order_by") == "updated_at":
            rows.sort(key=lambda r: (r["updated_at"], r["id"]))
        else:
            rows.sort(key=lambda r: r["id"])
        return rows

    def _int(self, request: Request, name: str, default: int) -> int:
        raw = request.arg(name)
        try:
            value = int(raw) if raw not in (None, "") else default
        except ValueError:
            raise _BadRequest(f"{name} must be an integer, got {raw!r}") from None
        if value < 0:
            raise _BadRequest(f"{name} must not be negative")
        return value

    def _url(self, request: Request, **params: Any) -> str:
        query = {k: v[0] for k, v in request.query.items()}
        query.update({k: str(v) for k, v in params.items()})
        return f"{self.base_url}{request.path}?{urlencode(query)}"

    # --- list routes --------------------------------------------------------------------
    def list_page(self, request: Request) -> Response:
        rows = self._select(request)
        page, size = self._int(request, "page", 1), self._int(request, "per_page", 10) or 10
        pages = max(1, -(-len(rows) // size))
        return json_response({"data": rows[(page - 1) * size : page * size], "page": page, "total_pages": pages})

    def list_offset(self, request: Request) -> Response:
        rows = self._select(request)
        offset, limit = self._int(request, "offset", 0), self._int(request, "limit", 10) or 10
        return json_response({"results": rows[offset : offset + limit], "count": len(rows)})

    def list_cursor(self, request: Request) -> Response:
        rows = self._select(request)
        limit = self._int(request, "limit", 10) or 10
        cursor = request.arg("cursor")
        start = 0
        if cursor:
            try:
                start = int(base64.urlsafe_b64decode(cursor.encode()).decode())
            except ValueError:
                return json_response({"error": "invalid cursor"}, 400)
        end = start + limit
        nxt = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(rows) else None
        return json_response({"items": rows[start:end], "meta": {"next_cursor": nxt}})

    def list_link(self, request: Request) -> Response:
        rows = self._select(request)
        page, size = self._int(request, "page", 1), self._int(request, "per_page", 10) or 10
        headers = {}
        if page * size < len(rows):
            headers["Link"] = (
                f'<{self._url(request, page=page + 1)}>; rel="next", <{self._url(request, page=1)}>; rel="first"'
            )
        return json_response(rows[(page - 1) * size : page * size], headers=headers)

    def list_next(self, request: Request) -> Response:
        rows = self._select(request)
        page, size = self._int(request, "page", 1), 7
        nxt = self._url(request, page=page + 1) if page * size < len(rows) else None
        return json_response({"data": {"records": rows[(page - 1) * size : page * size]}, "links": {"next": nxt}})

    # --- write routes -------------------------------------------------------------------
    def _validate(self, body: Any, partial: bool = False) -> str | None:
        if not isinstance(body, dict):
            return "body must be a JSON object"
        if not partial or "name" in body:
            if not isinstance(body.get("name"), str) or not body["name"].strip():
                return "name: required non-empty string"
        if "email" in body and (not isinstance(body["email"], str) or "@" not in body["email"]):
            return "email: not a valid address"
        unknown = set(body) - {"id", "name", "email", "city", "updated_at"}
        if unknown:
            return f"unknown fields: {', '.join(sorted(unknown))}"
        return None

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            rid = self._next_id
            self._next_id += 1
            record = {
                "id": rid,
                "name": body["name"],
                "email": body.get("email"),
                "city": body.get("city"),
                "updated_at": self._tick(),
            }
            self.records[rid] = record
            return dict(record)

    def create(self, request: Request) -> Response:
        body = request.json()
        problem = self._validate(body)
        if problem:
            return json_response({"errors": [problem]}, 422)
        return json_response(self._create(body), 201)

    def _update(self, request: Request, partial: bool) -> Response:
        rid = int(request.params["id"])
        body = request.json()
        problem = self._validate(body, partial=partial)
        if problem:
            return json_response({"errors": [problem]}, 422)
        if rid not in self.records:
            return json_response({"errors": [f"customer {rid} not found"]}, 404)
        fields = {k: v for k, v in body.items() if k not in ("id", "updated_at")}
        if not partial:
            fields = {"email": None, "city": None, **fields}
        return json_response(self.touch(rid, **fields))

    def replace(self, request: Request) -> Response:
        return self._update(request, partial=False)

    def patch(self, request: Request) -> Response:
        return self._update(request, partial=True)

    def get_one(self, request: Request) -> Response:
        record = self.records.get(int(request.params["id"]))
        return json_response(record) if record else json_response({"errors": ["not found"]}, 404)

    def batch(self, request: Request) -> Response:
        body = request.json() or {}
        records = body.get("records")
        if not isinstance(records, list):
            return json_response({"errors": ["records: required list"]}, 400)
        results = []
        for index, record in enumerate(records):
            problem = self._validate(record)
            if problem:
                results.append({"index": index, "ok": False, "error": problem})
            else:
                results.append({"index": index, "ok": True, "id": self._create(record)["id"]})
        return json_response({"results": results})


class _BadRequest(Exception):
    pass


def _guard(app: RestApp):
    def handle(request: Request) -> Response:
        try:
            return app(request)
        except _BadRequest as exc:
            return json_response({"error": "bad_request", "message": str(exc)}, 400)

    return handle


def start_server(port: int = 0, *, tls: bool = False, **options: Any) -> ServerHandle:
    """Start the fake REST API on 127.0.0.1; ``handle.app`` is the :class:`RestApp`."""
    app = RestApp(**options)
    handle = serve(_guard(app), port=port, tls=tls)
    handle.app = app
    app.base_url = handle.url
    return handle
