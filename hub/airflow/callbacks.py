"""Failure callbacks: record a failed task (or a timed-out DAG run) in the hub's run log.

The callbacks are small callable objects bound to a config path and a pipeline, so the DAG
factory can attach them and they still work after the worker re-parses the DAG file.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from hub.airflow.config import hub_config
from hub.airflow.stages import describe_failure, fail_run

__all__ = ["RecordFailure", "failure_message"]

log = logging.getLogger("hub.airflow")


def failure_message(context: Mapping[str, Any]) -> str:
    """What failed, for the run log: task (and stream) plus source, stream, record and reason."""
    ti = context.get("ti") or context.get("task_instance")
    exc = context.get("exception")
    if ti is None:  # a DAG-level callback (e.g. dagrun_timeout)
        return f"airflow run failed: {context.get('reason') or 'see the Airflow UI'}"
    label = getattr(ti, "rendered_map_index", None) or (
        str(ti.map_index) if getattr(ti, "map_index", -1) not in (-1, None) else ""
    )
    task = f"{ti.task_id}[{label}]" if label else ti.task_id
    if exc is None:
        return f"task {task} failed"
    system, _, stream = label.partition("/") if "/" in label else (None, "", None)
    info = describe_failure(exc, system, stream)
    parts = [f"{k}={info[k]}" for k in ("source", "stream", "record", "at", "field") if info[k]]
    return f"task {task} failed: {' '.join(parts)}{' ' if parts else ''}reason={info['error']}: {info['reason']}"


class RecordFailure:
    """``on_failure_callback`` that marks the hub run of the DAG run failed with the failure's details."""

    def __init__(self, config_path: str, pipeline: str) -> None:
        self.config_path = config_path
        self.pipeline = pipeline

    def __call__(self, context: Mapping[str, Any]) -> None:
        message = failure_message(context)
        run_ref = context.get("run_id") or getattr(context.get("dag_run"), "run_id", None)
        log.error("hub run of %s (airflow run %s) failed: %s", self.pipeline, run_ref, message)
        if run_ref is None:
            return
        try:
            run_id = fail_run(hub_config(self.config_path), self.pipeline, str(run_ref), message)
        except Exception:  # the callback must not hide the task's own error
            log.exception("could not record the failure in the hub run log")
            return
        if run_id is not None:
            log.error("hub run %s marked failed", run_id)

    def __repr__(self) -> str:
        return f"RecordFailure({self.config_path!r}, {self.pipeline!r})"
