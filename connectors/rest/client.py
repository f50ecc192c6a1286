"""Protocol I/O for the REST connector: authenticated, throttled, retried HTTP requests.

Nothing here knows about streams or cursors. Auth styles: basic, bearer, API key in a header
or the query, OAuth2 client credentials (token cached, refreshed before expiry and once more
on a 401). Requests only ever go to the configured origin, so credentials never leak to a host
named in a ``next`` link.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.auth import AuthBase, HTTPBasicAuth

from connectors.rest.config import ApiKeyAuth, BasicAuth, BearerAuth, OAuth2ClientCredentials, RestConfig
from hub.errors import AuthError, ClientError, ConfigError, HubError
from hub.http import HttpPolicy, Throttle, call_with_retries, make_session

__all__ = ["RestClient"]


class _Bearer(AuthBase):
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request


class _HeaderKey(AuthBase):
    def __init__(self, name: str, value: str) -> None:
        self._name, self._value = name, value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers[self._name] = self._value
        return request


class OAuth2Token(AuthBase):
    """Client-credentials token source: fetches, caches and refreshes an access token."""

    def __init__(
        self, cfg: OAuth2ClientCredentials, secret: str, session: requests.Session, policy: HttpPolicy, system: str
    ) -> None:
        self._cfg, self._secret, self._session, self._policy, self._system = cfg, secret, session, policy, system
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self.fetches = 0

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires - self._cfg.refresh_margin:
                self._token, ttl = self._fetch()
                self._expires = time.monotonic() + ttl
            return self._token

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def _fetch(self) -> tuple[str, float]:
        data = {"grant_type": "client_credentials"}
        if self._cfg.scope:
            data["scope"] = self._cfg.scope

        def post() -> requests.Response:
            return self._session.post(
                self._cfg.token_url, data=data, auth=HTTPBasicAuth(self._cfg.client_id, self._secret)
            )

        try:
            body = call_with_retries(post, self._policy).json()
        except AuthError as exc:
            raise AuthError(
                f"OAuth2 token request rejected for client {self._cfg.client_id!r}",
                system=self._system,
                status=exc.status,
            ) from None
        except ValueError:
            raise AuthError("OAuth2 token endpoint did not return JSON", system=self._system) from None
        token = body.get("access_token")
        if not token:
            raise AuthError("OAuth2 token response has no access_token", system=self._system)
        self.fetches += 1
        return token, float(body.get("expires_in") or 3600)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request


class RestClient:
    """Sends requests relative to ``base_url`` with auth, rate limit, timeouts and retries."""

    def __init__(
        self, config: RestConfig, secrets: dict[str, str], system: str, session: requests.Session | None = None
    ) -> None:
        self.config = config
        self.system = system
        self.policy = HttpPolicy(
            connect_timeout=config.connect_timeout,
            read_timeout=config.timeout,
            verify=config.verify,
            max_attempts=config.retry.max_attempts,
            backoff_base=config.retry.backoff_base,
            backoff_max=config.retry.backoff_max,
            max_retry_after=config.retry.max_retry_after,
        )
        self.session = session or make_session(self.policy, system=system)
        self.session.headers.update(config.headers)
        self.throttle = Throttle(config.rate_limit)
        self._query_auth: dict[str, str] = {}
        self.oauth: OAuth2Token | None = None
        self._auth = self._build_auth(secrets)
        origin = urlsplit(config.base_url)
        self._origin = (origin.scheme, origin.netloc)

    def _build_auth(self, secrets: dict[str, str]) -> AuthBase | None:
        auth = self.config.auth

        def secret(value: Any, name: str) -> str:
            if value is not None:
                return value.get_secret_value()
            if secrets.get(name):
                return secrets[name]
            raise ConfigError(
                f"auth type {auth.type!r} needs secret {name!r} (config or secrets)",
                system=self.system,
                field=f"auth.{name}",
            )

        if isinstance(auth, BasicAuth):
            return HTTPBasicAuth(auth.username, secret(auth.password, "password"))
        if isinstance(auth, BearerAuth):
            return _Bearer(secret(auth.token, "token"))
        if isinstance(auth, ApiKeyAuth):
            value = secret(auth.api_key, "api_key")
            if auth.location == "query":
                self._query_auth = {auth.name: value}
                return None
            return _HeaderKey(auth.name, value)
        if isinstance(auth, OAuth2ClientCredentials):
            token_session = make_session(self.policy, system=self.system)
            self.oauth = OAuth2Token(
                auth, secret(auth.client_secret, "client_secret"), token_session, self.policy, self.system
            )
            return self.oauth
        return None

    def url(self, path_or_url: str) -> str:
        """Absolute URL for a path; absolute URLs must stay on the configured origin."""
        if path_or_url.startswith(("http://", "https://")):
            parts = urlsplit(path_or_url)
            if (parts.scheme, parts.netloc) != self._origin:
                raise ClientError(
                    f"refusing to follow a link to another origin ({parts.scheme}://{parts.netloc})", system=self.system
                )
            return path_or_url
        return urljoin(self.config.base_url + "/", path_or_url.lstrip("/"))

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        stream: str | None = None,
        retry: bool = True,
    ) -> requests.Response:
        """One API call with retries; raises the mapped hub error on failure."""
        url = self.url(path_or_url)
        merged = {**(params or {}), **self._query_auth}
        refreshed = False

        def send() -> requests.Response:
            nonlocal refreshed
            self.throttle.wait()
            try:
                return self.session.request(
                    method, url, params=merged or None, json=json, headers=headers, auth=self._auth
                )
            except AuthError as exc:
                # an OAuth token can be revoked before its expiry: fetch a new one once
                if self.oauth is not None and exc.status == 401 and not refreshed:
                    refreshed = True
                    self.oauth.invalidate()
                    return self.session.request(
                        method, url, params=merged or None, json=json, headers=headers, auth=self._auth
                    )
                raise

        try:
            return call_with_retries(send, self.policy) if retry else send()
        except HubError as exc:
            exc.stream = exc.stream or stream
            raise

    def close(self) -> None:
        self.session.close()
        if self.oauth is not None:
            self.oauth._session.close()
