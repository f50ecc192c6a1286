"""Micro benchmark: compiled mapping vs a hand-written dict comprehension on DRP order lines.

Usage::

    python bench/bench_mapping.py [SCENARIO_DIR] [--rows N] [--repeat R]

Without SCENARIO_DIR it maps N synthetic ``sales_order_lines`` rows (the exact DRP headers and
value shapes); with one (made by ``gen_channel_data.py``) it reads up to N rows of
``SCENARIO_DIR/drp/sales_order_lines.csv``. Rows are read into memory first, so only mapping is
timed. Prints a table of rows/s (CPU time, best of R runs) and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hub.mapping import load_mappings  # noqa: E402
from hub.mapping.transforms import BUILTIN_TRANSFORMS  # noqa: E402

HEADERS = ("订单号", "行号", "物料编码", "数量", "单价", "金额")


def synthetic_rows(n: int, seed: int = 7) -> list[dict[str, str]]:
    """``n`` order-line rows shaped like the ChannelCo DRP file."""
    rng = random.Random(seed)
    rows = []
    order, line = 1, 0
    for _ in range(n):
        line += 1
        if line > rng.randint(1, 6):
            order, line = order + 1, 1
        qty = rng.randint(1, 400)
        cents = rng.randint(500, 9000)
        rows.append(
            dict(
                zip(
                    HEADERS,
                    (
                        f"SO25{order // 100000 % 100:02d}{order % 1000000:06d}",
                        str(line),
                        f"CC{rng.randint(1, 30):02d}{rng.choice((7, 14, 21, 28)):03d}",
                        str(qty),
                        f"{cents // 100}.{cents % 100:02d}",
                        f"{qty * cents // 100}.{qty * cents % 100:02d}",
                    ),
                )
            )
        )
    return rows


def csv_rows(scenario: Path, n: int) -> list[dict[str, str]]:
    """Up to ``n`` rows of the scenario's DRP order lines."""
    rows = []
    with (scenario / "drp" / "sales_order_lines.csv").open(encoding="gb18030", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            if i >= n:
                break
            rows.append(row)
    return rows


def baseline(r: dict[str, str]) -> dict[str, Any]:
    """What a hand-written mapper for this stream would do."""
    return {
        "external_id": f"{r['订单号']}|{r['行号']}",
        "order_ref": r["订单号"],
        "line_no": int(r["行号"]),
        "sku": r["物料编码"],
        "product_ref": r["物料编码"],
        "quantity": Decimal(r["数量"]),
        "unit_price": Decimal(r["单价"]),
        "amount": Decimal(r["金额"]),
    }


def timed(fn: Callable[[dict[str, str]], Any], rows: list[dict[str, str]], repeat: int) -> float:
    """Best rows/s (CPU time) of ``repeat`` passes of ``fn`` over ``rows``."""
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()  # CPU time: steadier than wall time on a shared machine
        for r in rows:
            fn(r)
        best = min(best, time.process_time() - t)
    return len(rows) / best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", type=Path)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--mappings", type=Path, default=ROOT / "mappings" / "channelco")
    args = ap.parse_args(argv)

    rows = csv_rows(args.scenario, args.rows) if args.scenario else synthetic_rows(args.rows)
    mset = load_mappings([args.mappings], transforms=dict(BUILTIN_TRANSFORMS))
    (mapping,) = mset.for_stream("drp", "sales_order_lines")
    got, want = mapping.apply(rows[0]), baseline(rows[0])
    if got != want:  # the two must agree before their speed is compared
        print(f"results differ:\n  mapping  {got}\n  baseline {want}", file=sys.stderr)
        return 1

    base = mapped = 0.0
    for _ in range(args.repeat):  # interleaved, so both see the same machine load
        base = max(base, timed(baseline, rows, 1))
        mapped = max(mapped, timed(mapping.apply, rows, 1))
    source = args.scenario or "synthetic"
    print(f"drp sales_order_lines, {len(rows):,} rows from {source}, best of {args.repeat}")
    print(f"{'path':<34}{'rows/s':>14}{'ratio':>8}")
    print(f"{'hand-written dict comprehension':<34}{base:>14,.0f}{1.0:>8.2f}")
    print(f"{'hub.mapping compiled closure':<34}{mapped:>14,.0f}{mapped / base:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
