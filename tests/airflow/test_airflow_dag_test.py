"""Tier (b): ``dag.test()`` of the ChannelCo DAG on SQLite metadata equals the embedded runner; failures reach the run log."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.config import load_config
from hub.runner import open_store, run_pipeline
from hub.store.models import Run, StageLog
from tests.helpers.channelco import CONFIG, ROOT
from tests.pipeline.snapshot import snapshot


def _copy(world: Path, dst: Path) -> Path:
    shutil.copytree(world, dst)
    return dst


def test_dag_test_of_channelco_equals_the_embedded_runner(
    airflow_db: Path, demo_world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.models.asset import AssetEvent
    from airflow.models.xcom import XComModel
    from airflow.settings import Session

    from hub.airflow.dag_factory import build_dags

    # the embedded runner on one copy of the world
    monkeypatch.setenv("CHANNELCO_DIR", str(_copy(demo_world, tmp_path / "w1")))
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'embedded.db'}")
    config = load_config(CONFIG)
    embedded = open_store(config)
    expected_run = run_pipeline(config, "channelco", engine=embedded)
    expected = snapshot(embedded)
    assert expected_run.changes > 0

    # the DAG on another copy, into another store
    monkeypatch.setenv("CHANNELCO_DIR", str(_copy(demo_world, tmp_path / "w2")))
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'airflow.db'}")
    monkeypatch.setenv("HUB_CONFIG", str(CONFIG))
    dag = build_dags()["hub_channelco"]
    dr = dag.test()
    assert dr.state == "success", [(ti.task_id, ti.map_index, ti.state) for ti in dr.get_task_instances()]

    engine = open_store(load_config(CONFIG), migrate=False)
    assert snapshot(engine) == expected
    with engine.connect() as conn:
        run = conn.execute(select(Run)).one()
        stages = conn.execute(
            select(StageLog.stage, StageLog.system, StageLog.stream).where(StageLog.run_id == run.id)
        ).all()
    assert (run.status, run.trigger, run.external_ref) == ("succeeded", "airflow", dr.run_id)
    assert sorted(stages) == sorted((s["stage"], s["system"], s["stream"]) for s in expected_run.stages)
    assert run.summary["changes"] == expected_run.changes

    tis = {(ti.task_id, ti.map_index): ti for ti in dr.get_task_instances()}
    assert tis[("publish", -1)].state == "success"
    extracts = [k for k in tis if k[0] == "extract_drp"]
    assert len(extracts) == len([s for s in expected_run.stages if s["stage"] == "extract" and s["system"] == "drp"])
    assert {tis[k].rendered_map_index for k in extracts} >= {"drp/customers", "drp/sales_orders"}

    with Session() as session:
        events = session.scalars(select(AssetEvent).where(AssetEvent.source_run_id == dr.run_id)).all()
        summaries = [
            json.loads(x) if isinstance(x, str) else x
            for x in session.scalars(
                select(XComModel.value).where(
                    XComModel.run_id == dr.run_id, XComModel.task_id == "extract_drp", XComModel.key == "return_value"
                )
            )
        ]
    canonical = sum(s["rows_changed"] for s in expected_run.stages if s["stage"] in ("extract", "map", "reconcile"))
    assert canonical > 0
    assert [(e.extra["changes"], e.extra["run_id"]) for e in events] == [(canonical, run.id)]
    assert {s["stream"] for s in summaries} >= {"customers", "sales_orders"}
    by_stream = {s["stream"]: s for s in summaries}
    want = next(s for s in expected_run.stages if s["stage"] == "extract" and s["stream"] == "customers")
    assert (
        by_stream["customers"]["rows_read"] == want["rows_in"]
        and by_stream["customers"]["rows_changed"] == want["rows_changed"]
    )
    assert set(by_stream["customers"]) >= {"rows_read", "rows_mapped", "rows_quarantined", "rows_linked", "rows_pushed"}


BROKEN = """
version: 1
store: {{url: "sqlite:///{db}"}}
systems:
  flaky: {{connector: hubtest_failing, secrets: {{password: HUBTEST_FLAKY_PASSWORD}}}}
pipelines:
  broken: {{sources: [flaky], retries: 0, schedule: "@hourly"}}
"""
SECRET = "s3cret-from-airflow-conn"


@pytest.fixture
def failing_plugin():  # type: ignore[no-untyped-def]
    import hubtest_failing_plugin as fake

    import hub.airflow.plugin as airflow_plugin
    from hub.plugins import get_plugin_manager

    pm = get_plugin_manager()
    added = [
        name
        for name, mod in (("hubtest_failing", fake), ("hub.airflow.plugin", airflow_plugin))
        if pm.get_plugin(name) is None and not pm.is_registered(mod) and pm.register(mod, name=name)
    ]
    fake.SEEN_SECRETS.clear()
    try:
        yield fake
    finally:
        for name in added:
            pm.unregister(name=name)


def test_a_failed_task_names_source_stream_record_and_reason_in_its_log_and_the_run_log(
    airflow_db: Path,
    failing_plugin,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from hub.airflow.dag_factory import build_dags

    cfg = tmp_path / "hub.yaml"
    cfg.write_text(BROKEN.format(db=tmp_path / "hub.db"), encoding="utf-8")
    monkeypatch.setenv("HUB_CONFIG", str(cfg))
    monkeypatch.delenv("HUBTEST_FLAKY_PASSWORD", raising=False)  # the secret comes from the Airflow Connection only
    monkeypatch.setenv(
        "AIRFLOW_CONN_HUB_FLAKY", json.dumps({"conn_type": "hub_rest", "login": "svc", "password": SECRET})
    )
    dr = build_dags()["hub_broken"].test()
    out = capfd.readouterr()
    logs = out.out + out.err + caplog.text  # the task log goes to stdout or, once pytest captures logging, to caplog
    assert dr.state == "failed"
    states = {(ti.task_id, ti.map_index): ti.state for ti in dr.get_task_instances()}
    assert states[("extract_flaky", 0)] == "failed" and states[("close_run", -1)] == "upstream_failed"
    assert failing_plugin.SEEN_SECRETS and all(
        s == {"username": "svc", "password": SECRET} for s in failing_plugin.SEEN_SECRETS
    )
    assert "hub task failed: pipeline=broken stage=extract source=flaky stream=accounts record=ACC-17" in logs
    assert "reason=ServerError: the server rejected the record" in logs
    assert SECRET not in logs

    engine = open_store(load_config(cfg), migrate=False)
    with engine.connect() as conn:
        run = conn.execute(select(Run)).one()
        stage = conn.execute(select(StageLog).where(StageLog.stage == "extract")).one()
    assert (run.status, run.trigger, run.external_ref) == ("failed", "airflow", dr.run_id)
    assert "task extract_flaky" in run.error and "stage extract flaky/accounts failed" in run.error
    assert "external id ACC-17" in run.error and "the server rejected the record" in run.error
    assert stage.status == "failed" and stage.rows_in == 1  # the first batch was committed before the failure

    # the ops view: `hub status` shows the same run, its trigger, the failed stage and the reason
    status = subprocess.run(
        [sys.executable, "-m", "hub", "-c", str(cfg), "status"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "250"},
        timeout=120,
    )
    assert status.returncode == 0, status.stderr
    assert f"run {run.id} · broken · failed · airflow" in status.stdout
    assert "external id ACC-17" in status.stdout and "flaky/accounts" in status.stdout
