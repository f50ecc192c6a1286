"""The Airflow notifier that sends a DAG run's hub alerts: it finds the hub run of the DAG run and calls ``notify_run``.

Attached by the DAG factory to the DAG's ``on_failure_callback`` (after ``RecordFailure`` has
marked the hub run failed) and to the ``close_run`` task's ``on_success_callback`` (a held
run, breaker holds, dead letters, stale sources and new discrepancies of a finished run). A DAG
run that failed before its hub run was opened still alerts, as a ``run_failed`` without a run id.
Like every callback here it never raises: alerts must not change a run's outcome.
"""

from __future__ import annotations

import logging
from typing import Any

from hub.airflow.callbacks import failure_message
from hub.airflow.config import hub_config

try:  # Airflow 3: the task SDK; older 3.x kept the class here
    from airflow.sdk.bases.notifier import BaseNotifier
except ImportError:  # pragma: no cover - depends on the installed Airflow
    from airflow.notifications.basenotifier import BaseNotifier  # type: ignore[no-redef]

__all__ = ["HubAlertNotifier"]

log = logging.getLogger("hub.airflow")


class HubAlertNotifier(BaseNotifier):
    """Send the alerts of the hub run of the DAG run in ``context`` (``failure``: the callback of a failed DAG run)."""

    template_fields = ()

    def __init__(self, config_path: str, pipeline: str, failure: bool = False) -> None:
        super().__init__()
        self.config_path = config_path
        self.pipeline = pipeline
        self.failure = failure

    def notify(self, context: Any) -> None:
        from hub.alerts import notify_failure, notify_run
        from hub.pipeline.runlog import find_run
        from hub.runner import open_store

        run_ref = context.get("run_id") or getattr(context.get("dag_run"), "run_id", None)
        try:
            config = hub_config(self.config_path)
            if not config.alerts:
                return
            engine = open_store(config, migrate=False)
            try:
                run_id = find_run(engine, self.pipeline, str(run_ref)) if run_ref is not None else None
                if run_id is not None:
                    sent = notify_run(config, engine, run_id)
                elif self.failure:
                    sent = notify_failure(config, engine, self.pipeline, failure_message(context))
                else:
                    return
            finally:
                engine.dispose()
        except Exception as exc:  # the callback must not hide the run's own outcome
            from hub.errors import HubError

            reason = str(exc) if isinstance(exc, HubError) else type(exc).__name__  # no secret-bearing repr
            log.warning("hub alerts of %s (airflow run %s) could not be sent: %s", self.pipeline, run_ref, reason)
            return
        for d in sent:
            log.info("hub alert %s to %s: %s", d.event_key, d.channel, d.status)

    def __repr__(self) -> str:
        return f"HubAlertNotifier({self.config_path!r}, {self.pipeline!r}, failure={self.failure})"
