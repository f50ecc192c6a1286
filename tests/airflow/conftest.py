"""Airflow test environment: a throw-away AIRFLOW_HOME with SQLite metadata, set before Airflow is imported.

Only ``AIRFLOW_*`` variables are set process-wide (they affect nothing but Airflow); the hub's
own variables (``HUB_CONFIG``, ``CHANNELCO_DIR``, ``HUB_DATABASE_URL``) are set per test with
monkeypatch. The whole folder is skipped when Airflow is not installed.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.channelco import CONFIG, DAGS

if importlib.util.find_spec("airflow") is None:
    collect_ignore_glob = ["test_*.py"]
elif "airflow" not in sys.modules:
    _HOME = Path(tempfile.mkdtemp(prefix="hub-airflow-home-"))
    atexit.register(shutil.rmtree, _HOME, True)
    os.environ.update(
        {
            "AIRFLOW_HOME": str(_HOME),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_HOME / 'airflow.db'}",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(_HOME / "logs"),
        }
    )


def airflow_env() -> dict[str, str]:
    """The AIRFLOW_* part of the environment (for subprocesses)."""
    return {k: v for k, v in os.environ.items() if k.startswith("AIRFLOW")}


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """The throw-away metadata database, migrated (``airflow db migrate``)."""
    home = Path(os.environ["AIRFLOW_HOME"])
    if not (home / ".migrated").exists():
        out = subprocess.run(
            [sys.executable, "-m", "airflow", "db", "migrate"],
            capture_output=True,
            text=True,
            env={**os.environ},
            timeout=300,
        )
        assert out.returncode == 0, f"airflow db migrate failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
        (home / ".migrated").touch()
    return home


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's small ChannelCo world (read-only for tests)."""
    from testkit.world import generate

    out = tmp_path_factory.mktemp("airflow-world") / "w"
    generate(out, seed=7, customers=200)
    return out


@pytest.fixture
def channelco_env(demo_world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment of the ChannelCo DAG on the demo world with a private SQLite store."""
    env = {
        "HUB_CONFIG": str(CONFIG),
        "CHANNELCO_DIR": str(demo_world),
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'airflow-hub.db'}",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Keep each phase's report on the item, so fixtures can dump component logs when a test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
