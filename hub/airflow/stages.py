"""Task bodies of the pipeline DAGs: the embedded runner's stage functions, one call per task.

Every function here is plain Python over the hub store (no Airflow import), so the DAG tasks stay
thin and these bodies are testable alone. Each returns a JSON-safe summary (see ``summaries``).

Optional stages: a pipeline that sets ``push:`` or ``report:`` in its config gets a task that
calls the callable registered here under that name. ``STAGES`` maps a stage name to
``"module:function"``; the module is imported only when the stage runs, so the push and report
packages slot in without any DAG change. The callable has the signature of the built-in
stages: ``fn(ctx: StageContext) -> StageCounts``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, select, update

from hub.airflow.summaries import log_quarantined, log_summary, summarize
from hub.config import HubConfig
from hub.errors import ConfigError, HoldError, HubError
from hub.pipeline.connect import build_connector
from hub.pipeline.context import StageContext
from hub.pipeline.runlog import StageCounts, find_run, finish_run, start_run
from hub.runner import open_store
from hub.store.models import Run, StageLog

__all__ = [
    "STAGES",
    "OPTIONAL_STAGES",
    "optional_stages",
    "stage_callable",
    "open_run",
    "source_streams",
    "run_stage",
    "canonical_changes",
    "close_run",
    "held_streams",
    "fail_run",
    "describe_failure",
]

log = logging.getLogger("hub.airflow")

#: stage name -> "module:function"; the built-ins and the optional ones
STAGES: dict[str, str] = {
    "extract": "hub.pipeline.extract:extract_stream",
    "map": "hub.pipeline.mapstage:map_stream",
    "reconcile": "hub.pipeline.reconcile:reconcile",
    "push": "hub.pipeline.push:push",
    "report": "hub.pipeline.report:report",
}
#: stages a pipeline enables by setting the config key of the same name, in run order
OPTIONAL_STAGES = ("push", "report")
#: stages whose changes count as a change of the canonical store
CANONICAL_STAGES = ("extract", "map", "reconcile")
TRIGGER = "airflow"


def optional_stages(config: HubConfig, pipeline: str) -> list[str]:
    """The optional stages ``pipeline`` enables (``push:`` / ``report:`` set), in run order."""
    pc = config.pipeline(pipeline)
    return [name for name in OPTIONAL_STAGES if getattr(pc, name, None)]


def stage_callable(name: str) -> Callable[..., StageCounts]:
    """The function registered for stage ``name``, imported now; a ConfigError when it is not installed."""
    if name not in STAGES:
        raise ConfigError(f"unknown stage {name!r}; known: {', '.join(STAGES)}")
    module_name, _, attr = STAGES[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise ConfigError(f"the pipeline enables stage {name!r} but {module_name} is not installed") from None
        raise
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ConfigError(f"stage {name!r}: {module_name} has no function {attr!r}") from None


@contextmanager
def _store(config: HubConfig, migrate: bool = False) -> Iterator[Engine]:
    # one engine per task: a task runs in its own (forked) process, pooled connections must not leak across
    engine = open_store(config, migrate=migrate)
    try:
        yield engine
    finally:
        engine.dispose()


def open_run(config: HubConfig, pipeline: str, external_ref: str) -> int:
    """Open (or, for a cleared and re-run DAG run, reopen) the hub run of one DAG run; migrates the store."""
    with _store(config, migrate=True) as engine:
        # validate every config and rule file before any source is touched, as the embedded runner does
        from hub.validation import validate_or_raise

        validate_or_raise(config, pipelines=[pipeline])
        run_id = find_run(engine, pipeline, external_ref)
        if run_id is None:
            run_id = start_run(engine, pipeline, trigger=TRIGGER, external_ref=external_ref)
        else:
            with engine.begin() as conn:
                conn.execute(update(Run).where(Run.id == run_id).values(status="running", finished_at=None, error=None))
    log.info("hub run %s opened for pipeline %s (airflow run %s)", run_id, pipeline, external_ref)
    return run_id


def source_streams(config: HubConfig, pipeline: str, system: str) -> list[str]:
    """The streams ``pipeline`` reads from ``system`` (configured, else discovered from the source)."""
    src = next((s for s in config.pipeline(pipeline).sources if s.system == system), None)
    if src is None:
        raise ConfigError(
            f"pipeline {pipeline!r} does not read system {system!r}", system=system, file=str(config.path)
        )
    if src.streams is not None:
        return list(src.streams)
    connector = build_connector(config, system)
    try:
        return [s.name for s in connector.discover()]
    finally:
        connector.close()


def describe_failure(exc: BaseException, system: str | None = None, stream: str | None = None) -> dict[str, Any]:
    """Source, stream, record, location and reason of a failure (for the task log and the run log)."""
    if isinstance(exc, HubError):
        at = f"{exc.file}:{exc.line}" if exc.file and exc.line is not None else (exc.file or None)
        return {
            "source": exc.system or system,
            "stream": exc.stream or stream,
            "record": exc.external_id,
            "at": at,
            "field": exc.field,
            "error": type(exc).__name__,
            "reason": exc.message,
        }
    return {
        "source": system,
        "stream": stream,
        "record": None,
        "at": None,
        "field": None,
        "error": type(exc).__name__,
        "reason": str(exc),
    }


def _log_failure(pipeline: str, stage: str, info: dict[str, Any]) -> None:
    log.error(
        "hub task failed: pipeline=%s stage=%s source=%s stream=%s record=%s at=%s field=%s reason=%s: %s",
        pipeline,
        stage,
        info["source"] or "-",
        info["stream"] or "-",
        info["record"] or "-",
        info["at"] or "-",
        info["field"] or "-",
        info["error"],
        info["reason"],
    )


def run_stage(
    config: HubConfig, pipeline: str, run_id: int, stage: str, system: str | None = None, stream: str | None = None
) -> dict[str, Any]:
    """Run one stage (for one stream when ``system``/``stream`` are given) and return its summary."""
    fn = stage_callable(stage)
    with _store(config) as engine:
        ctx = StageContext(config=config, engine=engine, pipeline=pipeline, run_id=run_id)
        try:
            counts = fn(ctx, system, stream) if system is not None else fn(ctx)
        except HoldError as exc:  # the stream's delivery is rolled back; the run is held, the task is not a failure
            log.warning(
                "hub stage held: pipeline=%s stage=%s source=%s stream=%s: %s",
                pipeline,
                stage,
                system or "-",
                stream or "-",
                exc,
            )
            return {
                **summarize(stage, system, stream, run_id, {"rows_in": 0, "rows_changed": 0, "rows_quarantined": 0}),
                "held": str(exc),
            }
        except Exception as exc:
            _log_failure(pipeline, stage, describe_failure(exc, system, stream))
            raise
        summary = summarize(stage, system, stream, run_id, counts.as_dict())
        log_summary(summary)
        if system is not None and stream is not None and summary["rows_quarantined"]:
            log_quarantined(engine, run_id, system, stream)
    return summary


def _stage_rows(engine: Engine, run_id: int) -> list[dict[str, Any]]:
    s = StageLog.__table__
    with engine.connect() as conn:
        rows = (
            conn.execute(
                select(
                    s.c.stage, s.c.system, s.c.stream, s.c.status, s.c.rows_in, s.c.rows_changed, s.c.rows_quarantined
                )
                .where(s.c.run_id == run_id)
                .order_by(s.c.id)
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]


def canonical_changes(config: HubConfig, run_id: int) -> int:
    """How many rows the run changed in staging, canonical tables and crosswalk."""
    with _store(config) as engine:
        return sum(r["rows_changed"] for r in _stage_rows(engine, run_id) if r["stage"] in CANONICAL_STAGES)


def held_streams(config: HubConfig, run_id: int) -> list[str]:
    """Why the run is held: one line per stream whose delivery tripped a guard (empty when it is not held)."""
    s = StageLog.__table__
    with _store(config) as engine, engine.connect() as conn:
        rows = conn.execute(
            select(s.c.system, s.c.stream, s.c.error).where(s.c.run_id == run_id, s.c.status == "held").order_by(s.c.id)
        ).all()
    return [r.error or f"{r.system}/{r.stream}" for r in rows]


def close_run(config: HubConfig, pipeline: str, run_id: int) -> dict[str, Any]:
    """Mark the run succeeded (or held, raising HoldError so the DAG run shows it) with the summary of its stages."""
    held = held_streams(config, run_id)
    with _store(config) as engine:
        stages = _stage_rows(engine, run_id)
        if held:
            culprits = [{"kind": "guard", "message": line} for line in held]
            finish_run(
                engine,
                run_id,
                "held",
                {
                    "stages": stages,
                    "outcome": "held",
                    "culprits": culprits,
                    "changes": sum(r["rows_changed"] for r in stages if r["stage"] != "report"),
                },
                error="\n".join(held)[:4000],
            )
            log.warning("hub run %s of %s held: %s", run_id, pipeline, "; ".join(held))
            raise HoldError(f"run {run_id} of {pipeline} held: " + "; ".join(held))
        # as the embedded runner counts them: store changes, not report files
        summary = {"stages": stages, "changes": sum(r["rows_changed"] for r in stages if r["stage"] != "report")}
        summary["outcome"] = "succeeded"
        finish_run(engine, run_id, "succeeded", summary)
    log.info("hub run %s of %s succeeded: %s changes in %s stages", run_id, pipeline, summary["changes"], len(stages))
    return {"run_id": run_id, "changes": summary["changes"], "stages": len(stages)}


def fail_run(config: HubConfig, pipeline: str, external_ref: str, error: str) -> int | None:
    """Mark the hub run of a DAG run failed with ``error`` plus the errors of its failed stages.

    Returns the run id (None when the run never opened).
    """
    with _store(config) as engine:
        run_id = find_run(engine, pipeline, external_ref)
        if run_id is None:
            return None
        with engine.connect() as conn:
            if conn.execute(select(Run.status).where(Run.id == run_id)).scalar() == "held":
                return run_id  # close_run recorded the hold; the failed task only makes it visible in Airflow
        s = StageLog.__table__
        with engine.connect() as conn:
            failed = conn.execute(
                select(s.c.stage, s.c.system, s.c.stream, s.c.error)
                .where(s.c.run_id == run_id, s.c.status == "failed")
                .order_by(s.c.id)
            ).all()
        lines = [error] + [
            f"stage {r.stage} {r.system or '-'}/{r.stream or '-'} failed: {r.error}"
            for r in failed
            if r.error and r.error not in error
        ]
        finish_run(engine, run_id, "failed", {"stages": _stage_rows(engine, run_id)}, error="\n".join(lines)[:4000])
    return run_id
