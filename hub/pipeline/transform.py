"""Map stage: bring every staged record of a stream up to date with the current mapping rules.

The extract stage already maps the records it stages; this stage catches up whatever is still
pending: records staged without mapping, or all records of a system whose mapping files changed
(``mapped_hash`` holds ``<record hash>:<rules fingerprint>``). A record that fails its mapping is
quarantined with the field and reason and the stream goes on; when it maps cleanly later its
quarantine entry is marked resolved.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select, text

from hub.pipeline.context import StageContext
from hub.pipeline.mapper import Staged
from hub.pipeline.runlog import StageCounts, stage
from hub.store.models import SourceRecord


def map_stream(ctx: StageContext, system: str, stream: str) -> StageCounts:
    """Map the pending records of ``system``/``stream``; returns the stage counts."""
    with stage(ctx.engine, ctx.run_id, "map", system, stream) as counts:
        mapper = ctx.stream_mapper(system, stream)
        if mapper is None:
            counts.detail["note"] = "no mapping rules for this stream"
            return counts
        batch = ctx.config.pipeline(ctx.pipeline).batch_size
        sr = SourceRecord.__table__
        pending = func.coalesce(sr.c.mapped_hash, "") != sr.c.hash + ":" + mapper.fingerprint
        last = ""
        while True:
            with ctx.engine.begin() as conn:
                rows = conn.execute(
                    select(sr.c.external_id, sr.c.hash, sr.c.payload, sr.c.location, sr.c.deleted)
                    .where(sr.c.system == system, sr.c.stream == stream, sr.c.external_id > last, pending)
                    .order_by(sr.c.external_id)
                    .limit(batch)
                ).all()
                if not rows:
                    break
                last = rows[-1][0]
                staged = [Staged(ext, h, json.loads(p), loc, bool(d), p) for ext, h, p, loc, d in rows]
                mapped = mapper.map(staged)
                counts.rows_changed += mapper.write(conn, mapped, ctx.has_open_quarantine(system, stream))
                conn.execute(
                    text("UPDATE source_record SET mapped_hash = hash || :suffix "
                         "WHERE system = :system AND stream = :stream AND external_id = :ext"),
                    [{"suffix": ":" + mapper.fingerprint, "system": system, "stream": stream, "ext": r[0]} for r in rows],
                )
                counts.rows_in += len(rows)
                counts.rows_quarantined += len(mapped.failed)
            ctx.progress("map", system, stream, counts.rows_in)
        return counts
