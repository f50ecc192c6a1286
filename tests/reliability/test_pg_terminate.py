"""The PostgreSQL server terminates the store connection of a working ``hub run``: the run ends with one line that
names the real cause first (exit 1, no traceback), and running it again converges to a clean run's exports."""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.reliability.trials import CHANNELCO, PgStores, exports, hub, hub_ok, runs

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

TERMINATE = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND application_name = :app"
)


def terminate_when_active(base: str, app: str, proc, stage: str, url: str, timeout: float = 300) -> int:  # type: ignore[no-untyped-def]
    """Wait until the run is in ``stage`` and a connection of ``app`` runs a statement, then terminate every
    connection of ``app``; how many were terminated."""
    admin = sa.create_engine(base)
    store = sa.create_engine(url.replace(f"&application_name={app}", ""))
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            with store.connect() as conn:
                if conn.execute(
                    sa.text("SELECT 1 FROM stage_log WHERE stage = :s AND status = 'running'"), {"s": stage}
                ).first():
                    break
            time.sleep(0.01)
        with admin.connect() as conn:
            while time.monotonic() < deadline and proc.poll() is None:
                active = conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND application_name = :app AND state = 'active'"
                    ),
                    {"app": app},
                ).scalar()
                if active:
                    return len(conn.execute(sa.text(TERMINATE), {"app": app}).all())
                time.sleep(0.005)
                conn.commit()
        return 0
    finally:
        admin.dispose()
        store.dispose()


def terminate_trial(base: str, world: Path, tmp: Path, stage: str, ref: dict[str, bytes] | None) -> dict[str, object]:
    """One run whose connections the server terminates; what the user saw and whether the rerun converged."""
    stores = PgStores(base)
    app = f"hubtrial_{uuid.uuid4().hex[:8]}"
    try:
        url = stores.new(f"&application_name={app}")
        env = {"CHANNELCO_DIR": str(world), "HUB_DATABASE_URL": url}
        hub_ok(CHANNELCO, "db", "upgrade", env=env)  # the schema first: the fault is aimed at the run's work
        proc = hub(CHANNELCO, "run", "channelco", env=env)
        hit = terminate_when_active(base, app, proc, stage, url)
        out, err = proc.communicate(timeout=600)
        status = runs(url)
        hub_ok(CHANNELCO, "run", "channelco", env=env)
        got = exports(url, tmp / f"after-{app}")
        return {
            "terminated": hit,
            "code": proc.returncode,
            "stdout": out,
            "stderr": err,
            "runs": status,
            "converged": ref is None or got == ref,
            "exports": got,
        }
    finally:
        stores.close()


def test_terminated_store_connection_is_one_clear_line_then_a_rerun_converges(
    pg_database: str, small_world: Path, tmp_path: Path
) -> None:
    ref_world = tmp_path / "refworld"
    shutil.copytree(small_world, ref_world)
    ref_stores = PgStores(pg_database)
    try:
        url = ref_stores.new()
        hub_ok(CHANNELCO, "run", "channelco", env={"CHANNELCO_DIR": str(ref_world), "HUB_DATABASE_URL": url})
        ref = exports(url, tmp_path / "ref")
    finally:
        ref_stores.close()
    for stage in ("extract", "reconcile"):
        world = tmp_path / f"world-{stage}"
        shutil.copytree(small_world, world)
        res = terminate_trial(pg_database, world, tmp_path, stage, ref)
        assert res["terminated"], f"{stage}: the run ended before its connection could be terminated"
        out, err = str(res["stdout"]), str(res["stderr"])
        assert "Traceback" not in err, err[-3000:]
        assert res["converged"], f"{stage}: the rerun after the terminated run did not reach a clean run's exports"
        if res["code"] == 0:
            # the terminated connection was between two transactions: the pool reconnected and the run went on
            assert res["runs"] == {1: "succeeded"}, res["runs"]
            continue
        assert res["code"] == 1, (stage, res["code"], err[-2000:])
        # the run names its culprit in one line: the run's "failed:" line, or the "error:" line when no run was recorded
        lines = [line for line in (out + err).splitlines() if line.startswith(("failed:", "error:"))]
        assert len(lines) == 1, (stage, out[-2000:], err[-2000:])
        cause = lines[0].lower()
        assert "terminated the connection" in cause, (stage, lines[0])
        # the real cause comes before anything a cleanup ran into afterwards
        first = cause.find("terminated the connection")
        assert all(
            cause.find(w) < 0 or cause.find(w) > first for w in ("connection is closed", "drop table", "[sql")
        ), lines[0]
        assert res["runs"] == {1: "failed"}, res["runs"]
        assert res["converged"], f"{stage}: the rerun after the terminated run did not reach a clean run's exports"
