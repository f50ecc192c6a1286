"""`make demo`: generate the project's own small ChannelCo world, run the pipeline, say where the outputs are.

Everything runs on the embedded default: a SQLite file store and the in-process runner.
Outputs go to ``var/demo/`` at the repository root.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "var" / "demo"


def main() -> int:
    sys.path.insert(0, str(HERE))
    from demo_world import generate

    from hub.config import load_config
    from hub.export import export
    from hub.runner import open_store, run_pipeline

    world = OUT / "world"
    started = time.perf_counter()
    counts = generate(world, seed=7, customers=200)
    os.environ["CHANNELCO_DIR"] = str(world)
    os.environ["HUB_DATABASE_URL"] = f"sqlite:///{OUT / 'hub.db'}"
    config = load_config(HERE / "hub.yaml")
    engine = open_store(config)
    result = run_pipeline(config, "channelco", engine=engine)
    exported = export(engine, OUT / "export", ["crm", "drp"])
    took = time.perf_counter() - started

    print(f"ChannelHub demo: run {result.run_id} {result.status} in {took:.1f}s")
    print(f"  world generated:   {world}  ({', '.join(f'{k} {v}' for k, v in sorted(counts.items())[:6])})")
    for s in result.stages:
        if s["stage"] != "extract":
            where = f"{s['system']}/{s['stream']}" if s["system"] else ""
            print(f"  {s['stage']:<9} {where:<28} in {s['rows_in']:>7,}  changed {s['rows_changed']:>7,}  quarantined {s['rows_quarantined']:>4,}")
    print("outputs:")
    print(f"  store:          {OUT / 'hub.db'}")
    print(f"  crosswalk:      {OUT / 'export' / 'crosswalk.csv'} ({exported['crosswalk']:,} rows)")
    print(f"  discrepancies:  {OUT / 'export' / 'discrepancies.csv'} ({exported['discrepancies']:,} rows)")
    print(f"inspect with:     CHANNELCO_DIR={world} HUB_DATABASE_URL=sqlite:///{OUT / 'hub.db'} .venv/bin/hub -c examples/channelco/hub.yaml status")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
