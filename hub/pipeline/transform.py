"""Map stage: turn changed staging records of one stream into canonical records.

Only records whose content or mapping rules changed since they were last mapped are
processed (``mapped_hash`` holds ``<record hash>:<rules fingerprint>``). A record that fails
its mapping is quarantined with the field and reason and the stream goes on; when it maps
cleanly later its quarantine entry is marked resolved.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select, text, update

from hub.canonical import fields_of
from hub.errors import HubError, MappingError
from hub.pipeline.context import StageContext, utcnow
from hub.pipeline.extract import QUARANTINE_UPDATE
from hub.pipeline.runlog import StageCounts, stage
from hub.store.bulk import upsert
from hub.store.models import MODELS, Quarantine, SourceRecord

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def rules_fingerprint(ctx: StageContext, system: str) -> str:
    """Fingerprint of a system's mapping files: a change re-maps every record of the system."""
    h = hashlib.blake2b(digest_size=8)
    for path in ctx.config.mapping_files(system):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _row_hash(values: list[Any]) -> str:
    return hashlib.blake2b(_dumps(values).encode("utf-8"), digest_size=16).hexdigest()


def map_stream(ctx: StageContext, system: str, stream: str) -> StageCounts:
    """Map the pending records of ``system``/``stream``; returns the stage counts."""
    with stage(ctx.engine, ctx.run_id, "map", system, stream) as counts:
        mappings = ctx.mappings.for_stream(system, stream)
        if not mappings:
            counts.detail["note"] = "no mapping rules for this stream"
            return counts
        fp = rules_fingerprint(ctx, system)
        batch = ctx.config.pipeline(ctx.pipeline).batch_size
        columns = {m.entity: list(fields_of(m.entity)) for m in mappings}
        sr = SourceRecord.__table__
        marker = func.coalesce(sr.c.mapped_hash, "")
        with ctx.engine.connect() as conn:
            open_quarantine = bool(
                conn.execute(
                    select(func.count()).select_from(Quarantine).where(
                        Quarantine.system == system, Quarantine.stream == stream, Quarantine.stage == "map",
                        Quarantine.resolved_run.is_(None),
                    )
                ).scalar()
            )
        last = ""
        while True:
            with ctx.engine.begin() as conn:
                rows = conn.execute(
                    select(sr.c.external_id, sr.c.hash, sr.c.payload, sr.c.location, sr.c.deleted)
                    .where(sr.c.system == system, sr.c.stream == stream, sr.c.external_id > last)
                    .where(marker != sr.c.hash + ":" + fp)
                    .order_by(sr.c.external_id)
                    .limit(batch)
                ).all()
                if not rows:
                    break
                last = rows[-1][0]
                out: dict[str, list[dict[str, Any]]] = defaultdict(list)
                failed = []
                ok_keys = []
                for ext, h, payload, location, deleted in rows:
                    data = json.loads(payload)
                    try:
                        for m in mappings:
                            if not m.matches(data):
                                continue
                            mapped = m.apply(data)
                            cols = columns[m.entity]
                            values = [mapped.get(c) for c in cols]
                            row = dict(zip(cols, values))
                            row["system"] = system
                            row["external_id"] = mapped["external_id"]
                            row["row_hash"] = _row_hash(values + [bool(deleted)])
                            row["run_id"] = ctx.run_id
                            row["deleted"] = bool(deleted)
                            out[m.entity].append(row)
                        ok_keys.append(ext)
                    except HubError as exc:
                        if not isinstance(exc, MappingError):
                            exc = MappingError(str(exc))
                        exc.system, exc.stream, exc.external_id = system, stream, ext
                        failed.append(_quarantine_row(system, stream, ext, location, exc, payload, h, ctx.run_id))
                for entity, entity_rows in out.items():
                    counts.rows_changed += upsert(conn, MODELS[entity].__table__, entity_rows, key=("system", "external_id"))
                if failed:
                    upsert(conn, Quarantine.__table__, failed, key=("system", "stream", "stage", "record_key"),
                           change_column=None, update_columns=QUARANTINE_UPDATE)
                if open_quarantine and ok_keys:
                    conn.execute(
                        update(Quarantine)
                        .where(Quarantine.system == system, Quarantine.stream == stream, Quarantine.stage == "map",
                               Quarantine.resolved_run.is_(None), Quarantine.record_key.in_(ok_keys))
                        .values(resolved_run=ctx.run_id)
                    )
                conn.execute(
                    text("UPDATE source_record SET mapped_hash = hash || :suffix "
                         "WHERE system = :system AND stream = :stream AND external_id = :ext"),
                    [{"suffix": ":" + fp, "system": system, "stream": stream, "ext": r[0]} for r in rows],
                )
                counts.rows_in += len(rows)
                counts.rows_quarantined += len(failed)
            ctx.progress("map", system, stream, counts.rows_in)
        return counts


def _quarantine_row(system: str, stream: str, ext: str, location: str | None, exc: HubError, payload: str, h: str, run_id: int) -> dict[str, Any]:
    return {
        "system": system,
        "stream": stream,
        "stage": "map",
        "record_key": ext,
        "location": location,
        "error_type": type(exc).__name__,
        "field": exc.field,
        "reason": f"{location}: {exc.message}" if location else exc.message,
        "raw": payload,
        "hash": h,
        "first_run": run_id,
        "last_run": run_id,
        "resolved_run": None,
        "created_at": utcnow(),
    }


