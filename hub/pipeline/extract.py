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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from hub.connector import Record
from hub.contracts.schema import known_columns, load_profile, save_profile, save_schema
from hub.contracts.watch import StreamWatch
from hub.errors import GuardError
from hub.mapping.staged import QUARANTINE_KEY, QUARANTINE_UPDATE, Mapped, Staged, quarantine_row
from hub.pipeline.connect import build_connector
from hub.pipeline.context import StageContext, utcnow
from hub.pipeline.mapstage import forget_mapped
from hub.pipeline.runlog import StageCounts, stage
from hub.store.bulk import converters, upsert, upsert_tuples
from hub.store.fast import staged_hashes
from hub.store.flatjson import FlatJson
from hub.store.models import CursorState, Quarantine, SourceRecord
from hub.store.payload import PayloadCodec, dumps

if TYPE_CHECKING:
    from hub.pipeline.readahead import Spooled

__all__ = ["extract_stream", "load_state", "save_state", "record_hash", "Prepared", "StreamRead", "KeysSeen"]

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


@dataclass(slots=True)
class Prepared:
    """One batch read, checked against the contract, hashed and mapped: what is left is to write it."""

    rows_in: int
    state: dict[str, Any]
    on_commit: tuple[Any, ...]
    #: quarantine rows of the records the source could not read
    quarantined: list[dict[str, Any]]
    #: the changed records: key, hash, shape (index into ``shapes``), values as JSON, location, deleted
    staged: list[tuple[str, str, int, str, str | None, Any]] = field(default_factory=list)
    shapes: list[tuple[str, ...]] = field(default_factory=list)
    mapped: Mapped | None = None
    #: a batch read apart that holds a key read before in the same read: the writer decides
    #: which of its records changed (it sees the earlier batches) and maps them
    undecided: list[Record] | None = None


class BatchPrep:
    """Turns a batch's readable records into :class:`Prepared` rows against a store connection."""

    def __init__(self, mapper: Any, system: str, stream: str, run_id: int, dialect: str) -> None:
        self.mapper, self.system, self.stream, self.run_id = mapper, system, stream, run_id
        self.marker = mapper.fingerprint if mapper else None  # the rules a staged payload is mapped under
        self.as_bool = converters(SourceRecord.__table__, ["deleted"], dialect)[0]
        self.json = FlatJson()

    def prepare(self, conn: Connection, p: Prepared, good: list[Record], seen: KeysSeen | None = None) -> None:
        """Fill ``p`` with the records of ``good`` whose content changed since ``conn``'s view of the
        stream, mapped. With ``seen`` (a read apart from the writer, which cannot see its earlier
        batches) a key read before in the same read leaves the batch undecided."""
        if seen is not None and seen.any_of(r.key for r in good):
            seen.add_all(r.key for r in good)
            p.undecided = good
            return
        known = staged_hashes(conn, self.system, self.stream, [r.key for r in good], _LOOKUP_CHUNK)
        staged: list[Staged] = []
        shapes: dict[tuple[str, ...], int] = {}
        out = p.staged
        mapper, marker, as_bool, blake2b = self.mapper, self.marker, self.as_bool, hashlib.blake2b
        texts = self.json.texts
        for r in good:
            data, key = r.data, r.key
            cols = tuple(data)
            payload, listed = texts(cols, data)
            h = blake2b(payload.encode("utf-8"), digest_size=16).hexdigest()[:16]  # record_hash, inlined
            if known:
                old = known.get(key)
                if old is not None and old[0] == h and (mapper is None or old[1] == marker):
                    continue
            deleted = bool(data.get("_deleted", False))
            shape = shapes.get(cols)
            if shape is None:
                shape = shapes[cols] = len(shapes)
            values = listed if listed is not None else dumps(list(data.values()))
            out.append((key, h, shape, values, r.location, as_bool(deleted)))
            if mapper is not None:
                staged.append(Staged(key, h, data, r.location, deleted, payload))
        p.shapes = list(shapes)
        if seen is not None:
            seen.add_all(row[0] for row in out)
        if staged:
            p.mapped = mapper.map(staged)


class StreamRead:
    """One read of a stream from its saved cursor: its connector and its contract watch, batch by batch."""

    def __init__(self, ctx: StageContext, conn: Connection, system: str, stream: str, mapper: Any) -> None:
        self.system, self.stream = system, stream
        self.prep = BatchPrep(mapper, system, stream, ctx.run_id, conn.dialect.name)
        self.state = None if ctx.full_refresh(system, stream) else load_state(conn, ctx.pipeline, system, stream)
        self.watch = StreamWatch(
            system,
            stream,
            mapper.mappings if mapper else [],
            ctx.config.contract_settings(system, stream),
            ctx.config.guard_settings(system, stream),
            known_columns(conn, system, stream),
            load_profile(conn, ctx.pipeline, system, stream),
            full_read=self.state is None,
            accept=ctx.accepted(system, stream),
        )
        self.connector = build_connector(ctx.config, system)

    def batches(self, conn: Connection, seen: KeysSeen | None = None) -> Iterator[Prepared]:
        """The stream's batches, prepared against ``conn`` (see :meth:`BatchPrep.prepare`)."""
        run_id = self.prep.run_id
        for batch in self.connector.read(self.stream, self.state):
            records = self.watch.check(batch)
            good = list({r.key: r for r in records if r.error is None}.values())
            bad = [r for r in records if r.error is not None]
            p = Prepared(len(records), batch.state, batch.on_commit, _extract_quarantine(bad, self.system, run_id))
            if good:
                self.prep.prepare(conn, p, good, seen)
            yield p

    def close(self) -> None:
        self.connector.close()


class KeysSeen:
    """The keys a read apart has handed on, as a Bloom filter (32 MiB whatever the stream's size; at a
    million keys fewer than one batch of 10,000 in a thousand meets a false "seen"): a key that may
    have been handed on before is left to the writer, which sees the earlier batches.

    Probes come from the key's own ``hash`` (the process's string hash, cached in the key after the
    batch's dictionary has hashed it), by double hashing.
    """

    def __init__(self, bits: int = 1 << 28) -> None:
        self._bits = bytearray(bits >> 3)
        self._mask = bits - 1

    def any_of(self, keys: Iterable[str]) -> bool:
        """Whether any of ``keys`` may have been added."""
        bits, m = self._bits, self._mask
        for key in keys:
            h = hash(key)
            a, b = h & m, ((h >> 32) & m) | 1
            c, d = (a + b) & m, (a + 2 * b) & m
            e = (a + 3 * b) & m
            if (
                bits[a >> 3] >> (a & 7) & 1
                and bits[c >> 3] >> (c & 7) & 1
                and bits[d >> 3] >> (d & 7) & 1
                and bits[e >> 3] >> (e & 7) & 1
            ):
                return True
        return False

    def add_all(self, keys: Iterable[str]) -> None:
        bits, m = self._bits, self._mask
        for key in keys:
            h = hash(key)
            a, b = h & m, ((h >> 32) & m) | 1
            for i in (a, (a + b) & m, (a + 2 * b) & m, (a + 3 * b) & m):
                bits[i >> 3] |= 1 << (i & 7)


def extract_stream(ctx: StageContext, system: str, stream: str, spooled: Spooled | None = None) -> StageCounts:
    """Read ``system``/``stream`` into staging (and canonical rows) from its saved cursor.

    The whole read is one transaction: a broken contract or a tripped guard rolls it back, so
    the store keeps the stream's previous data and the cursor does not move. ``spooled``: the
    stream's batches as read and prepared ahead (:mod:`hub.pipeline.readahead`); this process
    writes them and judges the read.
    """
    with stage(ctx.engine, ctx.run_id, "extract", system, stream) as counts:
        mapper = ctx.stream_mapper(system, stream)
        resolve_quarantine = ctx.has_open_quarantine(system, stream) if mapper else False
        after_commit: list[Any] = []
        read: StreamRead | None = None
        watch: StreamWatch | None = None
        try:
            with ctx.engine.begin() as conn:
                if spooled is None:
                    read = StreamRead(ctx, conn, system, stream, mapper)
                    prep, watch, batches = read.prep, read.watch, read.batches(conn)
                else:
                    prep, batches = BatchPrep(mapper, system, stream, ctx.run_id, conn.dialect.name), spooled.batches()
                    counts.detail["read_apart"] = spooled.by
                write = _Writer(ctx, conn, prep, counts, resolve_quarantine)
                for p in batches:
                    write(p)
                    after_commit.extend(p.on_commit)
                if spooled is not None:
                    watch = spooled.watch  # handed over after the last batch
                assert watch is not None  # read here, or handed over
                watch.judge()
                _save_watch(conn, ctx, system, stream, watch)
        except GuardError:
            if watch is not None:
                with ctx.engine.begin() as conn:  # the schema change that failed the stream is worth keeping
                    save_schema(conn, system, stream, ctx.run_id, watch.observed)
            raise
        finally:
            if read is not None:
                read.close()
        for action in after_commit:
            action()
        if watch.accept:
            counts.detail["accepted"] = True
        return counts


class _Writer:
    """Writes prepared batches of one stream in the read's transaction."""

    def __init__(
        self, ctx: StageContext, conn: Connection, prep: BatchPrep, counts: StageCounts, resolve_quarantine: bool
    ) -> None:
        self.ctx, self.conn, self.prep, self.counts = ctx, conn, prep, counts
        self.resolve_quarantine = resolve_quarantine
        self.join = PayloadCodec(conn).join  # payloads stored without their column names

    def __call__(self, p: Prepared) -> None:
        ctx, conn, prep, counts = self.ctx, self.conn, self.prep, self.counts
        system, stream, run_id, marker = prep.system, prep.stream, ctx.run_id, prep.marker
        if p.undecided is not None:
            prep.prepare(conn, p, p.undecided)
        join, shapes = self.join, p.shapes
        rows = [
            (system, stream, k, h, join(shapes[s], v), loc, run_id, run_id, marker, d)
            for k, h, s, v, loc, d in p.staged
        ]
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
        if p.mapped is not None:
            mapper, mapped = prep.mapper, p.mapped
            changed = mapper.write(conn, mapped, self.resolve_quarantine)
            counts.detail["canonical_changed"] = counts.detail.get("canonical_changed", 0) + changed
            counts.detail["map_quarantined"] = counts.detail.get("map_quarantined", 0) + len(mapped.failed)
            for entity, n in mapped.counts().items():
                counts.detail.setdefault("mapped", {})[entity] = counts.detail.get("mapped", {}).get(entity, 0) + n
            counts.rows_quarantined += len(mapped.failed)
        if p.quarantined:
            upsert(
                conn,
                Quarantine.__table__,
                p.quarantined,
                key=QUARANTINE_KEY,
                change_column=None,
                update_columns=QUARANTINE_UPDATE,
            )
        save_state(conn, ctx.pipeline, system, stream, p.state, run_id)
        counts.rows_in += p.rows_in
        counts.rows_changed += len(rows)
        counts.rows_quarantined += len(p.quarantined)
        ctx.progress("extract", system, stream, counts.rows_in)


def _save_watch(conn: Connection, ctx: StageContext, system: str, stream: str, watch: StreamWatch) -> None:
    """Record the columns seen and make this read's last delivery the stream's baseline."""
    save_schema(conn, system, stream, ctx.run_id, watch.observed)
    prof = watch.profile()
    if prof is not None:
        rows, filled, delivered = prof
        save_profile(conn, ctx.pipeline, system, stream, ctx.run_id, rows, filled, delivered)
