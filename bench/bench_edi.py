"""Benchmark: X12/EDIFACT parsing speed (segments/s) of a ChannelCo scenario against plain str.split.

Usage: python bench/bench_edi.py SCENARIO_DIR [--repeat 3]

Reads every ``*.x12`` / ``*.edi`` file under SCENARIO_DIR/edi and prints a table: the baseline
(read the bytes, split into segments and elements with str.split), the reader with envelope
validation (``parse``), and the reader plus canonical mapping. Medians of ``--repeat`` runs.
Don't point it at a 100k scenario on a shared machine; 10k customers is plenty.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.edi import edifact, transactions, transactions_edifact, x12  # noqa: E402


def baseline(files: list[Path]) -> int:
    n = 0
    for f in files:
        text = f.read_bytes().decode("utf-8")
        for seg in text.split("~"):
            seg = seg.strip()
            if seg:
                seg.split("*")
                n += 1
    return n


def reader(files: list[Path], mapping: bool = False) -> int:
    n = 0
    for f in files:
        if f.suffix == ".edi":
            for ic in edifact.parse(f):
                n += ic.segment_count
                if mapping:
                    for _ in transactions_edifact.map_interchange(ic):
                        pass
        else:
            for ic in x12.parse(f):
                n += ic.segment_count
                if mapping:
                    for _ in transactions.map_interchange(ic):
                        pass
    return n


def _time(fn, *args) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    n = fn(*args)
    return time.perf_counter() - t, n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    files = sorted(p for p in (args.scenario / "edi").rglob("*") if p.suffix in (".x12", ".edi"))
    if not files:
        print(f"no EDI files under {args.scenario / 'edi'}", file=sys.stderr)
        return 2
    rows = []
    for label, fn, extra in (
        ("str.split baseline", baseline, ()),
        ("reader + envelope validation", reader, ()),
        ("reader + validation + canonical mapping", reader, (True,)),
    ):
        runs = [_time(fn, files, *extra) for _ in range(args.repeat)]
        secs = statistics.median(r[0] for r in runs)
        rows.append((label, runs[0][1], secs))
    base_rate = rows[0][1] / rows[0][2]
    print(f"{len(files)} files")
    print(f"{'path':<42} {'segments':>10} {'seconds':>9} {'segments/s':>12} {'vs split':>9}")
    for label, n, secs in rows:
        rate = n / secs
        print(f"{label:<42} {n:>10,} {secs:>9.3f} {rate:>12,.0f} {rate / base_rate:>8.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
