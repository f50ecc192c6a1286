"""The run log: start and finish runs, record each stage with its counts, timings and errors."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select, update

from hub.errors import ConfigError, GuardError, HoldError, HubError
from hub.pipeline.context import utcnow
from hub.redact import redact
from hub.store.models import Run, StageLog

if TYPE_CHECKING:
    from hub.pipeline.runlock import RunLockHandle

log = logging.getLogger(__name__)


@dataclass
class StageCounts:
    """Counters a stage fills in while it works."""

    rows_in: int = 0
    rows_changed: int = 0
    rows_quarantined: int = 0
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows_in": self.rows_in,
            "rows_changed": self.rows_changed,
            "rows_quarantined": self.rows_quarantined,
            **self.detail,
        }


def start_run(
    engine: Engine,
    pipeline: str,
    trigger: str = "cli",
    external_ref: str | None = None,
    lock: RunLockHandle | None = None,
) -> int:
    """Open a run and return its id; with the pipeline's ``lock``, the lock names the run in the same transaction
    (a second run never sees the lock held by a run it cannot name)."""
    with engine.begin() as conn:
        result = conn.execute(
            Run.__table__.insert().values(
                pipeline=pipeline, status="running", trigger=trigger, external_ref=external_ref, started_at=utcnow()
            )
        )
        key = result.inserted_primary_key
        assert key is not None  # a single-row INSERT has one
        run_id = int(key[0])
        if lock is not None:
            lock.bind(run_id, conn)
        return run_id


def find_run(engine: Engine, pipeline: str, external_ref: str) -> int | None:
    """The run opened for an external trigger (e.g. one Airflow DAG run), if any."""
    with engine.connect() as conn:
        return conn.execute(
            select(Run.id).where(Run.pipeline == pipeline, Run.external_ref == external_ref).order_by(Run.id.desc())
        ).scalar()


def finish_run(
    engine: Engine, run_id: int, status: str, summary: dict[str, Any] | None = None, error: str | None = None
) -> None:
    """Close a run with its final status and summary."""
    with engine.begin() as conn:
        conn.execute(
            update(Run)
            .where(Run.id == run_id)
            .values(status=status, finished_at=utcnow(), summary=summary, error=error)
        )


@contextmanager
def stage(
    engine: Engine, run_id: int, name: str, system: str | None = None, stream: str | None = None
) -> Iterator[StageCounts]:
    """Log one stage: a row while it runs, then its counts and outcome (the error if it failed)."""
    with engine.begin() as conn:
        key = conn.execute(
            StageLog.__table__.insert().values(
                run_id=run_id, stage=name, system=system, stream=stream, status="running", started_at=utcnow()
            )
        ).inserted_primary_key
        assert key is not None  # a single-row INSERT has one
        stage_id = key[0]
    counts = StageCounts()
    try:
        yield counts
    except BaseException as exc:
        message = (
            str(exc) if isinstance(exc, HubError) else "".join(traceback.format_exception_only(type(exc), exc)).strip()
        )
        message = redact(message)
        status = "held" if isinstance(exc, HoldError) else "failed"
        if isinstance(exc, GuardError):
            counts.detail["culprit"] = culprit_of(exc)
        try:
            with engine.begin() as conn:
                conn.execute(
                    update(StageLog)
                    .where(StageLog.id == stage_id)
                    .values(status=status, finished_at=utcnow(), error=message[:4000], **_counts(counts))
                )
        except Exception as log_exc:  # the store itself failed: keep the stage's own error first
            log.warning("could not record the end of stage %s: %s", name, redact(str(log_exc)))
        (log.warning if status == "held" else log.error)(
            "stage %s %s/%s %s: %s", name, system or "-", stream or "-", status, message
        )
        raise
    with engine.begin() as conn:
        conn.execute(
            update(StageLog)
            .where(StageLog.id == stage_id)
            .values(status="succeeded", finished_at=utcnow(), **_counts(counts))
        )
    log.info("stage %s %s/%s: %s", name, system or "-", stream or "-", counts.as_dict())


def culprit_of(exc: BaseException, stage_name: str | None = None) -> dict[str, Any]:
    """What to name as the cause of a failed or held run: kind, system, stream, file, column, rule, message."""
    out: dict[str, Any] = {
        "kind": getattr(exc, "kind", None) or ("config" if isinstance(exc, ConfigError) else "error")
    }
    if stage_name:
        out["stage"] = stage_name
    if isinstance(exc, HubError):
        for key in ("system", "stream", "file", "line", "field", "status"):
            value = getattr(exc, key, None)
            if value is not None:
                out[key] = value
        for key in ("column", "rule", "delivery"):
            if exc.details.get(key) is not None:
                out[key] = exc.details[key]
        out["message"] = redact(str(exc))
    else:  # a store failure reads as one line naming its root cause (not a cleanup step that failed after it)
        from hub.failure import store_failure

        out["message"] = redact(store_failure(exc) or "".join(traceback.format_exception_only(type(exc), exc)).strip())
    return out


def _counts(c: StageCounts) -> dict[str, Any]:
    return {
        "rows_in": c.rows_in,
        "rows_changed": c.rows_changed,
        "rows_quarantined": c.rows_quarantined,
        "detail": c.detail or None,
    }
