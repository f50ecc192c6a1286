"""Two ``hub run`` of one pipeline on one store: the second stops at once with exit 4 naming the run and its pid,
or waits with ``--wait``; the lock of a killed run is taken over and that run reads ``interrupted``."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.reliability.trials import CHANNELCO, Stores, engine_of, exports, hub, hub_ok, runs, wait_for_run


def _lock_rows(url: str) -> list[tuple[str, int, int]]:
    engine = engine_of(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text("SELECT pipeline, run_id, pid FROM run_lock")).all()]  # type: ignore[misc]
    finally:
        engine.dispose()


def concurrent_trial(url: str, world: Path) -> dict[str, object]:
    """A run paused (SIGSTOP) while it holds the lock; a second run, a waiting one, then a killed one taken over."""
    env = {"CHANNELCO_DIR": str(world), "HUB_DATABASE_URL": url}
    first = hub(CHANNELCO, "run", "channelco", env=env)
    try:
        run_id = wait_for_run(url, first, 0)
        assert run_id is not None, "the first run never started"
        os.kill(first.pid, signal.SIGSTOP)
        second = hub(CHANNELCO, "run", "channelco", env=env)
        out, err = second.communicate(timeout=300)
        waiting = hub(CHANNELCO, "run", "channelco", "--wait", "600", env=env)
        os.kill(first.pid, signal.SIGCONT)
        first_out, first_err = first.communicate(timeout=600)
        w_out, w_err = waiting.communicate(timeout=600)
    finally:
        if first.poll() is None:
            os.kill(first.pid, signal.SIGCONT)
    # a run killed while it holds the lock: its lock row stays behind and the next run takes it over
    killed = hub(CHANNELCO, "run", "channelco", env=env)
    killed_run = wait_for_run(url, killed, max(runs(url)))
    killed.send_signal(signal.SIGKILL)
    killed.communicate()
    left = _lock_rows(url)
    hub_ok(CHANNELCO, "run", "channelco", env=env)
    return {
        "run_id": run_id,
        "pid": first.pid,
        "first_code": first.returncode,
        "first_err": first_err,
        "second_code": second.returncode,
        "second_err": err,
        "second_out": out,
        "wait_code": waiting.returncode,
        "wait_err": w_err,
        "killed_run": killed_run,
        "left": left,
        "runs": runs(url),
        "lock_after": _lock_rows(url),
    }


@pytest.mark.slow
def test_second_run_stops_at_once_waits_with_wait_and_a_killed_lock_is_taken_over(
    stores: Stores, world_copy: Path, tmp_path: Path
) -> None:
    url = stores.new()
    res = concurrent_trial(url, world_copy)
    err = str(res["second_err"])
    assert res["second_code"] == 4, (res["second_code"], err[-2000:])
    assert "Traceback" not in err
    assert re.search(
        rf"run {res['run_id']} of channelco is in progress since \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC, "
        rf"pid {res['pid']}\b",
        err,
    ), err
    assert res["first_code"] == 0, str(res["first_err"])[-2000:]
    assert res["wait_code"] == 0, str(res["wait_err"])[-2000:]
    status = res["runs"]
    assert isinstance(status, dict)
    assert status[res["run_id"]] == "succeeded"  # the paused run was not taken for dead
    assert res["left"] and res["left"][0][1] == res["killed_run"]  # type: ignore[index]
    assert status[res["killed_run"]] == "interrupted"
    assert res["lock_after"] == []
    assert list(status.values()).count("succeeded") == 3  # first, the waiting one, the one after the kill
    assert exports(url, tmp_path / "out")["crosswalk.csv"]
