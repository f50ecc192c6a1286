"""Shared fixtures: store URLs for SQLite and a throw-away PostgreSQL database, plugin isolation."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PG_ADMIN_URL = os.environ.get("HUB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")

# Tests never load third-party plugins installed in the environment; built-ins always load.
os.environ.setdefault("HUB_DISABLE_PLUGINS", "*")
os.environ.pop("HUB_DATABASE_URL", None)
# reports written by pipeline runs in tests go to a temporary folder, never into the work tree
os.environ["REPORT_DIR"] = tempfile.mkdtemp(prefix="hub-test-reports-")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # a pytest-xdist worker starts with COLUMNS=80, and the hub's console fixes its width from COLUMNS when
    # hub.cli is imported: tests that set COLUMNS later would read lines wrapped at 80 (a serial run has none)
    os.environ.pop("COLUMNS", None)

#: tests of a minute or more (on an idle machine), longest first: with pytest-xdist they start before the others,
#: so that the workers finish together instead of one running a long test alone at the end
LONGEST_FIRST = (
    "tests/reliability/test_kill_run.py::test_run_killed_at_twenty_random_points_converges[postgresql]",
    "tests/reliability/test_kill_push.py::test_push_killed_at_twenty_random_points_converges[postgresql]",
    "tests/reliability/test_kill_run.py::test_run_killed_at_twenty_random_points_converges[sqlite]",
    "tests/reliability/test_kill_push.py::test_push_killed_at_twenty_random_points_converges[sqlite]",
    "tests/reliability/test_migration_kill.py::test_first_migration_killed_at_random_points_on_postgresql",
    "tests/airflow/test_airflow_celery.py::",
    "tests/realsys/test_e2e_hub.py::",
    "tests/guards/test_green_means_right.py::test_columns_renamed_upstream_fail",
    "tests/reliability/test_pg_terminate.py::",
    "tests/guards/test_green_means_right.py::test_a_header_only_file_holds_the_run_until_accepted",
    "tests/pipeline/test_kill_resume.py::",
)


def _start_rank(item: pytest.Item) -> tuple[int, int]:
    for i, prefix in enumerate(LONGEST_FIRST):
        if item.nodeid.startswith(prefix):
            return 0, i
    return (1, 0) if item.get_closest_marker("slow") else (2, 0)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On pytest-xdist workers: the longest tests first, then the other slow ones, then the rest (each group in
    collection order). Every worker sorts the same collection the same way; a run in one process keeps its order."""
    if hasattr(config, "workerinput"):
        items.sort(key=_start_rank)


def shared_or_skip(*parts: str) -> Path:
    """A path under ../shared, or skip: the corpus and bench generator are not part of the product."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared is absent ({path} not found): corpus/bench tests need the shared folder")
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database created for this test session and dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    name = f"hub_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store URL on each backend (PostgreSQL: a fresh schema in the session database)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.db'}"
        return
    base = request.getfixturevalue("pg_database")
    import sqlalchemy as sa

    schema = f"s_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    yield f"{base}?options=-csearch_path%3D{schema}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()
