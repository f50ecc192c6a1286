"""The observed schema of each stream and its last accepted profile, read from and written to the store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select, update

from hub.clock import utcnow
from hub.store.bulk import upsert
from hub.store.models import SchemaChange, StreamColumn, StreamProfile

__all__ = ["KnownColumn", "Profile", "SchemaEvent", "known_columns", "load_profile", "save_schema", "save_profile"]


@dataclass(frozen=True, slots=True)
class KnownColumn:
    """A column the stream delivered before."""

    column: str
    types: frozenset[str]
    present: bool


@dataclass(frozen=True, slots=True)
class Profile:
    """What a stream delivered in its last accepted delivery."""

    rows: int
    filled: dict[str, float]
    run_id: int
    data_at: dt.datetime | None


@dataclass(slots=True)
class SchemaEvent:
    """A change seen in one delivery: a column added, removed or with a new type."""

    change: str  # added | removed | type_changed
    column: str
    action: str  # recorded | failed | discarded
    detail: str = ""
    location: str | None = None


@dataclass(slots=True)
class Observed:
    """Columns (with value types) a stream delivered in this run, and its schema events."""

    columns: dict[str, set[str]] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    events: list[SchemaEvent] = field(default_factory=list)


def known_columns(conn: Connection, system: str, stream: str) -> dict[str, KnownColumn]:
    """The columns recorded for a stream (present and removed)."""
    sc = StreamColumn.__table__
    rows = conn.execute(
        select(sc.c.column, sc.c.types, sc.c.removed_run).where(sc.c.system == system, sc.c.stream == stream)
    )
    return {c: KnownColumn(c, frozenset(t.split(",")) if t else frozenset(), r is None) for c, t, r in rows}


def load_profile(conn: Connection, pipeline: str, system: str, stream: str) -> Profile | None:
    """The stream's last accepted profile, or None before its first accepted delivery."""
    sp = StreamProfile.__table__
    row = conn.execute(
        select(sp.c.rows, sp.c.filled, sp.c.run_id, sp.c.data_at).where(
            sp.c.pipeline == pipeline, sp.c.system == system, sp.c.stream == stream
        )
    ).first()
    if row is None:
        return None
    return Profile(int(row.rows), {k: float(v) for k, v in (row.filled or {}).items()}, int(row.run_id), row.data_at)


def save_schema(conn: Connection, system: str, stream: str, run_id: int, observed: Observed) -> None:
    """Record the columns seen in this run and the changes among them, in the caller's transaction."""
    now = utcnow()
    if observed.columns:
        old = known_columns(conn, system, stream)
        rows = []
        for col, types in observed.columns.items():
            prev = old.get(col)
            seen = sorted(set(types) | (set(prev.types) if prev else set()))
            rows.append(
                {
                    "system": system,
                    "stream": stream,
                    "column": col,
                    "types": ",".join(seen),
                    "first_run": run_id,
                    "last_run": run_id,
                    "removed_run": None,
                }
            )
        upsert(
            conn,
            StreamColumn.__table__,
            rows,
            key=("system", "stream", "column"),
            change_column=None,
            update_columns=("types", "last_run", "removed_run"),
        )
    sc = StreamColumn.__table__
    for col in observed.removed:
        conn.execute(
            update(sc)
            .where(sc.c.system == system, sc.c.stream == stream, sc.c.column == col, sc.c.removed_run.is_(None))
            .values(removed_run=run_id)
        )
    if observed.events:
        conn.execute(
            SchemaChange.__table__.insert(),
            [
                {
                    "system": system,
                    "stream": stream,
                    "run_id": run_id,
                    "change": e.change,
                    "column": e.column,
                    "action": e.action,
                    "detail": e.detail or None,
                    "location": e.location,
                    "at": now,
                }
                for e in observed.events
            ],
        )


def save_profile(
    conn: Connection,
    pipeline: str,
    system: str,
    stream: str,
    run_id: int,
    rows: int,
    filled: dict[str, float],
    delivered: bool,
) -> None:
    """Make a delivery the stream's baseline (``delivered``: it held records, so the source is not stale)."""
    now = utcnow()
    values: dict[str, Any] = {
        "pipeline": pipeline,
        "system": system,
        "stream": stream,
        "run_id": run_id,
        "rows": rows,
        "filled": filled or None,
        "data_at": now if delivered else None,
        "updated_at": now,
    }
    update_cols = ("run_id", "rows", "filled", "updated_at") + (("data_at",) if delivered else ())
    upsert(
        conn,
        StreamProfile.__table__,
        [values],
        key=("pipeline", "system", "stream"),
        change_column=None,
        update_columns=update_cols,
    )
