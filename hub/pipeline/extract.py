"""Extract stage: read one stream of one system into staging, batch by batch, with its cursor.

The read of a stream is one transaction: records whose content changed (by hash) are upserted
into ``source_record`` and, when the stream has mapping rules, mapped into canonical rows;
unreadable records are quarantined with their location; the cursor state is saved with them.
Before a batch is written its columns are checked against the stream's contract, and at the
end every delivery is judged by the guards (``hub.contracts``): a broken contract or a tripped
guard rolls the whole read back, so the store keeps its previous data and the next run reads
the same delivery again. Unchanged records cost one indexed lookup and no write. Post-commit
actions (archiving a fully read file) run after the commit.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, select

from hub.connector import Record
from hub.contracts.schema import known_columns, load_profile, save_profile, save_schema
from hub.contracts.watch import StreamWatch
from hub.errors import GuardError
from hub.mapping.staged import QUARANTINE_KEY, QUARANTINE_UPDATE, Staged, quarantine_row
from hub.pipeline.connect import build_connector
from hub.pipeline.context import StageContext, utcnow
from hub.pipeline.mapstage import forget_mapped
from hub.pipeline.runlog import StageCounts, stage
from hub.store.bulk import Converter, converters, upsert, upsert_tuples
from hub.store.fast import staged_hashes
from hub.store.models import CursorState, Quarantine, SourceRecord
from hub.store.payload import PayloadCodec, dumps

__all__ = ["extract_stream", "load_state", "save_state", "record_hash"]

_LOOKUP_CHUNK = 5000


def record_hash(payload: str) -> str:
    """Content hash of a record's JSON payload: the first 16 hex digits (64 bits, enough to tell
    a record's change) of its 16-byte BLAKE2b digest."""
    return hashlib.blake2b(payload.encode("utf-8"), digest_size=16).hexdigest()[:16]


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
        [
            {
                "pipeline": pipeline,
                "system": system,
                "stream": stream,
                "state": state,
                "run_id": run_id,
                "updated_at": utcnow(),
            }
        ],
        key=("pipeline", "system", "stream"),
        change_column=None,
    )


_STAGING_COLUMNS = (
    "system",
    "stream",
    "external_id",
    "hash",
    "payload",
    "location",
    "first_run",
    "changed_run",
    "mapped_hash",
    "deleted",
)
_STAGING_UPDATE = ("hash", "payload", "location", "changed_run", "mapped_hash", "deleted")


def _extract_quarantine(records: list[Record], system: str, run_id: int) -> list[dict[str, Any]]:
    return [
        quarantine_row(system, r.stream, "extract", r.location or r.key, r.location, r.error, r.raw, run_id)  # type: ignore[arg-type]
        for r in records
    ]


def extract_stream(ctx: StageContext, system: str, stream: str) -> StageCounts:
    """Read ``system``/``stream`` into staging (and canonical rows) from its saved cursor.

    The whole read is one transaction: a broken contract or a tripped guard rolls it back, so
    the store keeps the stream's previous data and the cursor does not move.
    """
    with stage(ctx.engine, ctx.run_id, "extract", system, stream) as counts:
        mapper = ctx.stream_mapper(system, stream)
        as_bool = converters(SourceRecord.__table__, ["deleted"], ctx.engine.dialect.name)[0]
        resolve_quarantine = ctx.has_open_quarantine(system, stream) if mapper else False
        with ctx.engine.connect() as conn:
            state = None if ctx.full_refresh(system, stream) else load_state(conn, ctx.pipeline, system, stream)
            watch = StreamWatch(
                system,
                stream,
                mapper.mappings if mapper else [],
                ctx.config.contract_settings(system, stream),
                ctx.config.guard_settings(system, stream),
                known_columns(conn, system, stream),
                load_profile(conn, ctx.pipeline, system, stream),
                full_read=state is None,
                accept=ctx.accepted(system, stream),
            )
        connector = build_connector(ctx.config, system)
        after_commit: list[Any] = []
        try:
            with ctx.engine.begin() as conn:
                encode = PayloadCodec(conn).encode  # payloads stored without their column names
                for batch in connector.read(stream, state):
                    records = watch.check(batch)
                    good = list({r.key: r for r in records if r.error is None}.values())
                    bad = [r for r in records if r.error is not None]
                    rows = _stage_batch(
                        ctx, conn, mapper, counts, system, stream, good, bad, as_bool, resolve_quarantine, encode
                    )
                    save_state(conn, ctx.pipeline, system, stream, batch.state, ctx.run_id)
                    after_commit.extend(batch.on_commit)
                    counts.rows_in += len(records)
                    counts.rows_changed += rows
                    counts.rows_quarantined += len(bad)
                    ctx.progress("extract", system, stream, counts.rows_in)
                watch.judge()
                _save_watch(conn, ctx, system, stream, watch)
        except GuardError:
            with ctx.engine.begin() as conn:  # the schema change that failed the stream is worth keeping
                save_schema(conn, system, stream, ctx.run_id, watch.observed)
            raise
        finally:
            connector.close()
        for action in after_commit:
            action()
        if watch.accept:
            counts.detail["accepted"] = True
        return counts


def _stage_batch(
    ctx: StageContext,
    conn: Connection,
    mapper: Any,
    counts: StageCounts,
    system: str,
    stream: str,
    good: list[Record],
    bad: list[Record],
    as_bool: Converter,
    resolve_quarantine: bool,
    encode: Any,
) -> int:
    """Upsert a batch's changed records into staging, map them, quarantine the unreadable; returns rows staged."""
    known = staged_hashes(conn, system, stream, [r.key for r in good], _LOOKUP_CHUNK) if good else {}
    rows, staged = [], []
    run_id, blake2b = ctx.run_id, hashlib.blake2b
    marker = mapper.fingerprint if mapper else None  # the rules the staged payload is mapped under
    for r in good:
        data, key = r.data, r.key
        payload = dumps(data)
        h = blake2b(payload.encode("utf-8"), digest_size=16).hexdigest()[:16]  # record_hash, inlined
        if known:
            old = known.get(key)
            if old is not None and old[0] == h and (mapper is None or old[1] == marker):
                continue
        deleted = bool(data.get("_deleted", False))
        rows.append((system, stream, key, h, encode(data), r.location, run_id, run_id, marker, as_bool(deleted)))
        staged.append(Staged(key, h, data, r.location, deleted, payload))
    if rows and marker is not None:
        forget_mapped(conn, system, stream, marker)
    upsert_tuples(
        conn,
        SourceRecord.__table__,
        _STAGING_COLUMNS,
        rows,
        key=("system", "stream", "external_id"),
        change_column=None,
        update_columns=_STAGING_UPDATE,
    )
    if mapper is not None and staged:
        mapped = mapper.map(staged)
        changed = mapper.write(conn, mapped, resolve_quarantine)
        counts.detail["canonical_changed"] = counts.detail.get("canonical_changed", 0) + changed
        counts.detail["map_quarantined"] = counts.detail.get("map_quarantined", 0) + len(mapped.failed)
        for entity, n in mapped.counts().items():
            counts.detail.setdefault("mapped", {})[entity] = counts.detail.get("mapped", {}).get(entity, 0) + n
        counts.rows_quarantined += len(mapped.failed)
    if bad:
        upsert(
            conn,
            Quarantine.__table__,
            _extract_quarantine(bad, system, ctx.run_id),
            key=QUARANTINE_KEY,
            change_column=None,
            update_columns=QUARANTINE_UPDATE,
        )
    return len(rows)


def _save_watch(conn: Connection, ctx: StageContext, system: str, stream: str, watch: StreamWatch) -> None:
    """Record the columns seen and make this read's last delivery the stream's baseline."""
    save_schema(conn, system, stream, ctx.run_id, watch.observed)
    prof = watch.profile()
    if prof is not None:
        rows, filled, delivered = prof
        save_profile(conn, ctx.pipeline, system, stream, ctx.run_id, rows, filled, delivered)
