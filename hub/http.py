"""Shared HTTP plumbing: sessions with TLS and timeouts, retries, and the one HTTP→error mapping.

Every connector that speaks HTTP (REST, Salesforce, SOAP, ...) uses this module so that an
HTTP failure means the same thing everywhere:

* :func:`make_session` builds a ``requests.Session`` with TLS verification on (a CA bundle path
  may replace the system store; ``verify=False`` must be asked for explicitly), a default timeout
  on every request and a response hook that raises :func:`http_error` for any status >= 400.
  Libraries that accept a session (simple-salesforce, zeep) therefore raise hub errors too.
* :func:`http_error` is THE mapping from an HTTP status or a transport failure to ``hub.errors``:

  ====================================  ===============================================
  401, 403                              AuthError            (terminal)
  429; 503 with Retry-After             RateLimitError       (retriable, ``retry_after``)
  408, 425, 500, 502, 503, 504, other   TransientError       (retriable)
  5xx
  501, 505                              ServerError          (terminal)
  other 4xx                             ClientError          (terminal)
  timeout, refused/dropped connection   TransientError       (retriable)
  TLS certificate not trusted           ConfigError          (fix ``verify``/CA bundle)
  ====================================  ===============================================

* :func:`call_with_retries` runs a call and retries retriable hub errors with exponential backoff
  and full jitter, waiting at least the server's ``Retry-After`` when one was given.
* :class:`Throttle` spaces requests to a maximum rate.

URLs in messages lose their query string (API keys travel there); bodies are cut to 300 chars.
Credentials a request carried (its ``Authorization`` header, whatever built it) are registered
with :mod:`hub.redact`, and every message is redacted, so a server echoing a token in its error
body never puts it into an error, a log or the store.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests

from hub.errors import (
    AuthError,
    ClientError,
    ConfigError,
    HubError,
    RateLimitError,
    ServerError,
    TransientError,
)
from hub.redact import redact, register_secret

__all__ = [
    "HttpPolicy",
    "Throttle",
    "call_with_retries",
    "check_response",
    "http_error",
    "make_session",
    "parse_retry_after",
    "register_request_credentials",
    "safe_url",
]

T = TypeVar("T")
_TERMINAL_5XX = {501, 505}
_BODY_SNIPPET = 300


@dataclass(frozen=True)
class HttpPolicy:
    """Timeouts, TLS and retry settings for one system."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    #: True (system CA store), a path to a CA bundle, or False (only when explicitly configured)
    verify: bool | str = True
    max_attempts: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 60.0
    #: the longest Retry-After we are willing to honour; longer waits fail at once
    max_retry_after: float = 300.0
    user_agent: str = "ChannelHub/0.1"


class _TimeoutSession(requests.Session):
    """A Session that applies a default timeout to every request that does not set one."""

    def __init__(self, timeout: tuple[float, float]) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.default_timeout)
        # requests lets REQUESTS_CA_BUNDLE override a session-level CA path (psf/requests#3829);
        # passing it per request keeps an explicitly configured bundle in force.
        if isinstance(self.verify, str):
            kwargs.setdefault("verify", self.verify)
        try:
            return super().request(method, url, *args, **kwargs)
        except requests.RequestException as exc:
            raise http_error(exc=exc, url=url, system=self.hub_system) from exc

    hub_system: str | None = None


def make_session(
    policy: HttpPolicy | None = None,
    *,
    system: str | None = None,
    raise_for_status: bool = True,
) -> requests.Session:
    """A requests Session with TLS verification, default timeouts and error mapping.

    With ``raise_for_status`` (default) every response >= 400 raises the hub error
    :func:`http_error` picks; transport failures raise ``TransientError`` or ``ConfigError``.
    """
    policy = policy or HttpPolicy()
    session = _TimeoutSession((policy.connect_timeout, policy.read_timeout))
    session.hub_system = system
    session.verify = policy.verify
    session.headers["User-Agent"] = policy.user_agent
    if raise_for_status:

        def _hook(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
            return check_response(response, system=system)

        session.hooks["response"].append(_hook)
    return session


def check_response(response: requests.Response, **location: Any) -> requests.Response:
    """Return ``response`` if its status is < 400, else raise the mapped hub error."""
    register_request_credentials(response.request)
    if response.status_code >= 400:
        raise http_error(
            response.status_code,
            headers=response.headers,
            body=_body_text(response),
            url=response.request.url if response.request is not None else response.url,
            **location,
        )
    return response


def register_request_credentials(request: Any) -> None:
    """Register the credentials in a request's ``Authorization`` header as secrets."""
    headers = getattr(request, "headers", None) or {}
    value = headers.get("Authorization") or headers.get("authorization")
    if not value:
        return
    value = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    register_secret(value)
    scheme, _, credentials = value.partition(" ")
    if credentials.strip():
        register_secret(credentials.strip())
        if scheme.lower() == "basic":
            import base64
            import binascii

            try:
                user_pass = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return
            register_secret(user_pass.partition(":")[2])


def http_error(
    status: int | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    body: str = "",
    exc: BaseException | None = None,
    url: str | None = None,
    message: str | None = None,
    **location: Any,
) -> HubError:
    """The hub error for an HTTP status (with its headers/body) or a transport exception.

    ``location`` is passed to the error (system, stream, external_id, ...). ``message``
    replaces the generated text (e.g. a parsed API error message).
    """
    where = f" {safe_url(url)}" if url else ""
    if message is not None:
        message = redact(message)
    if exc is not None and status is None:
        error = _transport_error(exc, where, message, **location)
        error.message = redact(error.message)
        error.args = (error.message,)
        return error
    assert status is not None, "http_error needs a status or an exception"
    headers = headers or {}
    # redact before cutting, so a secret straddling the cut cannot leave a recognisable head
    snippet = redact((body or "").strip()[: _BODY_SNIPPET * 2])[:_BODY_SNIPPET]
    text = redact(message or f"request to{where or ' server'} failed" + (f": {snippet}" if snippet else ""))
    location.setdefault("status", status)
    if status in (401, 403):
        return AuthError(text, **location)
    retry_after = parse_retry_after(headers.get("Retry-After"))
    if status == 429 or (status == 503 and retry_after is not None):
        return RateLimitError(text, retry_after=retry_after, **location)
    if status in _TERMINAL_5XX:
        return ServerError(text, **location)
    if status >= 500 or status in (408, 425):
        return TransientError(text, **location)
    return ClientError(text, **location)


def _transport_error(exc: BaseException, where: str, message: str | None, **location: Any) -> HubError:
    if isinstance(exc, requests.exceptions.SSLError):
        return ConfigError(
            message
            or f"TLS verification failed for{where}: {_first_line(exc)}; "
            "configure a CA bundle (verify: /path/ca.pem) rather than disabling verification",
            **location,
        )
    if isinstance(exc, requests.Timeout):
        return TransientError(message or f"timed out talking to{where}", **location)
    if isinstance(exc, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError, ConnectionError)):
        return TransientError(message or f"connection failed to{where}: {_first_line(exc)}", **location)
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)):
        return ConfigError(message or f"invalid URL{where}: {_first_line(exc)}", **location)
    return TransientError(message or f"HTTP transport failure{where}: {_first_line(exc)}", **location)


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    # requests puts the full URL (query string included) into its messages
    return text.split("?", 1)[0] if "?" in text else text


def _body_text(response: requests.Response) -> str:
    try:
        return response.text[: _BODY_SNIPPET * 2]
    except Exception:  # undecodable or already consumed stream
        return ""


def safe_url(url: str | None) -> str:
    """The URL without query string, fragment or user info (they may hold secrets)."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_delay(attempt: int, policy: HttpPolicy, retry_after: float | None = None) -> float:
    """Wait before retry ``attempt`` (1-based): full-jitter exponential, at least Retry-After."""
    ceiling = min(policy.backoff_max, policy.backoff_base * (2 ** (attempt - 1)))
    delay = random.uniform(ceiling / 2, ceiling)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


def call_with_retries(
    fn: Callable[[], T],
    policy: HttpPolicy,
    *,
    on_retry: Callable[[HubError, int, float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``fn()``; retry retriable hub errors up to ``policy.max_attempts`` times in all.

    The last error is re-raised unchanged (typed), so a caller never mistakes an exhausted
    retry for success. A Retry-After longer than ``policy.max_retry_after`` is not waited for.
    """
    import tenacity

    def _wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        retry_after = getattr(error, "retry_after", None)
        delay = backoff_delay(state.attempt_number, policy, retry_after)
        if on_retry is not None and isinstance(error, HubError):
            on_retry(error, state.attempt_number, delay)
        return delay

    def _retriable(error: BaseException) -> bool:
        if not (isinstance(error, HubError) and error.retriable):
            return False
        retry_after = getattr(error, "retry_after", None)
        return retry_after is None or retry_after <= policy.max_retry_after

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(max(1, policy.max_attempts)),
        wait=_wait,
        retry=tenacity.retry_if_exception(_retriable),
        sleep=sleep,
        reraise=True,
    )
    return retrying(fn)


class Throttle:
    """Spaces calls so that no more than ``rate`` happen per second (thread-safe)."""

    def __init__(self, rate: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self, extra: float = 0.0) -> float:
        """Block until the next call is allowed; ``extra`` adds a one-off pause. Returns the wait."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next) + extra
            self._next = start + self.interval
        delay = start - now
        if delay > 0:
            time.sleep(delay)
        return max(0.0, delay)
