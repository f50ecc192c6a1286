"""DAG factory: one Airflow DAG per pipeline of the hub config, built with the TaskFlow API.

Task graph of pipeline ``p`` (DAG id ``hub_p``)::

    open_run ─┬─ streams_<sys> ─ extract_<sys>[stream…] ─┐     (per source system; streams and
              └─ …                                        ├─ map_<sys> ─ reconcile    extract run in pool hub_<sys>)
                                                          ┘
    reconcile ─ publish (Asset hub://p/canonical when the store changed) ─ [push] ─ [report] ─ close_run

Tasks only call ``hub.airflow.stages`` (the embedded runner's stage functions). Parsing the file
reads the config and nothing else: streams are discovered by a task at run time and fanned out
with dynamic task mapping. ``push``/``report`` appear when the pipeline config sets them.
Schedule, retries and timeouts come from the pipeline config; retries back off exponentially.
``HUB_AIRFLOW_SCHEDULES=off`` drops every schedule (a staging or test deployment run on demand).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hub.airflow import stages
from hub.airflow.assets import canonical_asset
from hub.airflow.callbacks import RecordFailure
from hub.airflow.config import config_path as default_config_path
from hub.airflow.config import hub_config
from hub.airflow.pools import pool_name
from hub.config import HubConfig

__all__ = ["build_dags", "build_dag", "dag_id_for", "START_DATE", "RETRY_DELAY", "RETRY_BACKOFF", "MAX_RETRY_DELAY"]

START_DATE = datetime(2024, 1, 1, tzinfo=UTC)
RETRY_DELAY = timedelta(seconds=30)
#: multiplier of the delay between retries: 30 s, 60 s, 120 s, ... up to MAX_RETRY_DELAY
RETRY_BACKOFF = 2.0
MAX_RETRY_DELAY = timedelta(minutes=30)
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
SCHEDULES_ENV = "HUB_AIRFLOW_SCHEDULES"


def _safe(name: str) -> str:
    return _UNSAFE.sub("_", name)


def schedules_enabled() -> bool:
    """False when ``HUB_AIRFLOW_SCHEDULES=off``: every DAG is then triggered on demand only (staging, tests)."""
    return os.environ.get(SCHEDULES_ENV, "on").strip().lower() not in ("off", "0", "false", "no")


def dag_id_for(pipeline: str) -> str:
    """DAG id of a pipeline: ``hub_<pipeline>``."""
    return "hub_" + _safe(pipeline)


def build_dags(path: str | Path | None = None) -> dict[str, Any]:
    """One DAG per pipeline of the config at ``path`` (default: ``HUB_CONFIG`` / Variable ``hub_config``)."""
    path = Path(path) if path is not None else default_config_path()
    config = hub_config(path)
    return {dag_id_for(p): build_dag(config, str(path), p) for p in config.pipelines}


def build_dag(config: HubConfig, config_path: str, pipeline: str) -> Any:
    """The DAG of one pipeline."""
    from airflow.sdk import DAG, get_current_context, task
    from airflow.sdk.exceptions import AirflowSkipException

    pc = config.pipeline(pipeline)
    asset = canonical_asset(pipeline)
    record_failure = RecordFailure(config_path, pipeline)
    from hub.airflow.notifier import HubAlertNotifier  # imports Airflow: only when a DAG is built

    timeout = timedelta(minutes=pc.timeout_minutes)

    def cfg() -> HubConfig:
        return hub_config(config_path)

    default_args = {
        "owner": "channelhub",
        "retries": pc.retries,
        "retry_delay": RETRY_DELAY,
        "retry_exponential_backoff": RETRY_BACKOFF,
        "max_retry_delay": MAX_RETRY_DELAY,
        "execution_timeout": timeout,
        "on_failure_callback": record_failure,
    }
    doc = f"**{pipeline}**: {pc.description or 'ChannelHub pipeline'}\n\nGenerated from `{config_path}` by `hub.airflow.dag_factory`."

    with DAG(
        dag_id=dag_id_for(pipeline),
        schedule=pc.schedule if schedules_enabled() else None,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        dagrun_timeout=timeout,
        default_args=default_args,
        on_failure_callback=[record_failure, HubAlertNotifier(config_path, pipeline, failure=True)],
        tags=["channelhub", pipeline],
        doc_md=doc,
    ) as dag:

        @task(task_id="open_run", multiple_outputs=False)
        def open_run() -> int:
            return stages.open_run(cfg(), pipeline, str(get_current_context()["run_id"]))

        hub_run = open_run()
        extracts: list[Any] = []
        maps: list[Any] = []
        for src in pc.sources:
            streams = _streams_task(task, cfg, pipeline, src.system).override(
                task_id=f"streams_{_safe(src.system)}", pool=pool_name(src.system)
            )()
            hub_run >> streams
            extracts.append(
                _extract_task(task, get_current_context, cfg, pipeline, src.system)
                .override(
                    task_id=f"extract_{_safe(src.system)}",
                    pool=pool_name(src.system),
                )
                .partial(hub_run=hub_run)
                .expand(stream=streams)
            )
            maps.append(
                _map_task(task, cfg, pipeline, src.system).override(task_id=f"map_{_safe(src.system)}")(
                    hub_run, streams
                )
            )
        for m in maps:
            extracts >> m  # like the embedded runner: every extract before any catch-up mapping

        @task(task_id="reconcile", multiple_outputs=False)
        def reconcile(hub_run: int) -> dict[str, Any]:
            held = stages.held_streams(cfg(), hub_run)
            if held:  # nothing downstream runs on a delivery a guard distrusts; close_run marks the run held
                raise AirflowSkipException("run held by a guard: " + "; ".join(held))
            return stages.run_stage(cfg(), pipeline, hub_run, "reconcile")

        @task(task_id="publish", outlets=[asset], multiple_outputs=False)
        def publish(hub_run: int) -> int:
            changes = stages.canonical_changes(cfg(), hub_run)
            if not changes:
                raise AirflowSkipException("the canonical store did not change: no asset event")
            get_current_context()["outlet_events"][asset].extra = {
                "pipeline": pipeline,
                "run_id": hub_run,
                "changes": changes,
            }
            return changes

        @task(
            task_id="close_run",
            trigger_rule="none_failed",
            multiple_outputs=False,
            on_success_callback=HubAlertNotifier(config_path, pipeline),
        )
        def close_run(hub_run: int) -> dict[str, Any]:
            return stages.close_run(cfg(), pipeline, hub_run)

        rec = reconcile(hub_run)  # type: ignore[arg-type]  # Airflow passes the upstream XComArg; the task gets its value
        maps >> rec
        last = publish(hub_run)  # type: ignore[arg-type]  # Airflow passes the upstream XComArg; the task gets its value
        rec >> last
        for name in stages.optional_stages(config, pipeline):
            nxt = _optional_task(task, cfg, pipeline, name)(hub_run)
            last >> nxt
            last = nxt
        last >> close_run(hub_run)  # type: ignore[arg-type]  # Airflow passes the upstream XComArg; the task gets its value
    return dag


def _streams_task(task: Any, cfg: Any, pipeline: str, system: str) -> Any:
    @task(multiple_outputs=False)
    def streams() -> list[str]:
        return stages.source_streams(cfg(), pipeline, system)

    return streams


def _extract_task(task: Any, get_current_context: Any, cfg: Any, pipeline: str, system: str) -> Any:
    @task(map_index_template="{{ hub_stream }}", multiple_outputs=False)
    def run(hub_run: int, stream: str) -> dict[str, Any]:
        get_current_context()["hub_stream"] = f"{system}/{stream}"
        return stages.run_stage(cfg(), pipeline, hub_run, "extract", system, stream)

    return run


def _map_task(task: Any, cfg: Any, pipeline: str, system: str) -> Any:
    # one task per system: extract already maps what it stages, this only catches up (usually a no-op)
    @task(multiple_outputs=False)
    def run(hub_run: int, streams: list[str]) -> list[dict[str, Any]]:
        return [stages.run_stage(cfg(), pipeline, hub_run, "map", system, stream) for stream in streams]

    return run


def _optional_task(task: Any, cfg: Any, pipeline: str, name: str) -> Any:
    @task(task_id=name, trigger_rule="none_failed", multiple_outputs=False)
    def run(hub_run: int) -> dict[str, Any]:
        return stages.run_stage(cfg(), pipeline, hub_run, name)

    return run
