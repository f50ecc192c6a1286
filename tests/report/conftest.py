"""Fixtures for the report tests: a small hand-built store with known figures, a ChannelCo store, renderers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from report_store import AS_OF, build_small_store, renderer_manager
from sqlalchemy import Engine

from hub.report.config import ReportConfig
from hub.store.engine import make_engine

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def renderers() -> dict[str, Callable[..., list[Path]]]:
    from hub.plugins import renderers as collect

    return collect(renderer_manager())


@pytest.fixture
def use_renderers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the process-wide plugin manager the one with the report renderers (for the CLI and stage)."""
    import hub.plugins

    monkeypatch.setattr(hub.plugins, "_pm", renderer_manager())


@pytest.fixture
def small_engine(store_url: str) -> Iterator[Engine]:
    """The hand-built store on SQLite (and PostgreSQL when reachable)."""
    engine = make_engine(store_url)
    build_small_store(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def small_sqlite(tmp_path: Path) -> Iterator[Engine]:
    """The hand-built store on SQLite only (renderer and delivery tests)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'small.db'}")
    build_small_store(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def report_config() -> ReportConfig:
    return ReportConfig(as_of=AS_OF, title="测试报告 Test report")


@pytest.fixture(scope="session")
def channelco(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A demo-world ChannelCo scenario run through the example pipeline into a private SQLite store."""
    from hub.config import load_config
    from hub.runner import open_store, run_pipeline
    from testkit.world import generate

    base = tmp_path_factory.mktemp("channelco")
    world = base / "world"
    generate(world, seed=11, customers=60)
    env = {"CHANNELCO_DIR": str(world), "HUB_DATABASE_URL": f"sqlite:///{base / 'hub.db'}"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        config = load_config(ROOT / "examples" / "channelco" / "hub.yaml")
        engine = open_store(config)
        result = run_pipeline(config, "channelco", engine=engine)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert result.status == "succeeded"
    return {"engine": engine, "config": config, "run_id": result.run_id, "env": env, "dir": base}
