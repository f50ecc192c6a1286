"""A run killed with SIGKILL in the middle of a stage, then rerun, ends exactly like an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from hub.export import export
from hub.store.engine import make_engine
from tests.helpers.channelco import CONFIG, ROOT
from tests.pipeline.snapshot import snapshot


def _start(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "hub", "-c", str(CONFIG), "run", "channelco"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _finish(env: dict[str, str]) -> None:
    proc = _start(env)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()


def _wait_for(db: Path, sql: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> bool:
    """Poll the store until ``sql`` returns a row (True) or the run ends first (False)."""
    engine = make_engine(f"sqlite:///{db}")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with engine.connect() as conn:
                    if conn.execute(text(sql)).first():
                        return True
            except Exception:  # the schema may not exist yet
                pass
            time.sleep(0.005)
        return False
    finally:
        engine.dispose()


POINTS = {
    # a stream's read is one transaction: while it runs, its staged rows are written but not yet committed
    "extract": "SELECT 1 FROM stage_log WHERE stage='extract' AND stream='sales_order_lines' AND status='running'",
    "map": "SELECT 1 FROM stage_log WHERE stage='map' AND stream='sales_orders' AND status='running'",
    "reconcile": "SELECT 1 FROM stage_log WHERE stage='reconcile' AND status='running'",
}


@pytest.mark.slow
def test_sigkill_at_several_points_then_rerun_matches_uninterrupted(world: Path, tmp_path: Path) -> None:
    base = {**os.environ, "CHANNELCO_DIR": str(world), "HUB_BATCH_SIZE": "97"}
    ref_db = tmp_path / "ref.db"
    _finish({**base, "HUB_DATABASE_URL": f"sqlite:///{ref_db}"})
    ref_engine = make_engine(f"sqlite:///{ref_db}")
    export(ref_engine, tmp_path / "ref", ["crm", "drp"])
    expected = snapshot(ref_engine)
    ref_engine.dispose()

    killed = []
    for point, sql in POINTS.items():
        db = tmp_path / f"{point}.db"
        env = {**base, "HUB_DATABASE_URL": f"sqlite:///{db}"}
        proc = _start(env)
        if _wait_for(db, sql, proc):
            os.kill(proc.pid, signal.SIGKILL)
            killed.append(point)
        proc.wait(timeout=60)
        _finish(env)
        _finish(env)  # and a rerun after recovery changes nothing
        engine = make_engine(f"sqlite:///{db}")
        assert snapshot(engine) == expected, point
        export(engine, tmp_path / point, ["crm", "drp"])
        engine.dispose()
        for name in ("crosswalk.csv", "discrepancies.csv"):
            assert (tmp_path / point / name).read_bytes() == (tmp_path / "ref" / name).read_bytes(), (point, name)
    assert len(killed) >= 2, f"the run finished before it could be killed at most points: {killed}"
