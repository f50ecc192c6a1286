"""Whether the store changed, answered from the run log instead of by scanning the data.

Canonical rows are written only by the extract and map stages; reconcile writes the links,
golden records, findings and review queue built on them, and push may bind records it created.
Every stage logs how many rows it changed. A *change marker* summarises the log entries of
chosen stages that changed something or did not end cleanly (still running, failed, held: a
killed stage may have committed part of its work): count, newest entry, rows changed and
unfinished entries. It stays equal exactly while no such entry is added and none of them
finishes differently, and costs one pass over the run log whatever the size of the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, case, func, or_, select

from hub.store.models import ReviewItem, Run, StageLog

__all__ = ["CANONICAL_STAGES", "STORE_STAGES", "change_marker", "last_stage", "decided_since"]

#: stages that write canonical rows
CANONICAL_STAGES: tuple[str, ...] = ("extract", "map")
#: stages that write anything a report reads (canonical rows, links, golden records, findings)
STORE_STAGES: tuple[str, ...] = ("extract", "map", "reconcile", "push")


def change_marker(conn: Connection, stages: Sequence[str]) -> list[int]:
    """``[entries, newest entry id, rows changed, unfinished entries]`` over the log entries of
    ``stages`` (every pipeline) that changed rows or did not succeed."""
    s = StageLog.__table__
    unfinished = func.sum(case((s.c.status != "succeeded", 1), else_=0))
    q = select(
        func.count(),
        func.coalesce(func.max(s.c.id), 0),
        func.coalesce(func.sum(s.c.rows_changed), 0),
        func.coalesce(unfinished, 0),
    ).where(s.c.stage.in_(list(stages)), or_(s.c.rows_changed > 0, s.c.status != "succeeded"))
    return [int(v) for v in conn.execute(q).one()]


def last_stage(conn: Connection, pipeline: str, stage: str) -> tuple[int, dt.datetime, dict[str, Any]] | None:
    """Run id, start time and detail of the newest succeeded ``stage`` of ``pipeline`` (None before the first)."""
    row = conn.execute(
        select(StageLog.run_id, StageLog.started_at, StageLog.detail)
        .join(Run, Run.id == StageLog.run_id)
        .where(StageLog.stage == stage, StageLog.status == "succeeded", Run.pipeline == pipeline)
        .order_by(StageLog.run_id.desc(), StageLog.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return int(row[0]), row[1], row[2] if isinstance(row[2], dict) else {}


def decided_since(conn: Connection, at: dt.datetime) -> bool:
    """Whether a review decision was recorded after ``at``."""
    r = ReviewItem.__table__
    return conn.execute(select(r.c.id_a).where(r.c.decided_at > at).limit(1)).first() is not None
