"""The CRM read through the Salesforce connector and the DRP through the SOAP connector reconcile
exactly like the same data read from the CSV files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hub.config import load_config
from hub.export import export
from hub.runner import open_store, run_pipeline
from tests.pipeline.conftest import CONFIG, ROOT, channelco_store

sys.path.insert(0, str(ROOT / "examples" / "channelco"))


@pytest.mark.slow
def test_crosswalk_is_identical_from_files_and_from_the_live_services(world: Path, tmp_path: Path, monkeypatch) -> None:
    import live_demo

    files, engine = channelco_store(monkeypatch, world, f"sqlite:///{tmp_path / 'files.db'}")
    run_pipeline(files, "channelco", engine=engine)
    export(engine, tmp_path / "files", ["crm", "drp"])

    sf, drp = live_demo.start_servers(world)
    try:
        for key, value in live_demo.server_env(sf, drp).items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'live.db'}")
        live = load_config(CONFIG.with_name("hub-live.yaml"))
        pc = live.pipelines["channelco_live"].model_copy(update={"push": None})  # read only: no write-back here
        live = live.model_copy(update={"pipelines": {**live.pipelines, "channelco_live": pc}})
        engine = open_store(live)
        result = run_pipeline(live, "channelco_live", engine=engine)
        assert result.status == "succeeded" and result.quarantined == 0
        export(engine, tmp_path / "live", ["crm", "drp"])
    finally:
        drp.stop()
        sf.stop()
    crosswalk = (tmp_path / "files" / "crosswalk.csv").read_text(encoding="utf-8")
    assert crosswalk.count("\n") > 1000
    assert (tmp_path / "live" / "crosswalk.csv").read_text(encoding="utf-8") == crosswalk
