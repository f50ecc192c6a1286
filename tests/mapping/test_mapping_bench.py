"""The mapping micro benchmark runs, and its mapping agrees with the hand-written baseline."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_mapping.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_mapping", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_prints_a_table_with_ratio(capsys):
    bench = _bench()
    assert bench.main(["--rows", "500", "--repeat", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["path", "rows/s", "ratio"]
    assert out[2].startswith("hand-written") and out[3].startswith("hub.mapping")
    assert float(out[2].split()[-1]) == 1.0 and float(out[3].split()[-1]) > 0


def test_mapping_equals_baseline_on_every_synthetic_row():
    bench = _bench()
    from hub.mapping import load_mappings
    from hub.mapping.transforms import BUILTIN_TRANSFORMS

    (m,) = load_mappings([bench.ROOT / "mappings" / "channelco"], transforms=dict(BUILTIN_TRANSFORMS)).for_stream(
        "drp", "sales_order_lines"
    )
    rows = bench.synthetic_rows(2000, seed=3)
    assert [m.apply(r) for r in rows] == [bench.baseline(r) for r in rows]
