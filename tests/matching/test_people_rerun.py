"""Persons are matched again only when something they depend on changed: records, rules or weights."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

import hub.cli  # noqa: F401  (registers every command)
from hub.cli.app import app
from hub.store.models import StageLog
from tests.matching.test_people_example import files

ROOT = Path(__file__).resolve().parents[2]


def _person_detail(db: Path) -> dict[str, Any]:
    eng = create_engine(f"sqlite:///{db}")
    try:
        with eng.connect() as conn:
            detail = conn.execute(
                select(StageLog.detail).where(StageLog.stage == "reconcile").order_by(StageLog.run_id.desc()).limit(1)
            ).scalar_one()
    finally:
        eng.dispose()
    return detail["person"]


def test_rerun_skips_persons_until_records_or_weights_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a private copy of the example: training rewrites its weights file
    shutil.copytree(ROOT / "examples" / "people", tmp_path / "examples" / "people")
    shutil.copytree(ROOT / "mappings" / "people", tmp_path / "mappings" / "people")
    config = str(tmp_path / "examples" / "people" / "hub.yaml")
    data = tmp_path / "data"
    data.mkdir()
    files(data)
    monkeypatch.setenv("PEOPLE_DIR", str(data))
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    runner = CliRunner()

    def run() -> dict[str, Any]:
        out = runner.invoke(app, ["-c", config, "run", "people"])
        assert out.exit_code == 0, out.output
        return _person_detail(tmp_path / "hub.db")

    first = run()
    assert first["records"] == 55 and first["linked_clusters"] >= 23
    assert run()["skipped"] == "no change since the last reconciliation"
    trained = runner.invoke(app, ["-c", config, "match", "train", "person"])
    assert trained.exit_code == 0, trained.output
    after_training = run()  # new weights: a new rules signature, so every person is matched again
    assert after_training["records"] == 55 and after_training["weights"] == "file"
    assert run()["skipped"] == "no change since the last reconciliation"
    with (data / "b.csv").open("a", encoding="utf-8") as fh:
        fh.write("rec-99-org,zoe,hope,7,banks place,,dapto,2500,nsw,19800101,1234567\n")
    changed = run()
    assert changed["records"] == 56
