"""Extract stage: read one stream of one system into staging, batch by batch, with its cursor.

Each batch is one transaction: changed records upserted into ``source_record`` (unchanged ones
are left alone), unreadable records quarantined with their location, and the batch's cursor
state saved. Post-commit actions (archiving a fully read file) run after the commit, so a
killed run re-reads at most the batch it was in.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Connection, select

from hub.connector import Record
from hub.pipeline.connect import build_connector
from hub.pipeline.context import StageContext, utcnow
from hub.pipeline.runlog import StageCounts, stage
from hub.store.bulk import upsert
from hub.store.models import CursorState, Quarantine, SourceRecord

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def record_hash(payload: str) -> str:
    """Content hash of a record's JSON payload."""
    return hashlib.blake2b(payload.encode("utf-8"), digest_size=16).hexdigest()


def load_state(conn: Connection, pipeline: str, system: str, stream: str) -> dict[str, Any] | None:
    """The saved cursor of a stream, or None before its first committed batch."""
    return conn.execute(
        select(CursorState.state).where(
            CursorState.pipeline == pipeline, CursorState.system == system, CursorState.stream == stream
        )
    ).scalar()


def save_state(conn: Connection, pipeline: str, system: str, stream: str, state: dict[str, Any], run_id: int) -> None:
    """Save a cursor in the caller's transaction."""
    upsert(
        conn,
        CursorState.__table__,
        [{"pipeline": pipeline, "system": system, "stream": stream, "state": state, "run_id": run_id, "updated_at": utcnow()}],
        key=("pipeline", "system", "stream"),
        change_column=None,
    )


def quarantine_rows(records: list[Record], system: str, stage_name: str, run_id: int, key_of: Any = None) -> list[dict[str, Any]]:
    """Quarantine rows for records whose ``error`` is set."""
    now = utcnow()
    rows = []
    for r in records:
        err = r.error
        assert err is not None
        rows.append(
            {
                "system": system,
                "stream": r.stream,
                "stage": stage_name,
                "record_key": key_of(r) if key_of else (r.location or r.key),
                "location": r.location,
                "error_type": type(err).__name__,
                "field": getattr(err, "field", None),
                "reason": str(err),
                "raw": r.raw,
                "hash": None,
                "first_run": run_id,
                "last_run": run_id,
                "resolved_run": None,
                "created_at": now,
            }
        )
    return rows


QUARANTINE_UPDATE = ("location", "error_type", "field", "reason", "raw", "hash", "last_run", "resolved_run")


def extract_stream(ctx: StageContext, system: str, stream: str) -> StageCounts:
    """Read ``system``/``stream`` into staging from its saved cursor; returns the stage counts."""
    with stage(ctx.engine, ctx.run_id, "extract", system, stream) as counts:
        connector = build_connector(ctx.config, system)
        try:
            with ctx.engine.connect() as conn:
                state = load_state(conn, ctx.pipeline, system, stream)
            for batch in connector.read(stream, state):
                good = [r for r in batch.records if r.error is None]
                bad = [r for r in batch.records if r.error is not None]
                rows = []
                for r in good:
                    payload = _dumps(r.data)
                    rows.append(
                        {
                            "system": system,
                            "stream": stream,
                            "external_id": r.key,
                            "hash": record_hash(payload),
                            "payload": payload,
                            "location": r.location,
                            "first_run": ctx.run_id,
                            "changed_run": ctx.run_id,
                            "mapped_hash": None,
                            "deleted": bool(r.data.get("_deleted", False)),
                        }
                    )
                with ctx.engine.begin() as conn:
                    changed = upsert(
                        conn,
                        SourceRecord.__table__,
                        rows,
                        key=("system", "stream", "external_id"),
                        change_column="hash",
                        update_columns=("hash", "payload", "location", "changed_run", "deleted"),
                    )
                    if bad:
                        upsert(
                            conn,
                            Quarantine.__table__,
                            quarantine_rows(bad, system, "extract", ctx.run_id),
                            key=("system", "stream", "stage", "record_key"),
                            change_column=None,
                            update_columns=QUARANTINE_UPDATE,
                        )
                    save_state(conn, ctx.pipeline, system, stream, batch.state, ctx.run_id)
                for action in batch.on_commit:
                    action()
                counts.rows_in += len(batch.records)
                counts.rows_changed += changed
                counts.rows_quarantined += len(bad)
                ctx.progress("extract", system, stream, counts.rows_in)
        finally:
            connector.close()
        return counts
