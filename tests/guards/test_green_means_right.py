"""A run is green only when nothing was lost: each ordinary mistake ends non-zero, names its culprit, keeps the store."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from tests.helpers.example import Example

FAILED, CONFIG, HELD = 1, 2, 3


def _count(url: str, sql: str) -> int:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar() or 0)
    finally:
        engine.dispose()


def _ok(example: Example) -> None:
    res = example.hub("run", "channelco")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Traceback" not in res.stderr


def _no_trace(res) -> None:  # type: ignore[no-untyped-def]
    assert "Traceback" not in res.stdout + res.stderr, res.stderr


# -- source contracts ------------------------------------------------------------------------------
def test_typo_in_a_mapped_column_fails_the_stream_naming_the_rule_line(example: Example) -> None:
    example.edit_mapping("drp.yaml", "phone: {from: 电话,", "phone: {from: 电活,")
    res = example.hub("run", "channelco")
    out = res.stdout + res.stderr
    assert res.returncode == FAILED, out
    _no_trace(res)
    assert "drp.yaml:20" in out and "'电活'" in out and "party.phone" in out and "drp/customers" in out
    # the broken stream committed nothing, and nothing downstream ran
    assert _count(example.url, "SELECT count(*) FROM party WHERE system = 'drp'") == 0
    assert _count(example.url, "SELECT count(*) FROM crosswalk") == 0
    assert _count(example.url, "SELECT count(*) FROM party WHERE system = 'crm'") > 0  # the other streams were read


def test_typo_introduced_after_a_good_run_fails_before_mapping_anything(example: Example, tmp_path: Path) -> None:
    _ok(example)
    before = example.export(tmp_path / "before")
    phones = _count(example.url, "SELECT count(*) FROM party WHERE system = 'drp' AND phone IS NOT NULL")
    example.edit_mapping("drp.yaml", "credit_limit: 信用额度", "credit_limit: 信用额")
    res = example.hub("run", "channelco")
    out = res.stdout + res.stderr
    assert res.returncode == FAILED, out
    assert "'信用额'" in out and "drp.yaml:21" in out and "did you mean '信用额度'" in out
    assert example.export(tmp_path / "after") == before
    assert _count(example.url, "SELECT count(*) FROM party WHERE system = 'drp' AND credit_limit IS NOT NULL") > 0
    assert _count(example.url, "SELECT count(*) FROM party WHERE system = 'drp' AND phone IS NOT NULL") == phones


def test_columns_renamed_upstream_fail_and_leave_discrepancies_and_crosswalk_as_they_were(
    example_pg: Example, tmp_path: Path
) -> None:
    example = example_pg
    _ok(example)
    before = example.export(tmp_path / "before")
    open_before = _count(example.url, "SELECT count(*) FROM discrepancy WHERE status = 'open'")
    no_phone = _count(example.url, "SELECT count(*) FROM party WHERE system = 'drp' AND phone IS NULL")
    rows = example.read_rows("drp/customers.csv")
    rows[0] = ["联系电话" if c == "电话" else "授信额度" if c == "信用额度" else c for c in rows[0]]
    example.write_rows("drp/customers.csv", rows)
    res = example.hub("run", "channelco")
    out = res.stdout + res.stderr
    assert res.returncode == FAILED, out
    _no_trace(res)
    assert "'电话'" in out and "'信用额度'" in out and "drp/customers.csv" in out
    assert example.export(tmp_path / "after") == before
    assert _count(example.url, "SELECT count(*) FROM discrepancy WHERE status = 'open'") == open_before
    assert _count(example.url, "SELECT count(*) FROM party WHERE system = 'drp' AND phone IS NULL") == no_phone
    status = example.hub("status", "--limit", "1")
    assert "failed" in status.stdout and "电话" in status.stdout
    changes = example.hub("schema", "drp/customers")
    assert changes.returncode == 0 and "电话" in changes.stdout and "failed" in changes.stdout
    # the same mistake keeps failing until it is fixed; fixed, the run is green again
    assert example.hub("run", "channelco").returncode == FAILED
    rows[0] = ["电话" if c == "联系电话" else "信用额度" if c == "授信额度" else c for c in rows[0]]
    example.write_rows("drp/customers.csv", rows)
    _ok(example)
    assert example.export(tmp_path / "fixed") == before


def test_a_missing_source_folder_fails_naming_the_folder(example: Example) -> None:
    (example.world / "drp").rename(example.world / "drp-moved")
    res = example.hub("run", "channelco")
    out = res.stdout + res.stderr
    assert res.returncode == FAILED, out
    _no_trace(res)
    assert "does not exist" in out and str(example.world / "drp") in out
    assert _count(example.url, "SELECT count(*) FROM crosswalk") == 0


# -- guards ----------------------------------------------------------------------------------------
def test_a_header_only_file_holds_the_run_until_accepted(example_pg: Example, tmp_path: Path) -> None:
    example = example_pg
    _ok(example)
    before = example.export(tmp_path / "before")
    rows = example.read_rows("drp/sales_orders.csv")
    example.write_rows("drp/sales_orders.csv", rows[:1])
    res = example.hub("run", "channelco")
    out = res.stdout + res.stderr
    assert res.returncode == HELD, out
    _no_trace(res)
    assert "drp/sales_orders.csv" in out and "no record" in out and "--accept" in out
    assert example.export(tmp_path / "held") == before
    assert example.hub("run", "channelco").returncode == HELD  # still held: the delivery is read again
    assert "held" in example.hub("status", "--limit", "1").stdout
    accepted = example.hub("run", "channelco", "--accept", "drp/sales_orders")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


def test_an_empty_export_on_the_first_run_holds(example: Example) -> None:
    rows = example.read_rows("drp/invoices.csv")
    example.write_rows("drp/invoices.csv", rows[:1])
    res = example.hub("run", "channelco")
    assert res.returncode == HELD, res.stdout + res.stderr
    assert "drp/invoices.csv" in res.stdout
    assert _count(example.url, "SELECT count(*) FROM crosswalk") == 0


def test_a_delivery_with_far_fewer_rows_holds(example: Example, tmp_path: Path) -> None:
    _ok(example)
    before = example.export(tmp_path / "before")
    rows = example.read_rows("drp/sales_order_lines.csv")
    example.write_rows("drp/sales_order_lines.csv", rows[: len(rows) // 4])
    res = example.hub("run", "channelco")
    out = res.stdout + res.stderr
    assert res.returncode == HELD, out
    assert "drp/sales_order_lines.csv" in out and "fewer" in out
    assert example.export(tmp_path / "after") == before
    ok = example.hub("run", "channelco", "--accept", "drp")
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_a_mostly_filled_column_gone_empty_holds(example: Example, tmp_path: Path) -> None:
    _ok(example)
    before = example.export(tmp_path / "before")
    no_phone = _count(example.url, "SELECT count(*) FROM party WHERE system = 'drp' AND phone IS NULL")
    rows = example.read_rows("drp/customers.csv")
    col = rows[0].index("电话")
    for r in rows[1:]:
        r[col] = ""
    example.write_rows("drp/customers.csv", rows)
    res = example.hub("run", "channelco")
    out = res.stdout + res.stderr
    assert res.returncode == HELD, out
    assert "电话" in out and "party.phone" in out and "filled" in out
    assert example.export(tmp_path / "after") == before
    assert _count(example.url, "SELECT count(*) FROM party WHERE system = 'drp' AND phone IS NULL") == no_phone


def test_guards_are_configurable_per_stream(example: Example) -> None:
    _ok(example)
    cfg = example.config.read_text(encoding="utf-8")
    cfg = cfg.replace(
        "    mappings: [../../mappings/channelco/drp.yaml",
        "    guards: {streams: {sales_orders: {empty: allow}}}\n    mappings: [../../mappings/channelco/drp.yaml",
    )
    example.config.write_text(cfg, encoding="utf-8")
    rows = example.read_rows("drp/sales_orders.csv")
    example.write_rows("drp/sales_orders.csv", rows[:1])
    res = example.hub("run", "channelco")
    assert res.returncode == 0, res.stdout + res.stderr


# -- run control -----------------------------------------------------------------------------------
def test_only_reads_the_named_streams_and_full_refresh_reads_again(example: Example) -> None:
    res = example.hub("run", "channelco", "--only", "drp/customers", "--only", "crm")
    assert res.returncode == 0, res.stdout + res.stderr
    assert _count(example.url, "SELECT count(*) FROM sales_order WHERE system = 'drp'") == 0
    assert _count(example.url, "SELECT count(*) FROM party WHERE system = 'drp'") > 0
    again = example.hub("run", "channelco", "--only", "drp/customers", "--full-refresh", "drp/customers")
    assert again.returncode == 0
    assert (
        _count(
            example.url,
            "SELECT rows_in FROM stage_log WHERE stage = 'extract' AND stream = 'customers' ORDER BY id DESC LIMIT 1",
        )
        == 36
    )
    bad = example.hub("run", "channelco", "--only", "drp/custmers")
    assert bad.returncode == CONFIG and "drp/custmers" in bad.stderr
    _no_trace(bad)


def test_map_counts_are_shown_per_entity(example: Example) -> None:
    res = example.hub("run", "channelco")
    assert res.returncode == 0
    assert "mapped:" in res.stdout and "party 73" in res.stdout


def test_an_unreachable_store_is_one_line_not_a_traceback(example: Example) -> None:
    example.url = "postgresql://hub@127.0.0.1:1/nowhere"
    res = example.hub("run", "channelco")
    assert res.returncode == FAILED, res.stderr
    _no_trace(res)
    assert "store" in res.stderr.lower() and "127.0.0.1" in res.stderr


def test_status_names_outcome_and_culprit(example: Example) -> None:
    rows = example.read_rows("drp/invoices.csv")
    example.write_rows("drp/invoices.csv", rows[:1])
    example.hub("run", "channelco")
    res = example.hub("status", "--limit", "1")
    assert "held" in res.stdout and "drp/invoices.csv" in res.stdout


def test_schema_shows_observed_columns(example: Example) -> None:
    _ok(example)
    res = example.hub("schema", "drp/customers")
    assert res.returncode == 0, res.stderr
    assert "电话" in res.stdout and "客户编码" in res.stdout
    allc = example.hub("schema", "drp")
    assert "customers" in allc.stdout and "sales_orders" in allc.stdout


def test_a_held_run_leaves_every_reconciled_table_as_it_was(example: Example) -> None:
    _ok(example)
    tables = ("crosswalk", "discrepancy", "golden_lineage", "review_item")
    before = {t: _count(example.url, f"SELECT count(*) FROM {t}") for t in tables}
    rows = example.read_rows("drp/payments.csv")
    example.write_rows("drp/payments.csv", rows[:1])
    assert example.hub("run", "channelco").returncode == HELD
    assert {t: _count(example.url, f"SELECT count(*) FROM {t}") for t in tables} == before
