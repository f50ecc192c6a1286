"""Password hashing with the standard library's scrypt (salted, memory-hard, constant-time compare)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

__all__ = ["hash_password", "verify_password", "MIN_LENGTH"]

MIN_LENGTH = 8
_N, _R, _P, _LEN = 2**14, 8, 1, 32


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` for ``password`` (a fresh random salt each time)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=_LEN)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str | None) -> bool:
    """True when ``password`` matches ``stored``; an unknown user (None) costs the same time and fails."""
    try:
        scheme, n, r, p, salt, digest = (stored or "").split("$")
        if scheme != "scrypt":
            raise ValueError(scheme)
        n_, r_, p_ = int(n), int(r), int(p)
        salt_b, want = base64.b64decode(salt), base64.b64decode(digest)
    except ValueError:
        hashlib.scrypt(password.encode("utf-8"), salt=b"\0" * 16, n=_N, r=_R, p=_P, dklen=_LEN)
        return False
    got = hashlib.scrypt(password.encode("utf-8"), salt=salt_b, n=n_, r=r_, p=p_, dklen=len(want))
    return hmac.compare_digest(got, want)
