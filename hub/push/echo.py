"""Echo suppression through per-field sync state: the hub's own writes are not the target's changes.

After the hub writes a column it records the value (``origin = hub``) and the target's version
seen. When the target is read again its version has moved (the write touched it), but a column
whose live value equals the recorded one is the hub's echo: it is neither a target edit for the
conflict check nor a reason to push again. Only a column whose live value differs from the
recorded one was changed in the target.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from hub.clock import utcnow
from hub.store.bulk import upsert
from hub.store.models import SyncState

__all__ = ["Synced", "load_sync", "record_sync", "echo_columns"]


@dataclass(frozen=True, slots=True)
class Synced:
    """One column's sync state."""

    value: str | None
    origin: str
    version: str | None


def load_sync(conn: Connection, system: str, stream: str) -> dict[str, dict[str, Synced]]:
    """external id -> column -> sync state, for one target stream."""
    t = SyncState.__table__
    out: dict[str, dict[str, Synced]] = defaultdict(dict)
    q = select(t.c.external_id, t.c.column, t.c.value, t.c.origin, t.c.version).where(
        t.c.system == system, t.c.stream == stream
    )
    for ext, col, value, origin, version in conn.execute(q):
        out[ext][col] = Synced(value, origin, version)
    return dict(out)


def record_sync(
    conn: Connection,
    system: str,
    stream: str,
    rows: Iterable[tuple[str, str, str | None, str, str | None]],
    run_id: int,
) -> int:
    """Upsert (external id, column, value, origin, version) rows in the caller's transaction."""
    now = utcnow()
    data = [
        {
            "system": system,
            "stream": stream,
            "external_id": ext,
            "column": col,
            "value": value,
            "origin": origin,
            "version": version,
            "run_id": run_id,
            "synced_at": now,
        }
        for ext, col, value, origin, version in rows
    ]
    return upsert(
        conn, SyncState.__table__, data, key=("system", "stream", "external_id", "column"), change_column=None
    )


def echo_columns(synced: Mapping[str, Synced], live: Mapping[str, Any]) -> set[str]:
    """Columns whose live (normalised) value is exactly what the hub wrote: echoes, not target changes."""
    return {col for col, s in synced.items() if s.origin == "hub" and col in live and live[col] == s.value}
