"""A run-independent snapshot of the store: what must be equal after a rerun or an interrupted run."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, inspect, select, text

from hub.store.models import MODELS, CrosswalkLink, Discrepancy, Quarantine, SourceRecord
from hub.store.payload import PayloadCodec, dumps

_VOLATILE = {"run_id", "first_run", "changed_run", "last_run", "resolved_run", "created_at", "first_seen", "last_seen"}


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every canonical/crosswalk/quarantine/discrepancy/staging row minus run numbers and timestamps.

    A staged payload is compared as the record it holds: its stored form names a column list by an
    id given in the order lists were first met, which differs between runs that read streams in
    another order (Airflow's parallel tasks).
    """
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
            rows = conn.execute(select(*cols)).all()
            if t.name == SourceRecord.__tablename__:
                at, decode = [c.name for c in cols].index("payload"), PayloadCodec(conn).decode
                rows = [(*r[:at], dumps(decode(r[at])), *r[at + 1 :]) for r in rows]
            out[t.name] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def count_rows(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
