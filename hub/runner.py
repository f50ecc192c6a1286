"""The embedded runner: runs a pipeline's stages in-process, in order, with a run log.

``hub run`` uses it; the Airflow DAGs call the same stage functions task by task.

A run ends ``succeeded``, ``failed`` or ``held``. Every stream is extracted even when another
one failed, so one run names every culprit; a stream whose contract broke fails the run, a
stream whose delivery tripped a guard holds it, and in both cases nothing downstream
(reconcile, push, report) runs on the store: crosswalk, golden records and discrepancies stay
as they were. The run's culprits are kept in its summary for ``hub status`` and the alerts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from hub.config import HubConfig
from hub.errors import ConfigError, DiscoveryError, GuardError, HoldError, HubError, SourceError
from hub.pipeline.connect import build_connector
from hub.pipeline.context import Progress, StageContext, no_progress
from hub.pipeline.extract import extract_stream
from hub.pipeline.mapstage import map_stream
from hub.pipeline.readahead import read_plan
from hub.pipeline.reconcile import reconcile
from hub.pipeline.runlock import run_lock
from hub.pipeline.runlog import culprit_of, finish_run, start_run
from hub.store.engine import make_engine, resolve_url
from hub.store.revision import at_head

__all__ = ["open_store", "pipeline_streams", "select_streams", "run_pipeline", "RunResult", "RunOptions"]

log = logging.getLogger(__name__)

#: errors of one stream that should not stop the other streams from being read (and reported)
_STREAM_ERRORS = (GuardError, SourceError, DiscoveryError)


def open_store(config: HubConfig, migrate: bool = True) -> Engine:
    """The store engine for ``config``, migrated to the current schema when ``migrate``."""
    engine = make_engine(resolve_url(config.store.url, config.base_dir))
    if migrate and not at_head(engine):  # the usual case answered without loading Alembic
        from hub.store.migrate import current_revision, head_revision, upgrade

        if current_revision(engine) != head_revision():
            upgrade(engine)
    return engine


def pipeline_streams(config: HubConfig, pipeline: str) -> list[tuple[str, str]]:
    """(system, stream) pairs a pipeline reads, in config order."""
    pairs: list[tuple[str, str]] = []
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


def select_streams(
    pairs: list[tuple[str, str]], names: list[str] | tuple[str, ...] | None, option: str = "--only"
) -> list[tuple[str, str]]:
    """The pairs named by ``SYSTEM`` or ``SYSTEM/STREAM`` (all when ``names`` is empty); unknown names are an error."""
    if not names:
        return pairs
    known = {s for s, _ in pairs} | {f"{s}/{t}" for s, t in pairs}
    unknown = [n for n in names if n not in known and n != "*"]
    if unknown:
        raise ConfigError(
            f"{option} {', '.join(unknown)}: not a system or system/stream of this pipeline; "
            f"streams: {', '.join(f'{s}/{t}' for s, t in pairs)}"
        )
    return [(s, t) for s, t in pairs if "*" in names or s in names or f"{s}/{t}" in names]


@dataclass(frozen=True)
class RunOptions:
    """Run control from the command line: which streams, which guards to accept, what to read afresh."""

    only: tuple[str, ...] = ()
    accept: tuple[str, ...] = ()
    full_refresh: tuple[str, ...] = ()
    #: seconds to wait for another run of the pipeline to finish (0: stop at once)
    wait: float = 0


@dataclass
class RunResult:
    """What a run did, stage by stage, and why it failed or was held."""

    run_id: int
    status: str
    stages: list[dict[str, Any]] = field(default_factory=list)
    culprits: list[dict[str, Any]] = field(default_factory=list)
    #: where the report went (when the pipeline writes one)
    report: str | None = None

    @property
    def changes(self) -> int:
        """Rows the run inserted, changed or deleted in the store (report files are not store changes)."""
        return sum(s["rows_changed"] for s in self.stages if s["stage"] != "report")

    @property
    def quarantined(self) -> int:
        return sum(s["rows_quarantined"] for s in self.stages if s["stage"] == "extract" or s["stage"] == "map")

    @property
    def mapped(self) -> dict[str, int]:
        """Canonical records mapped in this run, per entity (in the extract and map stages)."""
        out: dict[str, int] = {}
        for s in self.stages:
            for entity, n in (s.get("mapped") or {}).items():
                out[entity] = out.get(entity, 0) + n
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "stages": self.stages,
            "changes": self.changes,
            "outcome": self.status,
            "culprits": self.culprits,
            "mapped": self.mapped,
            "report": self.report,
        }


class RunFailed(HubError):
    """A run ended failed or held; ``result`` says which streams and why (the cause is chained)."""

    def __init__(self, result: RunResult, cause: BaseException | None = None) -> None:
        lines = [c.get("message", "") for c in result.culprits]
        super().__init__(
            f"run {result.run_id} {result.status}:\n  " + "\n  ".join(lines)
            if lines
            else f"run {result.run_id} {result.status}"
        )
        self.result = result
        self.cause = cause


def run_pipeline(
    config: HubConfig,
    pipeline: str,
    engine: Engine | None = None,
    progress: Progress = no_progress,
    trigger: str = "cli",
    options: RunOptions | None = None,
) -> RunResult:
    """Run every stage of ``pipeline`` in-process and return the result.

    A held run returns its result (status ``held``); a failed one raises: the stream's own error
    when one stream failed alone (so callers see its type), else :class:`RunFailed`.
    """
    from hub.validation import validate_or_raise

    options = options or RunOptions()
    config.pipeline(pipeline)  # fail early on an unknown name
    validate_or_raise(config, pipelines=[pipeline])  # every config and rule file, every problem at once
    engine = engine or open_store(config)
    pairs = pipeline_streams(config, pipeline)
    streams = select_streams(pairs, options.only)
    select_streams(pairs, options.accept, "--accept")
    select_streams(pairs, options.full_refresh, "--full-refresh")
    with run_lock(engine, pipeline, wait=options.wait) as lock:
        run_id = start_run(engine, pipeline, trigger=trigger, lock=lock)
        return _run(config, pipeline, engine, run_id, progress, options, streams)


def _run(
    config: HubConfig,
    pipeline: str,
    engine: Engine,
    run_id: int,
    progress: Progress,
    options: RunOptions,
    streams: list[tuple[str, str]],
) -> RunResult:
    ctx = StageContext(
        config=config,
        engine=engine,
        pipeline=pipeline,
        run_id=run_id,
        progress=progress,
        options={"accept": options.accept, "full_refresh": options.full_refresh},
    )
    result = RunResult(run_id=run_id, status="running")
    errors: list[BaseException] = []

    def note(stage: str, system: str | None, stream: str | None, counts: Any) -> None:
        result.stages.append({"stage": stage, "system": system, "stream": stream, **counts.as_dict()})

    def stream_failed(stage: str, system: str, stream: str, exc: BaseException) -> None:
        errors.append(exc)
        culprit = culprit_of(exc, stage)
        culprit.setdefault("system", system)
        culprit.setdefault("stream", stream)
        result.culprits.append(culprit)
        result.stages.append(
            {
                "stage": stage,
                "system": system,
                "stream": stream,
                "rows_in": 0,
                "rows_changed": 0,
                "rows_quarantined": 0,
                "status": "held" if isinstance(exc, HoldError) else "failed",
            }
        )

    try:
        _ = ctx.mappings  # compiled once for the whole run
        bad: set[tuple[str, str]] = set()
        for system, stream, spooled in read_plan(ctx, streams):  # later streams may be read ahead
            try:
                note("extract", system, stream, extract_stream(ctx, system, stream, spooled))
            except _STREAM_ERRORS as exc:
                stream_failed("extract", system, stream, exc)
                bad.add((system, stream))
        for system, stream in streams:
            if (system, stream) in bad:
                continue
            try:
                note("map", system, stream, map_stream(ctx, system, stream))
            except GuardError as exc:
                stream_failed("map", system, stream, exc)
        if errors:
            held = all(isinstance(e, HoldError) for e in errors)
            return _stop(config, engine, result, "held" if held else "failed", errors)
        progress("reconcile", "", "", 0)
        note("reconcile", None, None, reconcile(ctx))
        pc = config.pipeline(pipeline)
        if pc.push:
            from hub.pipeline.push import push

            progress("push", "", "", 0)
            note("push", None, None, push(ctx))
        if pc.report:
            from hub.pipeline.report import report

            progress("report", "", "", 0)
            counts = report(ctx)
            note("report", None, None, counts)
            result.report = counts.detail.get("out_dir")
    except BaseException as exc:
        if result.status != "running":  # _stop closed the run already
            raise
        result.status = "failed"
        if not result.culprits:
            result.culprits.append(culprit_of(exc))
        _finish(config, engine, result, error=result.culprits[0].get("message"))
        raise
    result.status = "succeeded"
    _finish(config, engine, result)
    return result


def _stop(config: HubConfig, engine: Engine, result: RunResult, status: str, errors: list[BaseException]) -> RunResult:
    result.status = status
    _finish(config, engine, result, error="\n".join(c.get("message", "") for c in result.culprits))
    if status == "held":
        return result
    if len(errors) == 1:
        raise errors[0]
    raise RunFailed(result, errors[0])


def _finish(config: HubConfig, engine: Engine, result: RunResult, error: str | None = None) -> None:
    """Close the run in the store and tell the alert channels; neither may hide the run's own outcome."""
    try:
        finish_run(engine, result.run_id, result.status, result.summary(), error=error[:4000] if error else None)
    except Exception as exc:
        log.warning("could not record the end of run %s: %s", result.run_id, exc)
        return
    _alert(config, engine, result.run_id)


def _alert(config: HubConfig, engine: Engine, run_id: int) -> None:
    from hub.alerts import notify_run

    try:
        notify_run(config, engine, run_id)
    except Exception as exc:  # alerts never fail a run
        log.warning("alerts for run %s failed: %s", run_id, exc)
