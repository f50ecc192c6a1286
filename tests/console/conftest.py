"""Fixtures for the console tests: a ChannelCo store (with a hostile customer name), users, an app, a browser."""

from __future__ import annotations

import csv
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "report"))  # the project's CDP harness

try:  # shared helpers are moving out of tests/pipeline/conftest.py
    from tests.helpers.channelco import channelco_store
except ImportError:  # pragma: no cover
    from tests.pipeline.conftest import channelco_store

FIXTURE = ROOT / "tests" / "fixtures" / "channelco_demo"
HOSTILE = "<script>alert(1)</script> 恶意 & Co"
PASSWORDS = {"stew": "steward-pass-1", "vic": "viewer-pass-1", "ada": "admin-pass-12"}
ROLES = {"stew": "steward", "vic": "viewer", "ada": "admin"}


def make_world(dst: Path) -> Path:
    """The fixture world with the first CRM account renamed to a hostile string."""
    shutil.copytree(FIXTURE, dst)
    path = dst / "crm" / "Account.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index("Name")
    rows[1][col] = HOSTILE
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return dst


@pytest.fixture(scope="session")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One pipeline run of ChannelCo into a SQLite file, with the three users; tests copy the file."""
    from hub.console.users import add_user
    from hub.runner import run_pipeline

    base = tmp_path_factory.mktemp("console")
    world = make_world(base / "world")
    mp = pytest.MonkeyPatch()
    try:
        config, engine = channelco_store(mp, world, f"sqlite:///{base / 'hub.db'}")
        result = run_pipeline(config, "channelco", engine=engine)
        assert result.status == "succeeded"
        with engine.begin() as conn:
            for name, password in PASSWORDS.items():
                add_user(conn, name, ROLES[name], password, "test")
        engine.dispose()
    finally:
        mp.undo()
    return {"db": base / "hub.db", "world": world}


@pytest.fixture
def store(base_store: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A private copy of the store, the config pointing at it, and its engine."""
    shutil.copy(base_store["db"], tmp_path / "hub.db")
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    config, engine = channelco_store(monkeypatch, base_store["world"], url)
    yield {"config": config, "engine": engine, "url": url, "world": base_store["world"], "db": tmp_path / "hub.db"}
    engine.dispose()


@pytest.fixture
def app(store: dict[str, Any]) -> Any:
    from hub.console.app import create_app

    return create_app(engine=store["engine"], config=store["config"])


def login(client: TestClient, name: str) -> str:
    """Log ``name`` in; returns the page's CSRF token."""
    r = client.post("/login", data={"username": name, "password": PASSWORDS[name]}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/discrepancies")
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c
