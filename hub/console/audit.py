"""The audit log: who changed what and when, with the state before and after."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from hub.clock import utcnow
from hub.store.models import AuditLog

__all__ = ["record", "recent"]


def _plain(value: Any) -> Any:
    """JSON-safe copy (dates and decimals as text)."""
    return json.loads(
        json.dumps(
            value, default=lambda v: str(v) if isinstance(v, (Decimal, dt.date)) else repr(v), ensure_ascii=False
        )
    )


def record(
    conn: Connection,
    user: str,
    action: str,
    target_kind: str,
    target_key: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Append one entry in the caller's transaction (so the change and its record commit together)."""
    conn.execute(
        AuditLog.__table__.insert().values(
            at=utcnow(),
            user_name=user,
            action=action,
            target_kind=target_kind,
            target_key=target_key,
            before=_plain(before) if before is not None else None,
            after=_plain(after) if after is not None else None,
        )
    )


def recent(
    conn: Connection,
    limit: int = 200,
    user: str | None = None,
    target_kind: str | None = None,
    target_key: str | None = None,
) -> list[dict[str, Any]]:
    """The latest entries, newest first, optionally for one user or target."""
    t = AuditLog.__table__
    cond = []
    if user:
        cond.append(t.c.user_name == user)
    if target_kind:
        cond.append(t.c.target_kind == target_kind)
    if target_key:
        cond.append(t.c.target_key == target_key)
    rows = conn.execute(select(t).where(*cond).order_by(t.c.id.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]
