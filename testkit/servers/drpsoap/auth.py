"""Server-side credential checks for the DRP SOAP test server: WS-Security UsernameToken and HTTP basic."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from lxml import etree

__all__ = ["AuthPolicy", "AuthFailure", "WSSE_NS", "WSU_NS"]

WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_PW_TEXT = "#PasswordText"
_PW_DIGEST = "#PasswordDigest"


class AuthFailure(Exception):
    """Credentials missing or wrong; ``http`` True means answer 401, else a wsse fault."""

    def __init__(self, message: str, http: bool = False) -> None:
        super().__init__(message)
        self.http = http


@dataclass
class AuthPolicy:
    """Who may call: ``users`` name -> password; ``mode`` is wsse, basic or either."""

    users: dict[str, str]
    mode: str = "wsse"
    max_skew: timedelta = timedelta(minutes=5)
    _nonces: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.mode not in ("wsse", "basic", "either"):
            raise ValueError(f"auth mode must be wsse, basic or either, not {self.mode!r}")

    def __repr__(self) -> str:  # never show passwords
        return f"AuthPolicy(users={sorted(self.users)}, mode={self.mode!r})"

    def check(self, authorization: str | None, header: etree._Element | None) -> tuple[str, str]:
        """Return (user, scheme) or raise AuthFailure."""
        basic_error: AuthFailure | None = None
        if self.mode in ("basic", "either") and authorization:
            try:
                return self._basic(authorization), "basic"
            except AuthFailure as exc:
                basic_error = exc
        if self.mode in ("wsse", "either"):
            token = None if header is None else header.find(f"{{{WSSE_NS}}}Security/{{{WSSE_NS}}}UsernameToken")
            if token is not None or self.mode == "wsse" or basic_error is None:
                if token is None:
                    raise AuthFailure("WS-Security UsernameToken required")
                return self._username_token(token)
        if basic_error is not None:
            raise basic_error
        raise AuthFailure("HTTP basic authentication required", http=True)

    def _basic(self, authorization: str) -> str:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "basic":
            raise AuthFailure("HTTP basic authentication required", http=True)
        try:
            user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise AuthFailure("malformed basic credentials", http=True) from None
        expected = self.users.get(user)
        if expected is None or not hmac.compare_digest(expected, password):
            raise AuthFailure("bad user name or password", http=True)
        return user

    def _username_token(self, token: etree._Element) -> tuple[str, str]:
        user = (token.findtext(f"{{{WSSE_NS}}}Username") or "").strip()
        pw = token.find(f"{{{WSSE_NS}}}Password")
        expected = self.users.get(user)
        if pw is None or expected is None:
            raise AuthFailure("bad user name or password")
        kind = pw.get("Type", _PW_TEXT)
        given = pw.text or ""
        if kind.endswith(_PW_DIGEST):
            nonce_b64 = token.findtext(f"{{{WSSE_NS}}}Nonce") or ""
            created = token.findtext(f"{{{WSU_NS}}}Created") or ""
            try:
                nonce = base64.b64decode(nonce_b64, validate=True)
            except binascii.Error:
                raise AuthFailure("malformed nonce") from None
            self._fresh(created, nonce_b64)
            digest = base64.b64encode(hashlib.sha1(nonce + created.encode() + expected.encode()).digest()).decode()
            if not hmac.compare_digest(digest, given):
                raise AuthFailure("bad user name or password")
            return user, "wsse-digest"
        if not kind.endswith(_PW_TEXT):
            raise AuthFailure(f"unsupported password type {kind}")
        if not hmac.compare_digest(expected, given):
            raise AuthFailure("bad user name or password")
        return user, "wsse-text"

    def _fresh(self, created: str, nonce: str) -> None:
        try:
            when = datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            raise AuthFailure("malformed Created timestamp") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if abs(datetime.now(UTC) - when) > self.max_skew:
            raise AuthFailure("UsernameToken expired")
        with self._lock:
            if nonce in self._nonces:
                raise AuthFailure("nonce replayed")
            self._nonces.add(nonce)
