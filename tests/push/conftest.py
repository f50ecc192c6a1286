"""Fixtures for push tests: a small ChannelCo world, both live test servers, a hub config pointing at them."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "channelco"


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


live_demo = _load("channelco_live_demo", EXAMPLE / "live_demo.py")
demo_world = _load("channelco_demo_world", EXAMPLE / "demo_world.py")


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    demo_world.generate(out, seed=11, customers=40)
    return out


@dataclass
class Live:
    """Both servers, the hub config file and the store URL of one test."""

    sf: Any
    drp: Any
    config_path: Path
    url: str
    tmp: Path

    def config(self) -> Any:
        from hub.config import load_config

        return load_config(self.config_path)

    def engine(self) -> Any:
        from hub.runner import open_store

        return open_store(self.config())


def write_config(tmp: Path, max_share: float = 1.0, extra_push: str = "", orders: bool = True) -> Path:
    """hub-live.yaml and push.yaml copied to ``tmp`` with absolute paths and the breaker share given
    (``orders=False`` leaves out the order-status push, so only the customer targets write)."""
    text = (EXAMPLE / "hub-live.yaml").read_text(encoding="utf-8")
    text = text.replace("../../mappings/", str(REPO / "mappings") + "/").replace(
        "reconcile: reconcile.yaml", f"reconcile: {EXAMPLE / 'reconcile.yaml'}")
    (tmp / "hub.yaml").write_text(text, encoding="utf-8")
    push = (EXAMPLE / "push.yaml").read_text(encoding="utf-8").replace("max_share: 0.05", f"max_share: {max_share}")
    if not orders:
        push = "\n".join(line for line in push.splitlines() if not line.strip().startswith("sales_order:")) + "\n"
    (tmp / "push.yaml").write_text(push + extra_push, encoding="utf-8")
    return tmp / "hub.yaml"


@pytest.fixture
def live(world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    sf, drp = live_demo.start_servers(world)
    try:
        for k, v in live_demo.server_env(sf, drp).items():
            monkeypatch.setenv(k, v)
        url = f"sqlite:///{tmp_path / 'hub.db'}"
        monkeypatch.setenv("HUB_DATABASE_URL", url)
        yield Live(sf, drp, write_config(tmp_path), url, tmp_path)
    finally:
        drp.stop()
        sf.stop()
