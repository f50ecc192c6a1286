"""Benchmark: the embedded runner vs the Airflow CeleryExecutor tier on the same ChannelCo scenario.

    python -m bench.bench_airflow [--customers 10000] [--store postgresql|sqlite] [--workers-concurrency 2]

Both run the ``channelco`` pipeline on a copy of the same generated world into a fresh store of
the same backend: the embedded runner in-process, then the DAG on a local Celery stack
(``testkit.airflow_stack``: Redis 127.0.0.1:6379, PostgreSQL 127.0.0.1:5432 metadata, both
throw-away). Prints wall time, task count, and the orchestration overhead per task: Celery
wall time minus embedded wall time, divided by the number of task instances, and the mean gap
between a task's duration and the time its stages logged. Needs Redis and PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "examples" / "channelco" / "hub.yaml"
PG_ADMIN = os.environ.get("HUB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _world(out: Path, customers: int) -> Path:
    from testkit.world import generate

    generate(out, seed=21, customers=customers)
    return out


def _stage_seconds(url: str) -> tuple[float, int]:
    from sqlalchemy import create_engine, select

    from hub.store.models import StageLog

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        rows = conn.execute(select(StageLog.started_at, StageLog.finished_at)).all()
    engine.dispose()
    return sum((f - s).total_seconds() for s, f in rows if f), len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--store", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--workers-concurrency", type=int, default=2)
    args = parser.parse_args(argv)

    import psycopg

    from hub.airflow.pools import pool_specs
    from hub.config import load_config
    from hub.runner import open_store, run_pipeline
    from testkit.airflow_stack import LocalStack, StackSettings

    work = Path(tempfile.mkdtemp(prefix="hub-bench-airflow-"))
    tag = uuid.uuid4().hex[:8]
    dbs = {k: f"hub_bench_{k}_{tag}" for k in ("meta", "embedded", "celery")}
    base = PG_ADMIN.rsplit("/", 1)[0]
    admin = psycopg.connect(PG_ADMIN, autocommit=True)
    stack = None
    try:
        for name in dbs.values():
            admin.execute(f'CREATE DATABASE "{name}"')
        store = {
            k: (f"{base}/{dbs[k]}" if args.store == "postgresql" else f"sqlite:///{work / (k + '.db')}")
            for k in ("embedded", "celery")
        }
        t = time.perf_counter()
        world = _world(work / "embedded", args.customers)
        shutil.copytree(world, work / "celery")
        print(f"world: {args.customers:,} customers in {time.perf_counter() - t:.1f}s ({work})", flush=True)

        os.environ.update(CHANNELCO_DIR=str(work / "embedded"), HUB_DATABASE_URL=store["embedded"])
        config = load_config(CONFIG)
        t = time.perf_counter()
        result = run_pipeline(config, "channelco", engine=open_store(config))
        embedded_wall = time.perf_counter() - t
        embedded_stages = len(result.stages)
        print(f"embedded: {embedded_wall:.1f}s, {embedded_stages} stages", flush=True)

        hub_env = {
            "HUB_CONFIG": str(CONFIG),
            "CHANNELCO_DIR": str(work / "celery"),
            "HUB_DATABASE_URL": store["celery"],
            "HUB_AIRFLOW_SCHEDULES": "off",
            "PYTHONPATH": str(ROOT),
        }
        stack = LocalStack(
            StackSettings(
                home=work / "airflow",
                dags_folder=ROOT / "dags",
                metadata_url=f"{base.replace('postgresql://', 'postgresql+psycopg2://')}/{dbs['meta']}",
                worker_concurrency=args.workers_concurrency,
            ),
            hub_env,
        )
        t = time.perf_counter()
        stack.migrate()
        stack.start()
        stack.create_pools(pool_specs(config))
        stack.wait_for_dag("hub_channelco")
        startup = time.perf_counter() - t
        t = time.perf_counter()
        run_id = stack.trigger("hub_channelco")
        state = stack.wait_for_run("hub_channelco", run_id, timeout=3600)
        celery_wall = time.perf_counter() - t
        tis = stack.task_instances("hub_channelco", run_id)
        task_seconds = sum(ti.get("duration") or 0 for ti in tis)
        stage_seconds, _ = _stage_seconds(store["celery"])
        n = len(tis)
        print()
        print(
            f"| ChannelCo {args.customers:,} customers ({args.store} store) | embedded | Celery ({args.workers_concurrency} slots) |"
        )
        print("|---|---:|---:|")
        print(f"| wall time, s | {embedded_wall:.1f} | {celery_wall:.1f} ({state}) |")
        print(f"| units of work | {embedded_stages} stages | {n} task instances |")
        print(f"| stack start-up (migrate, start, parse), s | - | {startup:.1f} |")
        print(
            f"| overhead per task (wall difference / tasks), s | - | {(celery_wall - embedded_wall) / max(n, 1):.2f} |"
        )
        print(
            f"| overhead per task (task duration - stage time), s | - | {(task_seconds - stage_seconds) / max(n, 1):.2f} |"
        )
        return 0 if state == "success" else 1
    finally:
        if stack is not None:
            stack.stop()
        for name in dbs.values():
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
