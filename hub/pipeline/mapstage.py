"""Map stage: bring every staged record of a stream up to date with the current mapping rules.

The extract stage already maps the records it stages; this stage catches up whatever is still
pending: records staged without mapping, or all records of a system whose mapping files changed
(``mapped_hash`` holds the fingerprint of the rules the record's current payload was mapped
under). A record that fails its mapping is quarantined with the field and reason and the stream
goes on; when it maps cleanly later its quarantine entry is marked resolved.

A pass that finds nothing more pending records the stream's rules in ``mapped_stream``; while the
rules stay the same and no record is marked NULL, the next run reads two index entries instead of
the stream (the extract stage forgets the record when it stages records under other rules).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from hub.contracts.columns import missing_columns
from hub.contracts.schema import known_columns
from hub.errors import ContractError
from hub.mapping.staged import Staged
from hub.pipeline.context import StageContext
from hub.pipeline.runlog import StageCounts, stage
from hub.store.fast import dialect_sql, driver_connection
from hub.store.models import SourceRecord
from hub.store.payload import PayloadCodec, dumps


def _check_contract(ctx: StageContext, mapper: Any, system: str, stream: str) -> None:
    """Fail before mapping when a rule reads a column the stream does not deliver (a typo, a renamed column).

    The columns are those recorded from the stream's deliveries, else those of a sample of its
    staged records; a stream with nothing staged has nothing to check.
    """
    if ctx.config.contract_settings(system, stream).mapped_columns != "freeze":
        return
    with ctx.engine.connect() as conn:
        columns = [c for c, k in known_columns(conn, system, stream).items() if k.present]
        if not columns:
            sr = SourceRecord.__table__
            sample = (
                conn.execute(
                    select(sr.c.payload)
                    .where(sr.c.system == system, sr.c.stream == stream, sr.c.deleted.is_(False))
                    .limit(50)
                )
                .scalars()
                .all()
            )  # noqa: E712
            seen: dict[str, None] = {}
            codec = PayloadCodec(conn)
            for payload in sample:
                seen.update(dict.fromkeys(codec.decode(payload)))
            columns = list(seen)
    if not columns:
        return
    problems = missing_columns(mapper.mappings, columns)
    if problems:
        first = problems[0]
        more = "".join(f"\n  {p}" for p in problems[1:])
        raise ContractError(
            f"{first}{more}",
            system=system,
            stream=stream,
            column=first.column,
            rule=first.where,
            columns=[p.column for p in problems],
        )


#: the next batch of a stream's records not mapped under the current rules (``?`` bind marks)
_PENDING = (
    "SELECT external_id, hash, payload, location, deleted FROM source_record "
    "WHERE system = ? AND stream = ? AND external_id > ? AND coalesce(mapped_hash, '') <> ? "
    "ORDER BY external_id LIMIT ?"
)
_MARK_MAPPED = "UPDATE source_record SET mapped_hash = ? WHERE system = ? AND stream = ? AND external_id = ?"
# what tells that nothing is pending without reading the stream (hub.store.models.MappedStream)
_MAPPED_UNDER = "SELECT fingerprint FROM mapped_stream WHERE system = ? AND stream = ?"
_FORGET = "DELETE FROM mapped_stream WHERE system = ? AND stream = ? AND fingerprint <> ?"
_DROP = "DELETE FROM mapped_stream WHERE system = ? AND stream = ?"
_RECORD = "INSERT INTO mapped_stream (system, stream, fingerprint, run_id) VALUES (?, ?, ?, ?)"


def forget_mapped(conn: Connection, system: str, stream: str, fingerprint: str) -> None:
    """Before records of the stream are marked mapped under ``fingerprint``, in the same transaction:
    the stream is no longer known mapped under other rules."""
    cur = driver_connection(conn).cursor()
    try:
        cur.execute(dialect_sql(conn, _FORGET), [system, stream, fingerprint])
    finally:
        cur.close()


def unmapped_probe(conn: Connection) -> str:
    """The query for one record of a stream marked NULL (parameters: system, stream), through the
    partial index of such records: SQLite would take the primary key (same leading columns) and
    read the whole stream."""
    indexed = "INDEXED BY ix_source_record_unmapped " if conn.dialect.name == "sqlite" else ""
    sql = f"SELECT 1 FROM source_record {indexed}WHERE system = ? AND stream = ? AND mapped_hash IS NULL LIMIT 1"
    return dialect_sql(conn, sql)


def _up_to_date(conn: Connection, system: str, stream: str, fingerprint: str) -> bool:
    """Known mapped under ``fingerprint`` with no record marked NULL: nothing to map (two index probes)."""
    cur = driver_connection(conn).cursor()
    try:
        cur.execute(dialect_sql(conn, _MAPPED_UNDER), [system, stream])
        row = cur.fetchone()
        if row is None or row[0] != fingerprint:
            return False
        cur.execute(unmapped_probe(conn), [system, stream])
        return cur.fetchone() is None
    finally:
        cur.close()


def map_stream(ctx: StageContext, system: str, stream: str) -> StageCounts:
    """Map the pending records of ``system``/``stream``; returns the stage counts."""
    with stage(ctx.engine, ctx.run_id, "map", system, stream) as counts:
        mapper = ctx.stream_mapper(system, stream)
        if mapper is None:
            counts.detail["note"] = "no mapping rules for this stream"
            return counts
        _check_contract(ctx, mapper, system, stream)
        batch = ctx.config.pipeline(ctx.pipeline).batch_size
        rules = mapper.fingerprint
        with ctx.engine.begin() as conn:
            if _up_to_date(conn, system, stream, rules):
                return counts
            forget_mapped(conn, system, stream, rules)  # records get marked under these rules from here
        last = ""
        while True:
            with ctx.engine.begin() as conn:
                # driver-level reads and writes: per-value type processing would cost more than mapping
                cur = driver_connection(conn).cursor()
                try:
                    cur.execute(dialect_sql(conn, _PENDING), [system, stream, last, rules, batch])
                    rows = cur.fetchall()
                    if not rows:  # the pass is complete: every record not marked NULL is mapped under the rules
                        cur.execute(dialect_sql(conn, _DROP), [system, stream])
                        cur.execute(dialect_sql(conn, _RECORD), [system, stream, rules, ctx.run_id])
                        break
                    last = rows[-1][0]
                    decode = PayloadCodec(conn).decode
                    staged = []
                    for ext, h, p, loc, d in rows:
                        data = decode(p)
                        staged.append(Staged(ext, h, data, loc, bool(d), dumps(data)))
                    mapped = mapper.map(staged)
                    counts.rows_changed += mapper.write(conn, mapped, ctx.has_open_quarantine(system, stream))
                    cur.executemany(dialect_sql(conn, _MARK_MAPPED), [(rules, system, stream, r[0]) for r in rows])
                finally:
                    cur.close()
                counts.rows_in += len(rows)
                counts.rows_quarantined += len(mapped.failed)
            ctx.progress("map", system, stream, counts.rows_in)
        return counts
