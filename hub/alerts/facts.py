"""What the store says about one finished run: its outcome, stages, dead letters, stale streams, new discrepancies.

Read once per notification, in a few queries; every event of :mod:`hub.alerts.events` is a pure
function of these facts and a channel's thresholds. Runs written by older code (no ``outcome``
or ``culprits`` in the summary, no stage detail) are read as well as they can be.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, func, select

from hub.store.models import Discrepancy, OutboxEntry, Run, StageLog, StreamProfile

if TYPE_CHECKING:
    from hub.config import HubConfig

__all__ = ["RunFacts", "read_facts", "QUARANTINE_STAGES"]

#: stages whose quarantined rows count (as the embedded runner counts them)
QUARANTINE_STAGES = ("extract", "map")


@dataclass
class RunFacts:
    """One run as the alerts see it."""

    run_id: int | None
    pipeline: str
    status: str
    outcome: str
    error: str | None = None
    finished_at: dt.datetime | None = None
    stages: list[dict[str, Any]] = field(default_factory=list)
    culprits: list[dict[str, Any]] = field(default_factory=list)
    report: str | None = None
    changes: int = 0
    #: quarantined rows of the previous finished run of the pipeline (None: there is none)
    previous_quarantined: int | None = None
    #: targets (``system/stream``) the circuit breaker held
    breaker_held: list[str] = field(default_factory=list)
    #: {"system", "stream", "count", "error"} per target with writes that became dead letters
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    #: {"system", "stream", "data_at", "rows"} per stream profile of the pipeline
    profiles: list[dict[str, Any]] = field(default_factory=list)
    #: {"kind", "severity", "count", "sample"} of discrepancies first opened by this run
    new_discrepancies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def quarantined(self) -> int:
        return sum(int(s.get("rows_quarantined") or 0) for s in self.stages if s.get("stage") in QUARANTINE_STAGES)

    def quarantined_by_stream(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.stages:
            n = int(s.get("rows_quarantined") or 0)
            if s.get("stage") in QUARANTINE_STAGES and n:
                label = f"{s.get('system') or '-'}/{s.get('stream') or '-'}"
                out[label] = out.get(label, 0) + n
        return out

    def counts(self) -> dict[str, int]:
        """The run's headline numbers (the webhook body's ``counts``)."""
        return {
            "rows_in": sum(int(s.get("rows_in") or 0) for s in self.stages if s.get("stage") == "extract"),
            "changes": self.changes,
            "rows_quarantined": self.quarantined,
            "dead_letters": sum(d["count"] for d in self.dead_letters),
            "new_discrepancies": sum(d["count"] for d in self.new_discrepancies),
        }


def read_facts(config: HubConfig, engine: Engine, run_id: int) -> RunFacts | None:
    """The facts of run ``run_id`` (None when there is no such run)."""
    with engine.connect() as conn:
        run = conn.execute(select(Run.__table__).where(Run.id == run_id)).first()
        if run is None:
            return None
        summary = run.summary if isinstance(run.summary, dict) else {}
        facts = RunFacts(
            run_id=run.id,
            pipeline=run.pipeline,
            status=run.status,
            outcome=str(summary.get("outcome") or run.status),
            error=run.error,
            finished_at=run.finished_at,
            report=summary.get("report") if isinstance(summary.get("report"), str) else None,
        )
        facts.stages = _stages(conn, run_id) or [s for s in summary.get("stages") or [] if isinstance(s, dict)]
        facts.changes = int(
            summary.get("changes")
            or sum(int(s.get("rows_changed") or 0) for s in facts.stages if s.get("stage") != "report")
        )
        facts.culprits = [c for c in summary.get("culprits") or [] if isinstance(c, dict)] or _failed_stages(
            facts.stages
        )
        facts.previous_quarantined = _previous_quarantined(conn, run.pipeline, run_id)
        facts.breaker_held = sorted(
            {
                str(label)
                for s in facts.stages
                if str(s.get("stage", "")).startswith("push")
                for label in (s.get("held") or [])
            }
        )
        facts.dead_letters = _dead_letters(conn, run_id)
        facts.profiles = _profiles(conn, config, run.pipeline)
        facts.new_discrepancies = _new_discrepancies(conn, run_id)
    return facts


def _stages(conn: Connection, run_id: int) -> list[dict[str, Any]]:
    s = StageLog.__table__
    rows = conn.execute(
        select(
            s.c.stage,
            s.c.system,
            s.c.stream,
            s.c.status,
            s.c.rows_in,
            s.c.rows_changed,
            s.c.rows_quarantined,
            s.c.detail,
            s.c.error,
        )
        .where(s.c.run_id == run_id)
        .order_by(s.c.id)
    )
    out = []
    for r in rows:
        detail = r.detail if isinstance(r.detail, dict) else {}
        out.append(
            {
                **detail,
                "stage": r.stage,
                "system": r.system,
                "stream": r.stream,
                "status": r.status,
                "rows_in": r.rows_in,
                "rows_changed": r.rows_changed,
                "rows_quarantined": r.rows_quarantined,
                "error": r.error,
            }
        )
    return out


def _failed_stages(stages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Culprits of a run written before culprits were recorded: its failed stages."""
    return [
        {
            "kind": "error",
            "system": s.get("system"),
            "stream": s.get("stream"),
            "stage": s.get("stage"),
            "message": str(s.get("error") or "failed"),
        }
        for s in stages
        if s.get("status") == "failed"
    ]


def _previous_quarantined(conn: Connection, pipeline: str, run_id: int) -> int | None:
    r, s = Run.__table__, StageLog.__table__
    prev = conn.execute(
        select(r.c.id)
        .where(
            r.c.pipeline == pipeline, r.c.id < run_id, r.c.status.in_(("succeeded", "held"))
        )  # a failed run's counts are partial
        .order_by(r.c.id.desc())
        .limit(1)
    ).scalar()
    if prev is None:
        return None
    n = conn.execute(
        select(func.coalesce(func.sum(s.c.rows_quarantined), 0)).where(
            s.c.run_id == prev, s.c.stage.in_(QUARANTINE_STAGES)
        )
    ).scalar()
    return int(n or 0)


def _dead_letters(conn: Connection, run_id: int) -> list[dict[str, Any]]:
    # a write sent again by a later run carries that run's id, so "dead with this run id" is what this run gave up on
    o = OutboxEntry.__table__
    rows = conn.execute(
        select(o.c.system, o.c.stream, func.count().label("n"), func.max(o.c.last_error).label("error"))
        .where(o.c.run_id == run_id, o.c.status == "dead")
        .group_by(o.c.system, o.c.stream)
        .order_by(o.c.system, o.c.stream)
    )
    return [{"system": x.system, "stream": x.stream, "count": int(x.n), "error": (x.error or "")[:300]} for x in rows]


def _profiles(conn: Connection, config: HubConfig, pipeline: str) -> list[dict[str, Any]]:
    p = StreamProfile.__table__
    rows = conn.execute(
        select(p.c.system, p.c.stream, p.c.data_at, p.c.rows)
        .where(p.c.pipeline == pipeline)
        .order_by(p.c.system, p.c.stream)
    )
    wanted = _configured_streams(config, pipeline)
    return [
        {"system": x.system, "stream": x.stream, "data_at": x.data_at, "rows": x.rows}
        for x in rows
        if wanted is None or (x.system in wanted and ((streams := wanted[x.system]) is None or x.stream in streams))
    ]


def _configured_streams(config: HubConfig, pipeline: str) -> dict[str, set[str] | None] | None:
    """system -> streams the pipeline reads now (None: all of them); None when the pipeline is not configured."""
    pc = config.pipelines.get(pipeline)
    if pc is None:
        return None
    return {s.system: (set(s.streams) if s.streams is not None else None) for s in pc.sources}


def _new_discrepancies(conn: Connection, run_id: int) -> list[dict[str, Any]]:
    # grouped: a first run may open thousands; one sample message per kind and severity is enough for a person
    d = Discrepancy.__table__
    rows = conn.execute(
        select(d.c.kind, d.c.severity, func.count().label("n"), func.min(d.c.message).label("sample"))
        .where(d.c.first_run == run_id, d.c.status != "resolved")
        .group_by(d.c.kind, d.c.severity)
        .order_by(d.c.kind, d.c.severity)
    )
    return [{"kind": x.kind, "severity": x.severity, "count": int(x.n), "sample": x.sample} for x in rows]
