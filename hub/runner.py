"""The embedded runner: runs a pipeline's stages in-process, in order, with a run log.

``hub run`` uses it; the Airflow DAGs call the same stage functions task by task.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from hub.config import HubConfig
from hub.pipeline.connect import build_connector
from hub.pipeline.context import Progress, StageContext, no_progress
from hub.pipeline.extract import extract_stream
from hub.pipeline.reconcile import reconcile
from hub.pipeline.runlog import finish_run, start_run
from hub.pipeline.transform import map_stream
from hub.store.engine import make_engine, resolve_url
from hub.store.migrate import current_revision, head_revision, upgrade

__all__ = ["open_store", "pipeline_streams", "run_pipeline", "RunResult"]


def open_store(config: HubConfig, migrate: bool = True) -> Engine:
    """The store engine for ``config``, migrated to the current schema when ``migrate``."""
    engine = make_engine(resolve_url(config.store.url, config.base_dir))
    if migrate and current_revision(engine) != head_revision():
        upgrade(engine)
    return engine


def pipeline_streams(config: HubConfig, pipeline: str) -> list[tuple[str, str]]:
    """(system, stream) pairs a pipeline reads, in config order."""
    pairs = []
    for src in config.pipeline(pipeline).sources:
        streams = src.streams
        if streams is None:
            connector = build_connector(config, src.system)
            try:
                streams = [s.name for s in connector.discover()]
            finally:
                connector.close()
        pairs.extend((src.system, s) for s in streams)
    return pairs


@dataclass
class RunResult:
    """What a run did, stage by stage."""

    run_id: int
    status: str
    stages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changes(self) -> int:
        """Rows the run inserted, changed or deleted in the store (report files are not store changes)."""
        return sum(s["rows_changed"] for s in self.stages if s["stage"] != "report")

    @property
    def quarantined(self) -> int:
        return sum(s["rows_quarantined"] for s in self.stages if s["stage"] == "extract" or s["stage"] == "map")


def run_pipeline(
    config: HubConfig,
    pipeline: str,
    engine: Engine | None = None,
    progress: Progress = no_progress,
    trigger: str = "cli",
) -> RunResult:
    """Run every stage of ``pipeline`` in-process and return the result; failures are logged and re-raised."""
    config.pipeline(pipeline)  # fail early on an unknown name
    engine = engine or open_store(config)
    run_id = start_run(engine, pipeline, trigger=trigger)
    ctx = StageContext(config=config, engine=engine, pipeline=pipeline, run_id=run_id, progress=progress)
    result = RunResult(run_id=run_id, status="running")

    def note(stage: str, system: str | None, stream: str | None, counts: Any) -> None:
        result.stages.append({"stage": stage, "system": system, "stream": stream, **counts.as_dict()})

    try:
        ctx.mappings  # validate every mapping file before touching any source
        streams = pipeline_streams(config, pipeline)
        for system, stream in streams:
            note("extract", system, stream, extract_stream(ctx, system, stream))
        for system, stream in streams:
            note("map", system, stream, map_stream(ctx, system, stream))
        note("reconcile", None, None, reconcile(ctx))
        pc = config.pipeline(pipeline)
        if pc.push:
            from hub.pipeline.push import push

            note("push", None, None, push(ctx))
        if pc.report:
            from hub.pipeline.report import report

            note("report", None, None, report(ctx))
    except BaseException as exc:
        result.status = "failed"
        finish_run(engine, run_id, "failed", {"stages": result.stages}, error=str(exc)[:4000])
        raise
    result.status = "succeeded"
    finish_run(engine, run_id, "succeeded", {"stages": result.stages, "changes": result.changes})
    return result
