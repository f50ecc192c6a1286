"""Applying a stream's compiled mapping rules to staged records, for the extract and map stages.

``StreamMapper.map`` turns records into canonical rows per entity plus quarantine rows for the
records that failed, and ``StreamMapper.write`` stores both in the caller's transaction. A staged
record's ``mapped_hash`` holds the rules fingerprint its payload was mapped under: it tells later
runs which records are current (staging writes it with every new payload).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, update

from hub.canonical import fields_of
from hub.clock import utcnow
from hub.errors import HubError, MappingError
from hub.mapping.rowfn import row_function
from hub.store.bulk import converters, is_identity, sqlite_decimal, upsert, upsert_tuples
from hub.store.models import MODELS, Quarantine

QUARANTINE_KEY = ("system", "stream", "stage", "record_key")
QUARANTINE_UPDATE = ("location", "error_type", "field", "reason", "raw", "hash", "last_run", "resolved_run")


@dataclass(slots=True)
class Staged:
    """One staged record as the mapper needs it."""

    external_id: str
    hash: str
    data: dict[str, Any]
    location: str | None
    deleted: bool
    payload: str


@dataclass
class Mapped:
    """The result of mapping one batch: bind-ready tuples per entity (columns: ``StreamMapper.columns``)."""

    rows: dict[str, dict[str, tuple[Any, ...]]] = field(default_factory=lambda: defaultdict(dict))
    failed: list[dict[str, Any]] = field(default_factory=list)
    ok_keys: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Canonical records produced per entity."""
        return {entity: len(rows) for entity, rows in self.rows.items() if rows}


def rules_fingerprint(paths: Iterable[Any]) -> str:
    """Fingerprint of mapping files: when it changes every record they cover is mapped again."""
    h = hashlib.blake2b(digest_size=8)
    for path in paths:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def quarantine_row(
    system: str,
    stream: str,
    stage: str,
    record_key: str,
    location: str | None,
    exc: HubError,
    raw: str | None,
    run_id: int,
    record_hash: str | None = None,
) -> dict[str, Any]:
    """A quarantine row for a record that failed in ``stage``."""
    reason = str(exc)
    if location and location not in reason:
        reason = f"{location}: {reason}"
    return {
        "system": system,
        "stream": stream,
        "stage": stage,
        "record_key": record_key,
        "location": location,
        "error_type": type(exc).__name__,
        "field": getattr(exc, "field", None),
        "reason": reason,
        "raw": raw,
        "hash": record_hash,
        "first_run": run_id,
        "last_run": run_id,
        "resolved_run": None,
        "created_at": utcnow(),
    }


class _General(Exception):
    """A record the fused row functions leave to the general path."""


class StreamMapper:
    """The compiled rules of one stream, applied batch by batch."""

    def __init__(
        self, system: str, stream: str, mappings: list[Any], fingerprint: str, run_id: int, dialect: str
    ) -> None:
        self.system, self.stream, self.mappings = system, stream, mappings
        self.fingerprint, self.run_id = fingerprint, run_id
        self.fields = {m.entity: list(fields_of(m.entity)) for m in mappings}
        #: per entity: the columns of the bind tuples the mapper produces
        self.columns = {
            e: f + ["system", "external_id", "row_hash", "run_id", "deleted"] for e, f in self.fields.items()
        }
        self._convert = {}
        self._deleted = {e: converters(MODELS[e].__table__, ["deleted"], dialect)[0] for e in self.fields}
        for e, f in self.fields.items():
            convs = converters(MODELS[e].__table__, f, dialect)
            self._convert[e] = [(i, c) for i, c in enumerate(convs) if not is_identity(c)]
        #: per mapping: (mapping, entity, fused row function or None, whether it has a ``when`` filter)
        self._plans = [
            (
                m,
                m.entity,
                row_function(m, self.fields[m.entity], dict(self._convert[m.entity]), sqlite_decimal),
                bool(m.when),
            )
            for m in mappings
        ]

    def map(self, records: Iterable[Staged]) -> Mapped:
        """Map records; failures become quarantine rows naming the field, the rest canonical rows.

        Each record goes through the mappings' fused row functions; a record any of them refuses
        (or a mapping without one) takes the general path, which names every bad field.
        """
        out = Mapped()
        system, run_id = self.system, self.run_id
        plans, deleted_of = self._plans, self._deleted
        blake2b, rows, ok_keys = hashlib.blake2b, out.rows, out.ok_keys
        for rec in records:
            data, deleted = rec.data, rec.deleted
            produced = []
            try:
                for m, entity, build, when in plans:
                    if when and not m.matches(data):
                        continue
                    if build is None:
                        raise _General
                    ext, values = build(data)
                    digest = blake2b("\x1f".join(map(str, values)).encode("utf-8"), digest_size=16)
                    if deleted:
                        digest.update(b"\x00deleted")
                    values += [system, ext, digest.hexdigest()[:16], run_id, deleted_of[entity](deleted)]
                    produced.append((entity, ext, tuple(values)))
            except Exception:  # the general path names every bad field (or raises what apply raises)
                self._map_general((rec,), out)
                continue
            for entity, ext, row in produced:
                rows[entity][ext] = row
            ok_keys.append(rec.external_id)
        return out

    def _map_general(self, records: Iterable[Staged], out: Mapped) -> None:
        """The record-by-record path through ``CompiledMapping.apply``: names every bad field."""
        system, run_id = self.system, self.run_id
        for rec in records:
            try:
                produced = []
                for m in self.mappings:
                    if not m.matches(rec.data):
                        continue
                    mapped = m.apply(rec.data)
                    get = mapped.get
                    values = [get(c) for c in self.fields[m.entity]]
                    for i, conv in self._convert[m.entity]:
                        if values[i] is not None:
                            values[i] = conv(values[i])
                    digest = hashlib.blake2b("\x1f".join(map(str, values)).encode("utf-8"), digest_size=16)
                    if rec.deleted:
                        digest.update(b"\x00deleted")
                    ext = mapped["external_id"]
                    values += [system, ext, digest.hexdigest()[:16], run_id, self._deleted[m.entity](rec.deleted)]
                    produced.append((m.entity, ext, tuple(values)))
            except HubError as exc:
                if not isinstance(exc, MappingError):
                    exc = MappingError(exc.message, field=exc.field)
                exc.system, exc.stream, exc.external_id = system, self.stream, rec.external_id
                out.failed.append(
                    quarantine_row(
                        system, self.stream, "map", rec.external_id, rec.location, exc, rec.payload, run_id, rec.hash
                    )
                )
                continue
            for entity, ext, row in produced:
                out.rows[entity][ext] = row
            out.ok_keys.append(rec.external_id)

    def write(self, conn: Connection, mapped: Mapped, resolve_quarantine: bool) -> int:
        """Store a mapped batch in the caller's transaction; returns canonical rows inserted or changed."""
        changed = 0
        for entity, rows in mapped.rows.items():
            changed += upsert_tuples(
                conn, MODELS[entity].__table__, self.columns[entity], list(rows.values()), key=("system", "external_id")
            )
        if mapped.failed:
            upsert(
                conn,
                Quarantine.__table__,
                mapped.failed,
                key=QUARANTINE_KEY,
                change_column=None,
                update_columns=QUARANTINE_UPDATE,
            )
        if resolve_quarantine and mapped.ok_keys:
            for start in range(0, len(mapped.ok_keys), 5000):
                conn.execute(
                    update(Quarantine)
                    .where(
                        Quarantine.system == self.system,
                        Quarantine.stream == self.stream,
                        Quarantine.stage == "map",
                        Quarantine.resolved_run.is_(None),
                        Quarantine.record_key.in_(mapped.ok_keys[start : start + 5000]),
                    )
                    .values(resolved_run=self.run_id)
                )
        return changed
