"""Tier (a): the DAG folder imports cleanly and yields one DAG per configured pipeline with the expected graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import load_config
from tests.helpers.channelco import CONFIG, DAGS

PUSHING = """
version: 1
systems:
  crm: {connector: csv, rate_limit: 5, config: {path: crm, streams: {Account: {pattern: Account.csv, key: Id}}}}
  drp: {connector: csv, config: {path: drp, streams: {customers: {pattern: c.csv, key: id}}}}
pipelines:
  nightly: {sources: [crm, drp], schedule: "0 2 * * *", retries: 4, timeout_minutes: 30, push: push.yaml, report: report.yaml}
  crm_only: {sources: [{system: crm, streams: [Account]}]}
"""


def _dagbag(folder: Path):  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(folder))


def test_channelco_dag_imports_with_expected_graph(channelco_env: dict[str, str]) -> None:
    bag = _dagbag(DAGS)
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == ["hub_channelco"]
    dag = bag.dags["hub_channelco"]
    pc = load_config(CONFIG).pipeline("channelco")
    systems = [s.system for s in pc.sources]
    assert {"crm", "drp"} <= set(systems)
    per_system = {f"{kind}_{s}" for s in systems for kind in ("streams", "extract", "map")}
    optional = {name for name in ("push", "report") if getattr(pc, name)}
    assert {t.task_id for t in dag.tasks} == {"open_run", "reconcile", "publish", "close_run"} | per_system | optional
    t = dag.task_dict
    assert (
        t["extract_crm"].pool == "hub_crm" and t["extract_drp"].pool == "hub_drp" and t["streams_drp"].pool == "hub_drp"
    )
    assert t["extract_crm"].upstream_task_ids == {"open_run", "streams_crm"}
    assert t["map_drp"].upstream_task_ids == {"open_run", "streams_drp"} | {f"extract_{s}" for s in systems}
    assert t["reconcile"].upstream_task_ids == {"open_run"} | {f"map_{s}" for s in systems}
    assert t["close_run"].upstream_task_ids == {"open_run", "report" if "report" in optional else "publish"}
    assert t["close_run"].trigger_rule == "none_failed"
    assert [a.uri for a in t["publish"].outlets] == ["hub://channelco/canonical"]
    assert dag.max_active_runs == 1 and dag.catchup is False
    assert dag.schedule == "@daily"
    assert t["extract_crm"].retries == 2 and t["extract_crm"].retry_exponential_backoff == 2.0
    assert t["extract_crm"].execution_timeout.total_seconds() == 120 * 60
    assert t["extract_crm"].on_failure_callback, "failures must reach the hub run log"


def test_one_dag_per_pipeline_with_optional_stages_and_config_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "hub.yaml"
    cfg.write_text(PUSHING, encoding="utf-8")
    monkeypatch.setenv("HUB_CONFIG", str(cfg))
    bag = _dagbag(DAGS)
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == ["hub_crm_only", "hub_nightly"]
    nightly = bag.dags["hub_nightly"]
    assert nightly.task_dict["push"].upstream_task_ids == {"open_run", "publish"}
    assert nightly.task_dict["report"].upstream_task_ids == {"open_run", "push"}
    assert nightly.task_dict["close_run"].upstream_task_ids == {"open_run", "report"}
    assert nightly.task_dict["extract_crm"].retries == 4
    assert nightly.task_dict["extract_crm"].execution_timeout.total_seconds() == 30 * 60
    assert nightly.schedule == "0 2 * * *"
    only = bag.dags["hub_crm_only"]
    assert "push" not in only.task_dict and "report" not in only.task_dict and "extract_drp" not in only.task_dict
    assert only.schedule is None


def test_missing_config_is_a_clear_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    monkeypatch.delenv("AIRFLOW_VAR_HUB_CONFIG", raising=False)
    monkeypatch.setenv("AIRFLOW_VAR_HUB_CONFIG", "")
    bag = _dagbag(DAGS)
    assert bag.dag_ids == []
    (err,) = bag.import_errors.values()
    assert "HUB_CONFIG" in err and "hub_config" in err


def test_the_config_path_may_come_from_an_airflow_variable(
    channelco_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUB_CONFIG")
    monkeypatch.setenv("AIRFLOW_VAR_HUB_CONFIG", str(CONFIG))
    bag = _dagbag(DAGS)
    assert bag.import_errors == {} and bag.dag_ids == ["hub_channelco"]


def test_parsing_touches_no_source_and_no_store(
    channelco_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # a world folder that does not exist and a store URL nobody may open: parsing must not care
    monkeypatch.setenv("CHANNELCO_DIR", str(tmp_path / "absent"))
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'hub.db'}")
    bag = _dagbag(DAGS)
    assert bag.import_errors == {} and bag.dag_ids == ["hub_channelco"]
    assert not (tmp_path / "absent").exists() and not (tmp_path / "no").exists()
