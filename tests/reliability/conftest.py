"""Fixtures of the crash and fault trials: a small ChannelCo world and fresh stores on each backend."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.trials import Stores


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated 40-customer ChannelCo world (read-only: copy it before a run writes acknowledgements)."""
    from testkit.world import generate

    out = tmp_path_factory.mktemp("relworld") / "w"
    generate(out, seed=11, customers=40)
    return out


@pytest.fixture
def world_copy(small_world: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "world"
    shutil.copytree(small_world, dst)
    return dst


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    """A maker of fresh, empty stores of one backend (PostgreSQL: schemas in the session database)."""
    base = request.getfixturevalue("pg_database") if request.param == "postgresql" else None
    made = Stores(request.param, tmp_path, base)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture(scope="session")
def big_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated 200-customer ChannelCo world (about four times the small one in the store)."""
    from testkit.world import generate

    out = tmp_path_factory.mktemp("relbigworld") / "w"
    generate(out, seed=7, customers=200)
    return out
