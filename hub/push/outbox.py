"""The outbox repository: record intended writes before sending, settle their outcome, list/retry/discard.

Rows are keyed by idempotency key (see ``hub.push.changeset.change_key``); statuses and their
lifecycle are described in ``hub.store.models.outbox``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Row, select, update

from hub.clock import utcnow
from hub.errors import HubError
from hub.push.config import RetryRules
from hub.store.models import OutboxEntry
from hub.store.models.outbox import OPEN_STATUSES, STATUSES

__all__ = [
    "by_keys",
    "open_entries",
    "insert",
    "set_status",
    "failure",
    "list_entries",
    "retry",
    "discard",
    "held_size",
    "approval_trigger",
    "OPEN_STATUSES",
    "STATUSES",
]

T = OutboxEntry.__table__


def by_keys(conn: Connection, keys: Sequence[str]) -> dict[str, Row[Any]]:
    """Existing rows of the given idempotency keys."""
    out: dict[str, Row[Any]] = {}
    for start in range(0, len(keys), 500):
        for row in conn.execute(select(T).where(T.c.idempotency_key.in_(keys[start : start + 500]))):
            out[row.idempotency_key] = row
    return out


def open_entries(
    conn: Connection, system: str, stream: str, statuses: Iterable[str] = (*OPEN_STATUSES, "held")
) -> list[Row[Any]]:
    """Rows of one target stream that still need work (or an approval)."""
    return list(
        conn.execute(
            select(T)
            .where(T.c.system == system, T.c.stream == stream, T.c.status.in_(tuple(statuses)))
            .order_by(T.c.id)
        )
    )


def insert(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Record new intended writes (each dict: the OutboxEntry columns except id/timestamps)."""
    if rows:
        now = utcnow()
        conn.execute(
            T.insert(),
            [
                {
                    "attempts": 0,
                    "next_attempt_at": None,
                    "last_error": None,
                    "result": None,
                    "created_at": now,
                    "updated_at": now,
                    **r,
                }
                for r in rows
            ],
        )


def set_status(conn: Connection, ids: Sequence[int], status: str, **values: Any) -> None:
    """Move rows to ``status`` (and set other columns) in the caller's transaction."""
    if status not in STATUSES:
        raise ValueError(f"unknown outbox status {status!r}")
    for start in range(0, len(ids), 500):
        conn.execute(
            update(T)
            .where(T.c.id.in_(list(ids[start : start + 500])))
            .values(status=status, updated_at=utcnow(), **values)
        )


def failure(conn: Connection, row_id: int, attempts: int, error: HubError | BaseException, rules: RetryRules) -> str:
    """Settle a failed write: ``retry`` with backoff while attempts are left and it may succeed later, else ``dead``."""
    attempts += 1
    retriable = getattr(error, "retriable", False)
    reason = f"{type(error).__name__}: {error}"[:4000]
    if retriable and attempts < rules.max_attempts:
        wait = min(rules.backoff_seconds * 2 ** (attempts - 1), rules.backoff_max_seconds)
        set_status(
            conn,
            [row_id],
            "retry",
            attempts=attempts,
            last_error=reason,
            next_attempt_at=utcnow() + dt.timedelta(seconds=wait),
        )
        return "retry"
    set_status(conn, [row_id], "dead", attempts=attempts, last_error=reason, next_attempt_at=None)
    return "dead"


def approval_trigger(run_id: int) -> str:
    """The trigger recorded on a run that approves the push held by run ``run_id``."""
    return f"push --approve {run_id}"


def held_size(conn: Connection, run_id: int, system: str, stream: str) -> int | None:
    """How many changes run ``run_id`` held for approval on a target stream (None: it held none).

    An approving run takes the held rows over (they carry its run id from then on); if it stops
    part-way, approving ``run_id`` again must still cover them, so rows taken over by any run
    recorded as approving ``run_id`` count too, whatever became of them.
    """
    from hub.store.models import Run

    approvers = select(Run.__table__.c.id).where(Run.__table__.c.trigger == approval_trigger(run_id))
    held = conn.execute(
        select(T.c.id).where(T.c.run_id == run_id, T.c.system == system, T.c.stream == stream, T.c.status == "held")
    ).all()
    taken = conn.execute(
        select(T.c.id).where(
            T.c.run_id.in_(approvers),
            T.c.system == system,
            T.c.stream == stream,
            T.c.status.not_in(("superseded", "discarded")),
        )
    ).all()
    return (len(held) + len(taken)) or None


def list_entries(
    conn: Connection, status: str | None = None, system: str | None = None, limit: int = 100
) -> list[Row[Any]]:
    """Outbox rows, newest first, optionally of one status and/or target system."""
    q = select(T).order_by(T.c.id.desc()).limit(limit)
    if status:
        q = q.where(T.c.status == status)
    if system:
        q = q.where(T.c.system == system)
    return list(conn.execute(q))


def _pick(conn: Connection, ids: Sequence[int], all_of: str | None, allowed: tuple[str, ...]) -> list[int]:
    q = select(T.c.id).where(T.c.status.in_(allowed))
    if ids:
        q = q.where(T.c.id.in_(list(ids)))
    elif all_of:
        q = q.where(T.c.status == all_of)
    else:
        return []
    return [r[0] for r in conn.execute(q)]


def retry(conn: Connection, ids: Sequence[int] = (), all_dead: bool = False) -> int:
    """Send dead (or backing-off) writes again at the next push; returns how many were re-queued."""
    picked = _pick(conn, ids, "dead" if all_dead else None, ("dead", "retry"))
    set_status(conn, picked, "pending", attempts=0, next_attempt_at=None)
    return len(picked)


def discard(conn: Connection, ids: Sequence[int] = (), all_dead: bool = False) -> int:
    """Give up writes for good (a person decided); returns how many were discarded."""
    picked = _pick(conn, ids, "dead" if all_dead else None, ("dead", "retry", "pending", "held"))
    set_status(conn, picked, "discarded", next_attempt_at=None)
    return len(picked)
