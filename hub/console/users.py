"""Console users in the store: add, list, disable, authenticate; every change goes to the audit log."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, select, update

from hub.clock import utcnow
from hub.console.audit import record
from hub.console.passwords import MIN_LENGTH, hash_password, verify_password
from hub.errors import HubError
from hub.store.models import AppUser

__all__ = ["ROLES", "can", "add_user", "list_users", "set_disabled", "authenticate", "get_user"]

#: roles, each allowed everything the ones before it are
ROLES = ("viewer", "steward", "admin")
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


def can(role: str, needed: str) -> bool:
    """Whether ``role`` is at least ``needed``."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def _public(row: Any) -> dict[str, Any]:
    """A user without the password hash (nothing secret leaves this module)."""
    return {
        "name": row.name,
        "role": row.role,
        "disabled": bool(row.disabled),
        "created_at": row.created_at,
        "last_login": row.last_login,
    }


def get_user(conn: Connection, name: str) -> dict[str, Any] | None:
    t = AppUser.__table__
    row = conn.execute(select(t).where(t.c.name == name)).first()
    return _public(row) if row else None


def add_user(conn: Connection, name: str, role: str, password: str, by: str) -> dict[str, Any]:
    """Create a user; refuses a bad name, an unknown role, a short password or an existing name."""
    if not _NAME.match(name):
        raise HubError(f"user name {name!r}: use 1-64 letters, digits or . _ @ -")
    if role not in ROLES:
        raise HubError(f"role {role!r}: use one of {', '.join(ROLES)}")
    if len(password) < MIN_LENGTH:
        raise HubError(f"the password of {name} is too short: at least {MIN_LENGTH} characters")
    if get_user(conn, name) is not None:
        raise HubError(f"user {name} exists already")
    now = utcnow()
    conn.execute(
        AppUser.__table__.insert().values(
            name=name, role=role, password_hash=hash_password(password), disabled=False, created_at=now, last_login=None
        )
    )
    record(conn, by, "user.add", "user", name, None, {"role": role, "disabled": False})
    return get_user(conn, name)  # type: ignore[return-value]


def list_users(conn: Connection) -> list[dict[str, Any]]:
    t = AppUser.__table__
    return [_public(r) for r in conn.execute(select(t).order_by(t.c.name))]


def set_disabled(conn: Connection, name: str, disabled: bool, by: str) -> dict[str, Any]:
    """Disable (or enable) a user; a disabled user's sessions end at once."""
    from hub.console.sessions import end_sessions_of

    before = get_user(conn, name)
    if before is None:
        raise HubError(f"no user {name}")
    t = AppUser.__table__
    conn.execute(update(t).where(t.c.name == name).values(disabled=disabled))
    if disabled:
        end_sessions_of(conn, name)
    record(
        conn,
        by,
        "user.disable" if disabled else "user.enable",
        "user",
        name,
        {"disabled": before["disabled"]},
        {"disabled": disabled},
    )
    return get_user(conn, name)  # type: ignore[return-value]


def authenticate(conn: Connection, name: str, password: str) -> dict[str, Any] | None:
    """The user when the name and password match and the user is enabled; records the login time."""
    t = AppUser.__table__
    row = conn.execute(select(t).where(t.c.name == name)).first()
    ok = verify_password(password, row.password_hash if row else None)
    if not ok or row is None or row.disabled:
        return None
    conn.execute(update(t).where(t.c.name == name).values(last_login=utcnow()))
    return _public(row)
