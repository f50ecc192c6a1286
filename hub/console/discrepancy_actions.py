"""What a steward does to a discrepancy: acknowledge, resolve, assign, comment; each one audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from hub.clock import utcnow
from hub.console.audit import record
from hub.reconcile.store.lifecycle import acknowledge
from hub.store.models import Discrepancy, DiscrepancyNote

__all__ = ["ACTIONS", "state", "apply"]

ACTIONS = ("ack", "resolve", "assign", "comment")


def state(conn: Connection, kind: str, key: str) -> dict[str, Any] | None:
    d = Discrepancy.__table__
    row = conn.execute(
        select(d.c.status, d.c.acknowledged_by, d.c.resolved_run).where(d.c.kind == kind, d.c.key == key)
    ).first()
    return dict(row._mapping) if row else None


def _note(
    conn: Connection,
    kind: str,
    key: str,
    note_type: str,
    user: str,
    assignee: str | None = None,
    text: str | None = None,
) -> None:
    conn.execute(
        DiscrepancyNote.__table__.insert().values(
            kind=kind, key=key, note_type=note_type, assignee=assignee, text=text, user_name=user, at=utcnow()
        )
    )


def apply(conn: Connection, action: str, kind: str, key: str, user: str, value: str = "") -> str | None:
    """Do ``action`` to one discrepancy; returns why it could not be done, or None when done.

    ``ack`` is the CLI's ``hub discrepancies ack`` (open -> acknowledged). ``resolve`` marks an
    open or acknowledged one resolved by a person; like any resolved discrepancy it reopens when
    the next run still finds the disagreement.
    """
    before = state(conn, kind, key)
    if before is None:
        return f"no {kind} discrepancy {key}"
    if action == "ack":
        if not acknowledge(conn, kind, key, user):
            return f"{kind} {key} is {before['status']}, not open"
    elif action == "resolve":
        d = Discrepancy.__table__
        res = conn.execute(
            update(d)
            .where(d.c.kind == kind, d.c.key == key, d.c.status != "resolved")
            .values(status="resolved", resolved_run=d.c.last_run)
        )
        if not res.rowcount:
            return f"{kind} {key} is resolved already"
        _note(conn, kind, key, "resolve", user, text=value or None)
    elif action == "assign":
        _note(conn, kind, key, "assign", user, assignee=value or None)
        before = {**before, "assignee": _assignee(conn, kind, key, skip_latest=True)}
    elif action == "comment":
        if not value.strip():
            return "write a comment first"
        _note(conn, kind, key, "comment", user, text=value.strip()[:4000])
    else:
        return f"unknown action {action!r}"
    after = state(conn, kind, key) or {}
    if action == "assign":
        after["assignee"] = value or None
    if action == "comment":
        after["comment"] = value.strip()[:4000]
    record(conn, user, f"discrepancy.{action}", "discrepancy", f"{kind}:{key}", before, after)
    return None


def _assignee(conn: Connection, kind: str, key: str, skip_latest: bool = False) -> str | None:
    n = DiscrepancyNote.__table__
    rows = conn.execute(
        select(n.c.assignee)
        .where(n.c.kind == kind, n.c.key == key, n.c.note_type == "assign")
        .order_by(n.c.id.desc())
        .limit(2)
    ).all()
    rows = rows[1:] if skip_latest else rows
    return rows[0][0] if rows else None
