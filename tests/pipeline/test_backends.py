"""The whole ChannelCo pipeline gives the same result on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.export import export
from hub.runner import run_pipeline
from tests.helpers.channelco import channelco_store


@pytest.fixture(scope="module")
def reference(demo_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Export of the pipeline on a SQLite store."""
    out = tmp_path_factory.mktemp("ref")
    mp = pytest.MonkeyPatch()
    try:
        config, engine = channelco_store(mp, demo_world, f"sqlite:///{out / 'ref.db'}")
        run_pipeline(config, "channelco", engine=engine)
        export(engine, out / "export", ["crm", "drp"])
        engine.dispose()
    finally:
        mp.undo()
    return out / "export"


def test_pipeline_on_each_backend(store_url: str, world: Path, reference: Path, tmp_path: Path, monkeypatch) -> None:
    config, engine = channelco_store(monkeypatch, world, store_url)
    first = run_pipeline(config, "channelco", engine=engine)
    assert first.status == "succeeded" and first.changes > 0
    assert run_pipeline(config, "channelco", engine=engine).changes == 0
    export(engine, tmp_path / "out", ["crm", "drp"])
    engine.dispose()
    for name in ("crosswalk.csv", "discrepancies.csv"):
        assert (tmp_path / "out" / name).read_bytes() == (reference / name).read_bytes(), name
