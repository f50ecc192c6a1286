"""Fuzz the real connectors' read() at full count and print a table: target, inputs, hub errors, untyped errors.

    python bench/fuzz.py [--examples 10000] [--targets csv,x12,edifact] [--seed 0]

Runs the strategies of ``tests/reliability/fuzz_targets.py`` (the CI test runs 200 per target).
An untyped error is any exception other than a HubError coming out of read(), raised or carried
by a record; the first few are printed with the input that caused them. Exit status 1 if any.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

from tests.reliability.fuzz_targets import TARGETS, feed  # noqa: E402


def fuzz(
    name: str, examples: int, rng_seed: int
) -> tuple[Counter[str], list[tuple[dict[str, Any], BaseException]], float]:
    """Run ``examples`` generated inputs through one target; returns outcome counts, untyped samples, seconds."""
    strategy, run = TARGETS[name]
    counts: Counter[str] = Counter()
    samples: list[tuple[dict[str, Any], BaseException]] = []

    @seed(rng_seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def body(case: dict[str, Any]) -> None:
        outcome = feed(run, case)
        counts[outcome.kind] += 1
        if outcome.kind == "untyped" and len(samples) < 3 and outcome.error is not None:
            samples.append((case, outcome.error))

    start = time.perf_counter()
    body()
    return counts, samples, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = []
    untyped_total = 0
    for name in args.targets.split(","):
        counts, samples, took = fuzz(name, args.examples, args.seed)
        inputs = sum(counts.values())
        rows.append((name, inputs, counts["hub"], counts["untyped"], took))
        untyped_total += counts["untyped"]
        for case, error in samples:
            print(f"--- {name}: {type(error).__name__} for {case.get('name')} ({len(case.get('data', b''))} bytes)")
            print("".join(traceback.format_exception(error))[-1500:])
    print(f"{'target':<10} {'inputs':>8} {'hub errors':>11} {'untyped errors':>15} {'seconds':>8}")
    for name, inputs, hub, untyped, took in rows:
        print(f"{name:<10} {inputs:>8} {hub:>11} {untyped:>15} {took:>8.1f}")
    return 1 if untyped_total else 0


if __name__ == "__main__":
    sys.exit(main())
