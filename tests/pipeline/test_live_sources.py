"""The CRM read through the Salesforce connector and the DRP through the SOAP connector reconcile
exactly like the same data read from the CSV files."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import load_config
from hub.export import export
from hub.runner import open_store, run_pipeline
from testkit.servers.channelco import server_env, start_servers
from tests.helpers.channelco import CONFIG, channelco_store


@pytest.mark.slow
def test_crosswalk_is_identical_from_files_and_from_the_live_services(world: Path, tmp_path: Path, monkeypatch) -> None:
    files, engine = channelco_store(monkeypatch, world, f"sqlite:///{tmp_path / 'files.db'}")
    run_pipeline(files, "channelco", engine=engine)
    export(engine, tmp_path / "files", ["crm", "drp"])

    sf, drp = start_servers(world)
    try:
        for key, value in server_env(sf, drp).items():
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
