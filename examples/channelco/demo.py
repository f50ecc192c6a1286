"""`make demo`: generate the project's own small ChannelCo world, run the pipeline, say where the outputs are.

Everything runs on the embedded default: a SQLite file store and the in-process runner.
Outputs go to ``var/demo/`` at the repository root. Run from the repository root as
``python -m examples.channelco.demo`` (the demo world and the test servers come from ``testkit/``).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "var" / "demo"


def main() -> int:
    from hub.config import load_config
    from hub.export import export
    from hub.runner import open_store, run_pipeline
    from testkit.world import generate

    world = OUT / "world"
    shutil.rmtree(OUT, ignore_errors=True)  # every demo starts from an empty store
    started = time.perf_counter()
    generate(world, seed=7, customers=200)
    os.environ["CHANNELCO_DIR"] = str(world)
    os.environ["HUB_DATABASE_URL"] = f"sqlite:///{OUT / 'hub.db'}"
    config = load_config(HERE / "hub.yaml")
    engine = open_store(config)
    result = run_pipeline(config, "channelco", engine=engine)
    exported = export(engine, OUT / "export", ["crm", "drp"])
    from hub.report.config import load_report_config
    from hub.report.service import write_report

    report = write_report(engine, load_report_config(HERE / "report.yaml"), OUT / "report", run=result.run_id)
    took = time.perf_counter() - started

    print(f"ChannelHub demo: run {result.run_id} {result.status} in {took:.1f}s")
    print(f"  world generated: {world}")
    for system in ("crm", "drp", "edi"):
        rows = [st for st in result.stages if st["stage"] == "extract" and st["system"] == system]
        if rows:
            print(
                f"  {system}: {sum(st['rows_in'] for st in rows):,} records read from {len(rows)} streams, "
                f"{sum(st['rows_changed'] for st in rows):,} new or changed, {sum(st['rows_quarantined'] for st in rows):,} quarantined"
            )
    detail = next(st for st in result.stages if st["stage"] == "reconcile")
    for entity, label in (
        ("party", "customers"),
        ("sales_order", "orders"),
        ("salesperson", "salespeople"),
        ("product", "products"),
    ):
        d = detail.get(entity) or {}
        if "records" in d:
            print(f"  {label}: {d['records']:,} records, {d['linked_clusters']:,} linked across systems")
    print("  open discrepancies: " + ", ".join(f"{kind} {n}" for kind, n in open_discrepancies(engine)))
    print("outputs:")
    print(f"  store:          {OUT / 'hub.db'}")
    print(f"  crosswalk:      {OUT / 'export' / 'crosswalk.csv'} ({exported['crosswalk']:,} rows)")
    print(f"  discrepancies:  {OUT / 'export' / 'discrepancies.csv'} ({exported['discrepancies']:,} rows)")
    print(f"  report:         {OUT / 'report' / 'report.html'} (+ XLSX and CSV: {len(report.all_files)} files)")
    print(
        "live systems: the same world served by the Salesforce-compatible and DRP SOAP test servers, pushed both ways"
    )
    from examples.channelco.live_demo import run_live_demo

    live = run_live_demo(OUT / "live", world)
    print(
        f"inspect with:     CHANNELCO_DIR={world} HUB_DATABASE_URL=sqlite:///{OUT / 'hub.db'} .venv/bin/hub -c examples/channelco/hub.yaml status"
    )
    return live


def open_discrepancies(engine):  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from hub.store.models import Discrepancy

    with engine.connect() as conn:
        return conn.execute(
            select(Discrepancy.kind, func.count())
            .where(Discrepancy.status == "open")
            .group_by(Discrepancy.kind)
            .order_by(Discrepancy.kind)
        ).all()


if __name__ == "__main__":
    raise SystemExit(main())
