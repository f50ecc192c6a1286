"""Fixtures for the channel flows: both live test servers seeded with the small flow world, a hub config pointing at them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from testkit.flowseed import seed_flow_world
from tests.helpers.channelco import write_live_config

PIPELINE = "channelco_live"


@dataclass
class Flow:
    """Both servers, the CRM ids of the seeded world, the hub config and store of one test."""

    sf: Any
    drp: Any
    ids: dict[str, Any]
    config_path: Path
    tmp: Path
    _engine: Any = None

    def config(self) -> Any:
        from hub.config import load_config

        return load_config(self.config_path)

    def engine(self) -> Any:
        from hub.runner import open_store

        if self._engine is None:
            self._engine = open_store(self.config())
        return self._engine

    def run(self, dry_run: bool = False) -> dict[str, Any]:
        """Extract, map, reconcile and push (the flows included); returns the push stage's flow detail."""
        from hub.pipeline.context import StageContext
        from hub.pipeline.push import push
        from hub.runner import run_pipeline

        config = self.config()
        pc = config.pipelines[PIPELINE].model_copy(update={"push": None})
        staged = config.model_copy(update={"pipelines": {**config.pipelines, PIPELINE: pc}})
        result = run_pipeline(staged, PIPELINE, engine=self.engine())
        assert result.status == "succeeded", result
        ctx = StageContext(config=config, engine=self.engine(), pipeline=PIPELINE, run_id=result.run_id)
        counts = push(ctx, dry_run=dry_run)
        return counts.detail

    def records(self, obj: str) -> list[dict[str, Any]]:
        return [r for r in self.sf.org.records[obj].values() if not r.get("IsDeleted")]


@pytest.fixture
def flow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str) -> Iterator[Flow]:
    """Each flow test runs on both store backends (``store_url``: SQLite, and PostgreSQL when reachable)."""
    from testkit.servers.channelco import server_env
    from testkit.servers.drpsoap import start_server as start_drp
    from testkit.servers.salesforce import start_server as start_sf

    sf = start_sf(0)
    drp = start_drp(0)
    try:
        ids = seed_flow_world(sf.org, drp.store)
        for k, v in server_env(sf, drp).items():
            monkeypatch.setenv(k, v)
        monkeypatch.setenv("HUB_DATABASE_URL", store_url)
        path = write_live_config(tmp_path)
        push = tmp_path / "push.yaml"  # the flow world's branch limit is a group limit
        push.write_text(push.read_text(encoding="utf-8").replace("group: false", "group: true"), encoding="utf-8")
        # a small world: streams the flows do not need stay empty
        path.write_text(path.read_text(encoding="utf-8") + "\nguards: {empty: allow}\n", encoding="utf-8")
        made = Flow(sf, drp, ids, path, tmp_path)
        yield made
        if made._engine is not None:
            made._engine.dispose()  # before the PostgreSQL schema is dropped
    finally:
        drp.stop()
        sf.stop()
