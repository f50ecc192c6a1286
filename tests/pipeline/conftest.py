"""Fixtures for whole-pipeline tests on the project's own demo world."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from testkit.world import generate
from tests.helpers.channelco import CONFIG, ROOT


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated demo world (read-only for tests: copy it before changing files)."""
    out = tmp_path_factory.mktemp("world") / "w"
    generate(out, seed=7, customers=200)
    return out


@pytest.fixture
def world(demo_world: Path, tmp_path: Path) -> Path:
    """A private copy of the demo world."""
    dst = tmp_path / "world"
    shutil.copytree(demo_world, dst)
    return dst


@pytest.fixture
def hub_env(world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for running the ChannelCo example against ``world`` with a private SQLite store."""
    env = {"CHANNELCO_DIR": str(world), "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


@pytest.fixture
def hub_cli(hub_env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the ``hub`` command line as a user would."""

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **hub_env, "COLUMNS": "200"}
        out = subprocess.run(
            [sys.executable, "-m", "hub", "-c", str(CONFIG), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=600,
        )
        if check and out.returncode != 0:
            raise AssertionError(f"hub {' '.join(args)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
        return out

    return run
