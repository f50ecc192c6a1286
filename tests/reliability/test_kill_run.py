"""``hub run`` killed with SIGKILL at seeded random moments of its work, on SQLite and PostgreSQL, then run again:
the store's exports equal a run never killed, and every killed run reads ``interrupted`` in ``hub status``."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from tests.reliability.trials import CHANNELCO, KillTally, Stores, exports, hub_ok, run_kill_chain, runs, timed_run

SEED = 20260401
#: kill points per backend in the slow tier (the brief of the suite: at least 20)
KILLS = 20


Reference = tuple[dict[str, bytes], float]


@pytest.fixture(scope="module")
def references() -> dict[str, Reference]:
    """Clean runs already made in this module, by backend (every test here starts from the same world)."""
    return {}


def _reference(references: dict[str, Reference], stores: Stores, small_world: Path, tmp: Path) -> Reference:
    """A clean run on a fresh store of the backend: its exports and the seconds of its work (made once per backend)."""
    if stores.backend not in references:
        world = _chain_world(small_world, tmp, 0)
        url = stores.new()
        took = timed_run(CHANNELCO, ("run", "channelco"), {"CHANNELCO_DIR": str(world), "HUB_DATABASE_URL": url}, url)
        references[stores.backend] = (exports(url, tmp / "ref"), took)
    return references[stores.backend]


def _chain_world(small_world: Path, tmp: Path, n: int) -> Path:
    dst = tmp / f"world{n}"
    shutil.copytree(small_world, dst)
    return dst


def test_run_killed_then_rerun_matches_a_clean_run_and_status_says_interrupted(
    references: dict[str, Reference], stores: Stores, small_world: Path, tmp_path: Path
) -> None:
    ref, took = _reference(references, stores, small_world, tmp_path)
    rng = random.Random(SEED)
    # the kill lands in the first half of the work, where every stage still has something to lose; on a busy
    # machine it may land after the run recorded its end (the process was only exiting): then another try
    for attempt in range(1, 4):
        world = _chain_world(small_world, tmp_path, attempt)
        url = stores.new()
        tally = run_kill_chain(world, url, rng, kills=1, window=took / 2, ref=ref, out=tmp_path / f"k{attempt}")
        assert tally.problems == []
        if tally.kills == 1 and runs(url).get(min(runs(url))) == "interrupted":
            break
    assert tally.kills == 1, f"the run ended before it could be killed: {tally.misses}"
    status = hub_ok(CHANNELCO, "status", "--limit", "5", env={"CHANNELCO_DIR": str(world), "HUB_DATABASE_URL": url})
    killed = min(runs(url))
    assert re.search(rf"run {killed} · channelco · interrupted", status), status


@pytest.mark.slow
@pytest.mark.timeout(2400)
def test_run_killed_at_twenty_random_points_converges(
    references: dict[str, Reference], stores: Stores, small_world: Path, tmp_path: Path
) -> None:
    ref, took = _reference(references, stores, small_world, tmp_path)
    rng = random.Random(SEED + 1)
    tally = KillTally()
    # a chain whose first kill lands late leaves little work for the next kills (they miss): more chains then
    while tally.kills < KILLS and tally.chains < 20:
        n = tally.chains + 1
        tally.add(
            run_kill_chain(
                _chain_world(small_world, tmp_path, n),
                stores.new(),
                rng,
                kills=3,
                window=took,
                ref=ref,
                out=tmp_path / f"k{n}",
            )
        )
    assert tally.kills >= KILLS, f"only {tally.kills} kills landed in {tally.chains} chains ({tally.missed} missed)"
    assert tally.diverged == 0, tally.problems
