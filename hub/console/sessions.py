"""Server-side console sessions: a random cookie token (stored only as its SHA-256), a CSRF token, an expiry."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlalchemy import Connection, delete, select

from hub.clock import utcnow
from hub.store.models import AppUser, ConsoleSession

__all__ = ["SESSION_HOURS", "start_session", "lookup", "end_session", "end_sessions_of"]

SESSION_HOURS = 8


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(conn: Connection, user: str, hours: float = SESSION_HOURS) -> str:
    """A new session for ``user``; returns the cookie token (shown to nobody else, stored hashed)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    t = ConsoleSession.__table__
    conn.execute(delete(t).where(t.c.expires_at < now))
    conn.execute(
        t.insert().values(
            token_hash=_digest(token),
            user_name=user,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + dt.timedelta(hours=hours),
        )
    )
    return token


def lookup(conn: Connection, token: str | None) -> dict[str, Any] | None:
    """The session's user (name, role) and CSRF token, if the token is live and the user enabled."""
    if not token or len(token) > 200:
        return None
    s, u = ConsoleSession.__table__, AppUser.__table__
    row = conn.execute(
        select(s.c.user_name, s.c.csrf_token, s.c.expires_at, u.c.role, u.c.disabled)
        .join(u, u.c.name == s.c.user_name)
        .where(s.c.token_hash == _digest(token))
    ).first()
    if row is None or row.disabled or row.expires_at <= utcnow():
        return None
    return {"name": row.user_name, "role": row.role, "csrf": row.csrf_token, "expires_at": row.expires_at}


def end_session(conn: Connection, token: str | None) -> None:
    if token:
        conn.execute(delete(ConsoleSession.__table__).where(ConsoleSession.__table__.c.token_hash == _digest(token)))


def end_sessions_of(conn: Connection, user: str) -> None:
    conn.execute(delete(ConsoleSession.__table__).where(ConsoleSession.__table__.c.user_name == user))
