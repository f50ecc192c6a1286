"""Under Airflow the same guards hold the run: the stage bodies the DAG tasks call, without Airflow itself."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.airflow import stages
from hub.config import load_config
from hub.errors import ContractError, HoldError
from hub.runner import open_store, pipeline_streams
from hub.store.models import Run
from tests.helpers.example import Example


def _airflow_run(example: Example, monkeypatch: pytest.MonkeyPatch, ref: str) -> tuple[object, int]:
    for k, v in example.env().items():
        if k in ("CHANNELCO_DIR", "HUB_DATABASE_URL"):
            monkeypatch.setenv(k, v)
    config = load_config(example.config)
    run_id = stages.open_run(config, "channelco", ref)
    for system, stream in pipeline_streams(config, "channelco"):
        stages.run_stage(config, "channelco", run_id, "extract", system, stream)
    return config, run_id


def test_a_held_delivery_skips_reconcile_and_closes_the_run_held(
    example: Example, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, run_id = _airflow_run(example, monkeypatch, "manual__1")
    assert stages.held_streams(config, run_id) == []
    stages.run_stage(config, "channelco", run_id, "reconcile")
    stages.close_run(config, "channelco", run_id)

    rows = example.read_rows("drp/invoices.csv")
    example.write_rows("drp/invoices.csv", rows[:1])
    run2 = stages.open_run(config, "channelco", "manual__2")
    summary = stages.run_stage(config, "channelco", run2, "extract", "drp", "invoices")
    assert "no record" in summary["held"]
    held = stages.held_streams(config, run2)
    assert len(held) == 1 and "drp/invoices.csv" in held[0]
    with pytest.raises(HoldError):
        stages.close_run(config, "channelco", run2)
    # the failure callback that follows the failed close_run task keeps the outcome: held, not failed
    stages.fail_run(config, "channelco", "manual__2", "close_run failed")
    engine = open_store(config)
    with engine.connect() as conn:
        status, summary_json = conn.execute(select(Run.status, Run.summary).where(Run.id == run2)).one()
    assert status == "held" and summary_json["culprits"]


def test_a_broken_contract_fails_the_extract_task(example: Example, monkeypatch: pytest.MonkeyPatch) -> None:
    example.edit_mapping("drp.yaml", "name: {from: 客户名称,", "name: {from: 客户名,")
    for k, v in example.env().items():
        if k in ("CHANNELCO_DIR", "HUB_DATABASE_URL"):
            monkeypatch.setenv(k, v)
    config = load_config(example.config)
    run_id = stages.open_run(config, "channelco", "manual__1")
    with pytest.raises(ContractError, match="客户名"):
        stages.run_stage(config, "channelco", run_id, "extract", "drp", "customers")
