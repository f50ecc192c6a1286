"""The Airflow notifier, called without a running Airflow: a fake context whose dag_run names a hub run."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from alert_store import HELD, add_run, alert_rows
from sqlalchemy import Engine

pytest.importorskip("airflow")


def _config_file(tmp_path: Path, receiver: Any, store: str) -> Path:
    path = tmp_path / "hub.yaml"
    path.write_text(
        f"""\
store: {{url: "{store}"}}
systems:
  crm: {{connector: csv, config: {{path: "{tmp_path}"}}}}
pipelines:
  channelco: {{sources: [crm]}}
alerts:
  - {{kind: webhook, name: ops, url: "{receiver.url}", backoff_seconds: 0.01}}
""",
        encoding="utf-8",
    )
    return path


def test_the_notifier_alerts_the_hub_run_of_the_dag_run(tmp_path: Path, sqlite_engine: Engine, receiver: Any) -> None:
    from hub.airflow.notifier import HubAlertNotifier

    store = str(sqlite_engine.url)
    run = add_run(sqlite_engine, "held", HELD, external_ref="scheduled__2026-03-01T00:00:00+00:00")
    add_run(sqlite_engine, "failed", {"stages": []}, error="another DAG run", external_ref="manual__other")
    notifier = HubAlertNotifier(str(_config_file(tmp_path, receiver, store)), "channelco")
    notifier.notify({"dag_run": SimpleNamespace(run_id="scheduled__2026-03-01T00:00:00+00:00")})
    assert [(b["event"], b["run_id"]) for b in receiver.bodies] == [("run_held", run)]
    assert [(r.channel, r.status, r.run_id) for r in alert_rows(sqlite_engine)] == [("ops", "sent", run)]


def test_a_dag_run_that_failed_before_its_hub_run_opened_still_alerts(
    tmp_path: Path, sqlite_engine: Engine, receiver: Any
) -> None:
    from hub.airflow.notifier import HubAlertNotifier

    path = _config_file(tmp_path, receiver, str(sqlite_engine.url))
    context = {"run_id": "manual__1", "reason": "task_failure", "dag_run": SimpleNamespace(run_id="manual__1")}
    HubAlertNotifier(str(path), "channelco").notify(context)  # the success path has nothing to say
    assert receiver.bodies == []
    HubAlertNotifier(str(path), "channelco", failure=True)(context)  # as Airflow calls it
    [body] = receiver.bodies
    assert (body["event"], body["run_id"], body["pipeline"]) == ("run_failed", None, "channelco")
    assert body["text"] == "ChannelHub: a run of channelco failed: airflow run failed: task_failure"
    assert [(r.status, r.run_id) for r in alert_rows(sqlite_engine)] == [("sent", None)]


def test_a_broken_config_never_raises(tmp_path: Path) -> None:
    from hub.airflow.notifier import HubAlertNotifier

    HubAlertNotifier(str(tmp_path / "missing.yaml"), "channelco", failure=True).notify({"run_id": "manual__1"})


def test_the_dag_attaches_the_notifier(tmp_path: Path) -> None:
    from hub.airflow.callbacks import RecordFailure
    from hub.airflow.dag_factory import build_dag
    from hub.airflow.notifier import HubAlertNotifier
    from hub.config import load_config

    path = _config_file(tmp_path, SimpleNamespace(url="http://127.0.0.1:9/hook"), f"sqlite:///{tmp_path / 'hub.db'}")
    dag = build_dag(load_config(path), str(path), "channelco")
    failure = dag.on_failure_callback
    assert isinstance(failure, list) and isinstance(failure[0], RecordFailure)
    assert isinstance(failure[1], HubAlertNotifier) and failure[1].failure
    success = dag.get_task("close_run").on_success_callback
    success = success if isinstance(success, list) else [success]
    assert any(isinstance(c, HubAlertNotifier) and not c.failure for c in success)
