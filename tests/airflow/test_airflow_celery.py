"""Tier (c): the ChannelCo DAG on a CeleryExecutor stack (Redis broker, PostgreSQL metadata), triggered by REST API v2.

Components run on 127.0.0.1 with setsid and are stopped by PID in the fixture finalizer, even
when the test fails (their logs are printed then). The throw-away PostgreSQL databases (Airflow
metadata, hub store, expected store) are dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.config import load_config
from hub.runner import open_store, run_pipeline
from hub.store.models import Run, StageLog
from tests.helpers.channelco import CONFIG, DAGS
from tests.pipeline.snapshot import snapshot

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PG_ADMIN_URL = os.environ.get("HUB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
#: backend of the hub store the DAG writes: postgresql (production-like, default) or sqlite (WAL, shared by the workers)
STORE_BACKEND = os.environ.get("HUB_AIRFLOW_TEST_STORE", "postgresql")
REDIS = ("127.0.0.1", 6379)


def _redis_or_skip() -> None:
    try:
        with socket.create_connection(REDIS, timeout=3) as s:
            s.sendall(b"PING\r\n")
            if not s.recv(16).startswith(b"+PONG"):
                pytest.skip(f"no Redis answering PING at {REDIS}")
    except OSError as exc:
        pytest.skip(f"Redis not reachable at {REDIS}: {exc}")


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Three throw-away PostgreSQL databases: Airflow metadata, the hub store the DAG writes, the expected store."""
    psycopg = pytest.importorskip("psycopg")
    _redis_or_skip()
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
    tag = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
    names = {"airflow": f"hub_af_meta_{tag}", "store": f"hub_af_store_{tag}", "expected": f"hub_af_expected_{tag}"}
    base = PG_ADMIN_URL.rsplit("/", 1)[0].split("://", 1)[1]
    try:
        for name in names.values():
            admin.execute(f'CREATE DATABASE "{name}"')
        urls = {
            "airflow": f"postgresql+psycopg2://{base}/{names['airflow']}",
            "store": f"postgresql+psycopg://{base}/{names['store']}",
            "expected": f"postgresql+psycopg://{base}/{names['expected']}",
        }
        if STORE_BACKEND == "sqlite":
            folder = tmp_path_factory.mktemp("celery-stores")
            urls.update(store=f"sqlite:///{folder / 'store.db'}", expected=f"sqlite:///{folder / 'expected.db'}")
        yield urls
    finally:
        for name in names.values():
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from testkit.world import generate

    out = tmp_path_factory.mktemp("celery-world")
    generate(out / "expected", seed=7, customers=200)
    shutil.copytree(out / "expected", out / "airflow")
    return out


@pytest.fixture(scope="module")
def stack(
    databases: dict[str, str], world: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[object]:
    from testkit.airflow_stack import LocalStack, StackSettings

    home = tmp_path_factory.mktemp("celery-home")
    hub_env = {
        "HUB_CONFIG": str(CONFIG),
        "CHANNELCO_DIR": str(world / "airflow"),
        "HUB_DATABASE_URL": databases["store"],
        "HUB_DISABLE_PLUGINS": "*",
        "HUB_AIRFLOW_SCHEDULES": "off",
        "PYTHONPATH": str(CONFIG.parents[2]),
    }
    st = LocalStack(StackSettings(home=home, dags_folder=DAGS, metadata_url=databases["airflow"]), hub_env)
    try:
        st.migrate()
        st.start()
        yield st
    finally:
        st.stop()
        failed = any(
            getattr(item, "rep_call", None) is not None and item.rep_call.failed
            for item in request.session.items
            if item.module is request.module
        )
        if failed or request.session.testsfailed:
            print(st.log_tails(80))


def test_channelco_on_celery_runs_on_the_worker_and_equals_the_embedded_runner(
    stack, databases: dict[str, str], world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from hub.airflow.dag_factory import dag_id_for
    from hub.airflow.pools import pool_specs

    monkeypatch.setenv("CHANNELCO_DIR", str(world / "airflow"))
    config = load_config(CONFIG)
    stack.create_pools(pool_specs(config))
    dag_id = dag_id_for("channelco")
    stack.wait_for_dag(dag_id, timeout=90)
    run_ref = stack.trigger(dag_id)
    state = stack.wait_for_run(dag_id, run_ref, timeout=240)
    tis = stack.task_instances(dag_id, run_ref)
    assert state == "success", [(t["task_id"], t["map_index"], t["state"]) for t in tis if t["state"] != "success"]

    # every task ran through Celery on this stack's queue, consumed only by its worker
    assert tis and all(t["state"] == "success" and t["queue"] == stack.settings.queue for t in tis), tis
    assert all(t["hostname"] for t in tis)
    worker_log = (stack.logs / "worker-0.log").read_text(encoding="utf-8", errors="replace")
    assert worker_log.count("execute_workload") >= len(tis), worker_log[-3000:]
    extract_log = stack.task_log(dag_id, run_ref, "extract_drp", 1, map_index=0)
    assert "hub extract drp/" in extract_log and "read=" in extract_log

    # the store equals the embedded runner's on the same input
    monkeypatch.setenv("HUB_DATABASE_URL", databases["store"])
    got_engine = open_store(load_config(CONFIG), migrate=False)
    monkeypatch.setenv("CHANNELCO_DIR", str(world / "expected"))
    monkeypatch.setenv("HUB_DATABASE_URL", databases["expected"])
    expected_config = load_config(CONFIG)
    expected_engine = open_store(expected_config)
    expected = run_pipeline(expected_config, "channelco", engine=expected_engine)
    assert snapshot(got_engine) == snapshot(expected_engine)

    # the run history is the same in Airflow and in `hub status`'s run log
    with got_engine.connect() as conn:
        run = conn.execute(select(Run)).one()
        stage_count = conn.execute(select(StageLog.id).where(StageLog.run_id == run.id)).all()
    assert (run.status, run.trigger, run.external_ref) == ("succeeded", "airflow", run_ref)
    assert len(stage_count) == len(expected.stages)
    assert sum(1 for t in tis if t["task_id"].startswith("extract_")) == sum(
        1 for s in expected.stages if s["stage"] == "extract"
    )
    got_engine.dispose()
    expected_engine.dispose()
