"""Benchmark: extract's two JSON texts per record (hashed and staged), encoder against template.

    python -m bench.bench_record_text --customers 10000 [--customers 100000]

Reads every CSV file of the ChannelCo world batch by batch, as the CSV connector gives its rows
(dicts of text), and times on each batch, alternately, the two encoder passes extract made
before (``dumps(record)`` and ``dumps(list(record.values()))``) and :class:`hub.store.flatjson.FlatJson`
(the template where it applies, the encoder otherwise), checking that the texts are the same.
CPU time of this process; one table per world with microseconds per row and the ratio.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from bench.bench_load import csv_files, scenario
from hub.store.flatjson import FlatJson
from hub.store.payload import dumps

BATCH = 5_000


def _encoder(rows: list[dict[str, str]]) -> None:
    for d in rows:
        tuple(d)  # the column list extract takes of every record either way
        dumps(d)
        dumps(list(d.values()))


def _template(flat: FlatJson, rows: list[dict[str, str]]) -> int:
    made = 0
    for d in rows:
        _record, listed = flat.texts(tuple(d), d)
        if listed is None:
            dumps(list(d.values()))
        else:
            made += 1
    return made


def _same(flat: FlatJson, rows: list[dict[str, str]]) -> bool:
    for d in rows:
        record, listed = flat.texts(tuple(d), d)
        if record != dumps(d) or (listed is not None and listed != dumps(list(d.values()))):
            return False
    return True


def measure(path: Path, enc: str) -> dict[str, float]:
    flat = FlatJson()
    out = {"rows": 0, "encoder": 0.0, "template": 0.0, "made": 0, "same": True}
    with path.open(encoding=enc, newline="") as fh:
        reader = csv.DictReader(fh)
        while True:
            rows = [r for _, r in zip(range(BATCH), reader)]
            if not rows:
                break
            t = time.process_time()
            _encoder(rows)
            out["encoder"] += time.process_time() - t
            t = time.process_time()
            out["made"] += _template(flat, rows)
            out["template"] += time.process_time() - t
            out["same"] = out["same"] and _same(flat, rows)
            out["rows"] += len(rows)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, action="append", help="world size (repeatable; default 10000)")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "channelhub-bench")
    args = ap.parse_args()
    for n in args.customers or [10_000]:
        world = scenario(n, args.workdir)
        print(f"\nRecord texts, ChannelCo {n:,} customers (CPU µs per row; two encoder passes vs FlatJson)")
        print(f"{'file':34s} {'rows':>10s} {'encoder':>8s} {'template':>8s} {'ratio':>6s} {'templated':>9s} same")
        total = {"rows": 0, "encoder": 0.0, "template": 0.0, "made": 0}
        for system, path, enc in csv_files(world):
            m = measure(path, enc)
            for k in total:
                total[k] += m[k]
            name = f"{system}/{path.name}"
            _row(name, m, "yes" if m["same"] else "NO")
        _row("all", total, "")


def _row(name: str, m: dict, same: str) -> None:
    rows = max(int(m["rows"]), 1)
    old, new = m["encoder"] / rows * 1e6, m["template"] / rows * 1e6
    ratio = new / old if old else 0.0
    print(f"{name:34s} {int(m['rows']):>10,} {old:8.2f} {new:8.2f} {ratio:6.2f} {m['made'] / rows:9.1%} {same}")


if __name__ == "__main__":
    main()
