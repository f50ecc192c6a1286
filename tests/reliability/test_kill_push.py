"""``hub push`` killed with SIGKILL at seeded random moments against the live test servers, on SQLite and PostgreSQL,
then pushed to the end: the servers hold what a push never killed leaves (no customer created twice), the store's
exports equal that push's, and every killed push reads ``interrupted``."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.reliability.trials import KillTally, Stores, push_chain

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

SEED = 20260402
KILLS = 20


def test_push_killed_at_twenty_random_points_converges(stores: Stores, small_world: Path, tmp_path: Path) -> None:
    _, ref, took = push_chain(small_world, tmp_path / "ref", stores.new(), None, 0, 0, None)
    assert ref["customers"], "the reference push left no DRP customers"
    rng = random.Random(SEED)
    tally = KillTally()
    while tally.kills < KILLS and tally.chains < 10:
        one, _, _ = push_chain(small_world, tmp_path / f"c{tally.chains + 1}", stores.new(), rng, 4, took, ref)
        tally.add(one)
    assert tally.kills >= KILLS, f"only {tally.kills} kills landed in {tally.chains} chains: {tally.misses[:3]}"
    assert tally.diverged == 0, tally.problems
