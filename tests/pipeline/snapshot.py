"""A run-independent snapshot of the store: what must be equal after a rerun or an interrupted run."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, inspect, select, text

from hub.store.models import MODELS, CrosswalkLink, Discrepancy, Quarantine, SourceRecord

_VOLATILE = {"run_id", "first_run", "changed_run", "last_run", "resolved_run", "created_at", "first_seen", "last_seen"}


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every canonical/crosswalk/quarantine/discrepancy/staging row minus run numbers and timestamps."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    tables = [m.__table__ for m in MODELS.values()] + [
        t.__table__ for t in (CrosswalkLink, Quarantine, Discrepancy, SourceRecord)
    ]
    existing = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        for t in tables:
            if t.name not in existing:
                continue
            cols = [c for c in t.c if c.name not in _VOLATILE]
            out[t.name] = sorted(tuple(str(v) for v in r) for r in conn.execute(select(*cols)))
    return out


def count_rows(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
