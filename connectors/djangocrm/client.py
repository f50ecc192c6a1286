"""django-crm (BottleCRM) REST client: bearer personal access token, JSON I/O, status -> error mapping.

Protocol I/O only: which endpoint returns which shape is the adapter's job (``streams.py``).

Errors go through the project's one HTTP mapping (``hub.http.http_error``): 401/403 -> AuthError,
429 -> RateLimitError (with ``Retry-After``), other 4xx -> ClientError, 5xx and connection failures
-> TransientError; :func:`map_status` adds the API's own message (``detail``, ``message`` or the
``errors`` object). The token never appears in reprs, logs or errors.
"""

from __future__ import annotations

import json
from typing import Any

from hub.errors import AuthError, HubError, ServerError
from hub.http import HttpPolicy, http_error, make_session

__all__ = ["DjangoCrmClient", "map_status", "api_message"]


def api_message(body: Any) -> str:
    """The human message of an error body: ``detail``, ``message`` or the ``errors`` object."""
    if isinstance(body, dict):
        for key in ("detail", "message"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
        if body.get("errors"):
            return json.dumps(body["errors"], ensure_ascii=False, sort_keys=True)
    if isinstance(body, str):
        return body.strip().replace("\n", " ")[:300]
    return json.dumps(body, ensure_ascii=False)[:300] if body is not None else ""


def map_status(
    status: int, body: Any, *, method: str, path: str, system: str | None, retry_after: str | None = None
) -> HubError:
    """Turn a non-2xx response into the hub's error tree (``hub.http.http_error``) with the API's message."""
    detail = api_message(body)
    return http_error(
        status, headers={"Retry-After": retry_after} if retry_after else {}, body=detail,
        message=f"{method} {path}: {detail or 'HTTP ' + str(status)}", system=system, fault_string=detail or None,
    )  # fmt: skip


class DjangoCrmClient:
    """JSON over HTTP to one django-crm API server with one personal access token."""

    def __init__(
        self, url: str, token: str | None, *, timeout: float = 30.0, verify_tls: bool = True,
        system: str = "djangocrm", http: Any = None,
    ) -> None:  # fmt: skip
        self.url = url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.system = system
        policy = HttpPolicy(read_timeout=timeout, verify=verify_tls)
        self._http = http or make_session(policy, system=system, raise_for_status=False)

    def __repr__(self) -> str:
        return f"DjangoCrmClient(url={self.url!r}, token=***)"

    def request(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None
    ) -> tuple[Any, dict[str, str]]:
        """Send one request; return (decoded JSON body, response headers) or raise a mapped error."""
        import requests

        if not self._token:
            raise AuthError("no personal access token configured", system=self.system)
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        try:
            resp = self._http.request(
                method, self.url + path, params=params, json=body, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise http_error(exc=exc, url=self.url + path, system=self.system) from exc
        try:
            decoded: Any = resp.json() if resp.content else None
        except ValueError:
            decoded = resp.text
        if not 200 <= resp.status_code < 300:
            raise map_status(
                resp.status_code, decoded, method=method, path=path, system=self.system,
                retry_after=resp.headers.get("Retry-After"),
            )  # fmt: skip
        if resp.content and not isinstance(decoded, (dict, list)):
            raise ServerError(f"{method} {path}: response is not JSON", system=self.system, status=resp.status_code)
        return decoded, dict(resp.headers)

    def get(self, path: str, params: dict[str, Any] | None = None) -> tuple[Any, dict[str, str]]:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, body=body)[0]

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, body=body)[0]

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, body=body)[0]

    def close(self) -> None:
        self._http.close()
