"""Incremental reconciliation: a rerun after a few source changes equals a full run on the changed data."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hub.export import export
from hub.runner import run_pipeline
from tests.helpers.channelco import channelco_store
from tests.pipeline.snapshot import snapshot


def _edit_csv(path: Path, encoding: str, edits: dict[int, dict[str, str]]) -> None:
    text = path.read_bytes().decode(encoding)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0]
    for line, changes in edits.items():
        for col, value in changes.items():
            rows[line][header.index(col)] = value
    buf = io.StringIO()
    csv.writer(
        buf, lineterminator="\r\n", quoting=csv.QUOTE_ALL if encoding == "utf-8" else csv.QUOTE_MINIMAL
    ).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def test_rerun_after_changes_matches_a_full_run_and_skips_unchanged_work(
    world: Path, tmp_path: Path, monkeypatch
) -> None:
    config, engine = channelco_store(monkeypatch, world, f"sqlite:///{tmp_path / 'inc.db'}")
    run_pipeline(config, "channelco", engine=engine)

    # nothing changed: every reconciliation step is skipped
    rerun = run_pipeline(config, "channelco", engine=engine)
    detail = next(s for s in rerun.stages if s["stage"] == "reconcile")
    assert detail["party"]["skipped"] == "no change since the last reconciliation"
    assert detail["party"]["golden_changed"] == 0
    assert detail["discrepancies"] == {"skipped": "no change since the last reconciliation"}

    # a few changes: an order amount, a credit limit, a CRM account name
    _edit_csv(world / "drp" / "sales_orders.csv", "gb18030", {3: {"订单金额": "99999.99"}})
    _edit_csv(world / "drp" / "customers.csv", "gb18030", {4: {"信用额度": "1.00"}})
    _edit_csv(world / "crm" / "Account.csv", "utf-8", {5: {"Name": "Renamed Trading Co., Ltd."}})
    inc = run_pipeline(config, "channelco", engine=engine)
    assert inc.changes > 0
    export(engine, tmp_path / "inc", ["crm", "drp"])
    got = snapshot(engine)

    _config, fresh = channelco_store(monkeypatch, world, f"sqlite:///{tmp_path / 'full.db'}")
    run_pipeline(config, "channelco", engine=fresh)
    export(fresh, tmp_path / "full", ["crm", "drp"])
    expected = snapshot(fresh)
    for table in expected:
        if table == "source_record":  # locations and first-seen runs legitimately differ
            continue
        assert got[table] == expected[table], table
    for name in ("crosswalk.csv", "discrepancies.csv"):
        assert (tmp_path / "inc" / name).read_bytes() == (tmp_path / "full" / name).read_bytes(), name
