"""Tryton JSON-RPC client: session login, context, Decimal/date encoding, error mapping (protocol I/O only).

Tryton serves JSON-RPC at ``POST /<database>/rpc/``. ``common.db.login`` returns
``[user_id, session, ...]``; later calls send ``Authorization: Session base64(login:user_id:session)``.
Model calls are ``model.<model>.<method>`` and the context dict is always the last positional
parameter. Decimals, dates, datetimes, times, timedeltas and bytes travel as
``{"__class__": ..., ...}`` objects (see :func:`dumps` / :func:`loads`).

Failures map to ``hub.errors`` in :func:`map_error`; HTTP statuses go through the project's one
mapping (``hub.http.http_error``: 401/403 -> AuthError, 429 -> RateLimitError, other 4xx ->
ClientError, 5xx and connection failures -> TransientError); an application error
(HTTP 200 with ``{"error": [...]}``) -> ClientError for ``UserError``/``UserWarning`` (with the
user-facing message), TransientError for ``ConcurrencyException``, ServerError otherwise.

Writes to one database are serialized (SQLite-backed Tryton loses concurrent creates) with one
lock per ``(url, database)`` shared by every client in the process.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import threading
from decimal import Decimal
from typing import Any

from hub.errors import AuthError, ClientError, HubError, ServerError, TransientError
from hub.http import HttpPolicy, http_error, make_session

__all__ = ["TrytonClient", "dumps", "loads", "map_error", "write_lock"]

_WRITE_LOCKS: dict[tuple[str, str], threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def write_lock(url: str, database: str) -> threading.RLock:
    """The process-wide (re-entrant) lock that serializes writes to one Tryton database."""
    with _LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault((url.rstrip("/"), database), threading.RLock())


def _encode(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return {"__class__": "Decimal", "decimal": str(obj)}
    if isinstance(obj, dt.datetime):
        return {
            "__class__": "datetime", "year": obj.year, "month": obj.month, "day": obj.day,
            "hour": obj.hour, "minute": obj.minute, "second": obj.second, "microsecond": obj.microsecond,
        }  # fmt: skip
    if isinstance(obj, dt.date):
        return {"__class__": "date", "year": obj.year, "month": obj.month, "day": obj.day}
    if isinstance(obj, dt.time):
        return {
            "__class__": "time",
            "hour": obj.hour,
            "minute": obj.minute,
            "second": obj.second,
            "microsecond": obj.microsecond,
        }
    if isinstance(obj, dt.timedelta):
        return {"__class__": "timedelta", "seconds": obj.total_seconds()}
    if isinstance(obj, (bytes, bytearray)):
        return {"__class__": "bytes", "base64": base64.b64encode(bytes(obj)).decode("ascii")}
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    raise TypeError(f"cannot encode {type(obj).__name__} for Tryton JSON-RPC")


_DECODERS = {
    "Decimal": lambda d: Decimal(d["decimal"]),
    "datetime": lambda d: dt.datetime(
        d["year"], d["month"], d["day"], d["hour"], d["minute"], d["second"], d["microsecond"]
    ),
    "date": lambda d: dt.date(d["year"], d["month"], d["day"]),
    "time": lambda d: dt.time(d["hour"], d["minute"], d["second"], d["microsecond"]),
    "timedelta": lambda d: dt.timedelta(seconds=d["seconds"]),
    "bytes": lambda d: base64.b64decode(d["base64"]),
}


def _decode(obj: dict[str, Any]) -> Any:
    decoder = _DECODERS.get(obj.get("__class__"))  # type: ignore[arg-type]
    return decoder(obj) if decoder else obj


def dumps(payload: Any) -> str:
    """Encode a JSON-RPC payload the way trytond's JSONDecoder reads it."""
    return json.dumps(payload, default=_encode, separators=(",", ":"), ensure_ascii=False)


def loads(text: str | bytes) -> Any:
    """Decode a JSON-RPC response, turning ``__class__`` objects back into Python values."""
    return json.loads(text, object_hook=_decode)


def map_error(
    *, status: int | None = None, error: Any = None, method: str = "", system: str | None = None,
    retry_after: str | None = None, body: str = "",
) -> HubError:  # fmt: skip
    """Turn an HTTP status or a JSON-RPC ``error`` member into the hub's error tree."""
    where = {"system": system, "status": status, "method": method}
    if error is not None:
        name, args = (
            (error[0], error[1]) if isinstance(error, (list, tuple)) and len(error) == 2 else (str(error), None)
        )
        if name in ("UserError", "UserWarning") and isinstance(args, (list, tuple)):
            # UserError args: (message, description, domain); UserWarning: (name, message, description)
            message, description = (args[0], args[1]) if name == "UserError" else (args[1], args[2])
            text = f"{message} {description}".strip() if description else str(message)
            return ClientError(f"{method}: {text}", fault_code=name, fault_string=str(message), **where)
        if name == "ConcurrencyException":
            return TransientError(f"{method}: record modified concurrently: {args}", fault_code=name, **where)
        if name == "LoginException":
            return AuthError(f"{method}: login needs more parameters: {args}", fault_code=name, **where)
        # an unexpected server exception: (str(exception), traceback)
        return ServerError(f"{method}: {name}", fault_code="Exception", fault_string=str(name), **where)
    if status is None:
        return ServerError(f"{method}: response carries neither a status nor an error", **where)
    snippet = body.strip().replace("\n", " ")[:200]
    reason = {
        401: "session or credentials rejected",
        403: "access denied",
        429: "too many requests (failed logins are throttled)",
    }
    # the HTTP layer uses the project's one status mapping (hub.http)
    return http_error(
        status, headers={"Retry-After": retry_after} if retry_after else {}, body=snippet,
        message=f"{method}: {reason.get(status) or snippet or 'HTTP ' + str(status)}", system=system, method=method,
    )  # fmt: skip


class TrytonClient:
    """One authenticated JSON-RPC session on one Tryton database."""

    def __init__(
        self,
        url: str,
        database: str,
        username: str,
        password: str | None,
        *,
        timeout: float = 30.0,
        verify_tls: bool = True,
        language: str = "en",
        context: dict[str, Any] | None = None,
        system: str = "tryton",
        http: Any = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.database = database
        self.username = username
        self._password = password
        self.timeout = timeout
        self.language = language
        self.system = system
        policy = HttpPolicy(read_timeout=timeout, verify=verify_tls)
        self._http = http or make_session(policy, system=system, raise_for_status=False)
        self._ids = itertools.count(1)
        self._extra_context = dict(context or {})
        self.user_id: int | None = None
        self._session: str | None = None
        self.context: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"TrytonClient(url={self.url!r}, database={self.database!r}, username={self.username!r})"

    # -- session -------------------------------------------------------------------------
    def login(self) -> None:
        """Open a session and load the user's preferences as the call context."""
        if not self._password:
            raise AuthError("no password configured for login", system=self.system)
        result = self._post("common.db.login", [self.username, {"password": self._password}, self.language], auth=False)
        self.user_id, self._session = int(result[0]), str(result[1])
        prefs = self._post("model.res.user.get_preferences", [True, {}])
        self.context = {
            **{k: v for k, v in prefs.items() if k in ("company", "companies", "language", "employee")},
            **self._extra_context,
        }

    def set_session(self, user_id: int, session: str) -> None:
        """Use an existing session (e.g. one handed over by another process)."""
        self.user_id, self._session = user_id, session

    def _auth_header(self) -> dict[str, str]:
        if self._session is None:
            return {}
        token = base64.b64encode(f"{self.username}:{self.user_id}:{self._session}".encode()).decode("ascii")
        return {"Authorization": f"Session {token}"}

    def close(self) -> None:
        """Log out (best effort) and close the HTTP session."""
        if self._session is not None:
            try:
                self._post("common.db.logout", [], relogin=False)
            except HubError:
                pass
            self._session = None
        self._http.close()

    # -- calls ---------------------------------------------------------------------------
    def call(self, model: str, method: str, *args: Any, context: dict[str, Any] | None = None) -> Any:
        """Call ``model.<model>.<method>(*args, context)``, logging in first when needed."""
        if self._session is None:
            self.login()
        ctx = {**self.context, **(context or {})}
        return self._post(f"model.{model}.{method}", [*args, ctx])

    def search_read(
        self, model: str, domain: list[Any], fields: list[str], *, offset: int = 0, limit: int | None = None,
        order: list[tuple[str, str]] | None = None, context: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """``search_read(domain, offset, limit, order, fields)`` on ``model``."""
        order_param = [list(o) for o in order] if order else None
        return self.call(model, "search_read", domain, offset, limit, order_param, fields, context=context)

    def create(self, model: str, values: list[dict[str, Any]]) -> list[int]:
        """Create records (serialized per database)."""
        with write_lock(self.url, self.database):
            return self.call(model, "create", values)

    def write(self, model: str, ids: list[int], values: dict[str, Any]) -> None:
        """Write values to records (serialized per database)."""
        with write_lock(self.url, self.database):
            self.call(model, "write", ids, values)

    def _post(self, method: str, params: list[Any], *, auth: bool = True, relogin: bool = True) -> Any:
        import requests

        payload = dumps({"id": next(self._ids), "method": method, "params": params})
        headers = {"Content-Type": "application/json", **(self._auth_header() if auth else {})}
        endpoint = f"{self.url}/{self.database}/rpc/"
        try:
            resp = self._http.post(endpoint, data=payload.encode("utf-8"), headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise http_error(exc=exc, url=endpoint, system=self.system) from exc
        if resp.status_code == 401 and auth and relogin and self._password and method != "common.db.logout":
            self._session = None  # the session expired: log in again once and retry
            self.login()
            return self._post(method, params, relogin=False)
        if resp.status_code != 200:
            raise map_error(
                status=resp.status_code, method=method, system=self.system,
                retry_after=resp.headers.get("Retry-After"), body=resp.text,
            )  # fmt: skip
        try:
            body = loads(resp.content)
        except ValueError as exc:
            raise ServerError(f"{method}: response is not JSON", system=self.system, status=200) from exc
        if "error" in body and body["error"] is not None:
            raise map_error(error=body["error"], method=method, system=self.system, status=200)
        return body.get("result")
