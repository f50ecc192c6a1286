"""Command line of the demo world generator: ``python -m testkit.world OUT_DIR [--seed N] [--customers N]``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from testkit.world.world import generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m testkit.world", description="Write a small ChannelCo demo world (CRM, DRP, X12, truth)."
    )
    ap.add_argument("out_dir", type=Path, help="output folder (created if missing)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--customers", type=int, default=200, help="real-world customers incl. HQ and branches (>= 20)")
    a = ap.parse_args(argv)
    if a.customers < 20:
        ap.error("--customers must be >= 20")
    t0 = time.perf_counter()
    c = generate(a.out_dir, a.seed, a.customers)
    print(
        "demo world seed=%d customers=%d crm_accounts=%d drp_customers=%d crm_orders=%d drp_orders=%d "
        "invoices=%d payments=%d x12_files=%d discrepancies=%d -> %s in %.2fs"
        % (
            a.seed,
            a.customers,
            c["crm_accounts"],
            c["drp_customers"],
            c["crm_orders"],
            c["drp_orders"],
            c["invoices"],
            c["payments"],
            sum(c["x12_files"].values()),
            sum(c["discrepancies"].values()),
            a.out_dir,
            time.perf_counter() - t0,
        )
    )
    return 0
