"""Fixtures for push tests: a small ChannelCo world, both live test servers, a hub config pointing at them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from testkit.servers.channelco import server_env, start_servers
from testkit.world import generate
from tests.helpers.channelco import write_live_config


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate(out, seed=11, customers=40)
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


@pytest.fixture
def live(world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    sf, drp = start_servers(world)
    try:
        for k, v in server_env(sf, drp).items():
            monkeypatch.setenv(k, v)
        url = f"sqlite:///{tmp_path / 'hub.db'}"
        monkeypatch.setenv("HUB_DATABASE_URL", url)
        yield Live(sf, drp, write_live_config(tmp_path), url, tmp_path)
    finally:
        drp.stop()
        sf.stop()
