"""Each section's numbers against values computed by hand for the small store in report_store.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from report_store import AS_OF, EVIL_MEMO, EVIL_NAME
from sqlalchemy import Engine

from hub.errors import StoreError
from hub.report.build import build_report, make_scope
from hub.report.config import ReportConfig
from hub.report.model import Scope
from hub.report.sections.receivables import bucket


def _report(engine: Engine, cfg: ReportConfig, run: str | int | None = "latest", **scope: object):
    base = make_scope(engine, cfg, run)
    return build_report(
        engine,
        cfg,
        Scope(
            **{
                **{f: getattr(base, f) for f in ("as_of", "run_id", "pipeline", "date_from", "date_to", "teams")},
                **scope,
            }
        ),
    )


def test_latest_run_skips_failed_runs(small_engine: Engine, report_config: ReportConfig) -> None:
    scope = make_scope(small_engine, report_config)
    assert (scope.run_id, scope.pipeline, scope.as_of) == (2, "channelco", AS_OF)
    with pytest.raises(StoreError, match="no run 9"):
        make_scope(small_engine, report_config, 9)
    with pytest.raises(StoreError, match="no succeeded run of pipeline 'other'"):
        make_scope(small_engine, report_config, "latest", pipeline="other")


def test_summary(small_engine: Engine, report_config: ReportConfig) -> None:
    s = _report(small_engine, report_config).section("summary")
    fig = {f.key: f.value for f in s.figures}
    # party 5 records (A1~C1 matched), salesperson 3 (U1~S1), sales_order 3 (O1~SO1): 11 records, 6 matched
    assert fig == {
        "systems": 2,
        "records": 11,
        "matched": 6,
        "match_rate": D("0.5455"),
        "open_discrepancies": 5,
        "high_severity": 2,
        "change_vs_previous": 2,
    }
    assert s.table("matching").records() == [
        {"entity": "party", "systems": "crm, drp", "records": 5, "matched": 2, "linked": 1, "match_rate": D("0.4000")},
        {
            "entity": "sales_order",
            "systems": "crm, drp",
            "records": 3,
            "matched": 2,
            "linked": 1,
            "match_rate": D("0.6667"),
        },
        {
            "entity": "salesperson",
            "systems": "crm, drp",
            "records": 3,
            "matched": 2,
            "linked": 1,
            "match_rate": D("0.6667"),
        },
    ]
    by_kind = {r["kind"]: (r["high"], r["medium"], r["total"]) for r in s.table("discrepancies").records()}
    assert by_kind == {
        "credit_exceeded": (1, 0, 1),
        "duplicate_customer": (0, 1, 1),
        "order_amount_mismatch": (1, 0, 1),
        "order_missing_in_crm": (0, 1, 1),
        "unapplied_payment": (0, 1, 1),
    }
    # run 1: 3 alive (O1|SO1, O2, duplicate), all opened then; run 2: 5 alive, 3 opened, O2 resolved
    assert [r[0:1] + r[3:] for r in s.table("trend").rows] == [(1, 3, 3, 0), (2, 5, 3, 1)]


def test_summary_at_an_earlier_run(small_engine: Engine, report_config: ReportConfig) -> None:
    s = _report(small_engine, report_config, run=1).section("summary")
    assert s.figure("open_discrepancies").value == 3
    assert s.figure("high_severity").value == 2  # O1|SO1 and O2, still open at run 1
    assert [r[0] for r in s.table("trend").rows] == [1]


def test_orders_side_by_side(small_engine: Engine, report_config: ReportConfig) -> None:
    s = _report(small_engine, report_config).section("orders")
    rows = s.table("orders").records()
    assert [(r["kind"], r["crm_order"], r["drp_order"]) for r in rows] == [
        ("order_amount_mismatch", "00000001", "SO1"),
        ("order_missing_in_crm", None, "SO2"),
    ]
    first = rows[0]
    assert (first["customer"], first["crm_amount"], first["drp_amount"], first["difference"]) == (
        "上海华信贸易有限公司",
        D("4100"),
        D("4000"),
        D("-100.00"),
    )
    assert (first["crm_status"], first["drp_status"], first["crm_date"]) == (
        "Activated",
        "已审核",
        dt.date(2026, 3, 25),
    )
    assert rows[1]["customer"] == EVIL_NAME and rows[1]["drp_amount"] == D("2000")
    fig = {f.key: f.value for f in s.figures}
    assert fig["orders_disagreeing"] == 2 and fig["missing_in_drp"] == 0  # O2's discrepancy was resolved in run 2
    assert fig["amount_gap"] == D("100.00") and fig["missing_value"] == D("2000.00")
    # at run 1 the missing CRM order O2 was still open
    s1 = _report(small_engine, report_config, run=1).section("orders")
    assert [r["kind"] for r in s1.table("orders").records()] == ["order_amount_mismatch", "order_missing_in_drp"]


def test_orders_date_range(small_engine: Engine, report_config: ReportConfig) -> None:
    s = _report(small_engine, report_config, date_from=dt.date(2026, 3, 26)).section("orders")
    assert [r["drp_order"] for r in s.table("orders").records()] == ["SO2"]


def test_inventory(small_engine: Engine, report_config: ReportConfig) -> None:
    s = _report(small_engine, report_config).section("inventory")
    assert s.table("warehouses").rows == (
        (
            "W1",
            "华信寄售仓",
            "C1",
            "上海华信贸易有限公司",
            2,
            D("150"),
            D("145"),
            1,
            D("5"),
            D("62.50"),
            dt.date(2026, 3, 30),
            False,
        ),
        (
            "W2",
            "Consignment C2",
            "C2",
            EVIL_NAME,
            1,
            D("10"),
            D("10"),
            0,
            D("0"),
            D("0.00"),
            dt.date(2026, 3, 20),
            True,
        ),
    )
    assert s.table("variances").rows == (
        ("W1", "上海华信贸易有限公司", "SKU-A", "洗碗块", D("100"), D("95"), D("5"), D("12.50"), D("62.50")),
    )
    fig = {f.key: f.value for f in s.figures}
    assert fig == {
        "warehouses": 2,
        "reported_this_week": 1,
        "stale_reports": 1,
        "skus_differing": 1,
        "variance_value": D("62.50"),
    }


def test_aging_buckets_edges() -> None:
    assert [bucket(d, "due_date") for d in (-1, 0, 30, 31, 60, 61, 90, 91)] == [
        "not_due",
        "d0_30",
        "d0_30",
        "d31_60",
        "d31_60",
        "d61_90",
        "d61_90",
        "d90_plus",
    ]
    assert bucket(-5, "invoice_date") == "d0_30"


def test_receivables(small_engine: Engine, report_config: ReportConfig) -> None:
    s = _report(small_engine, report_config).section("receivables")
    fig = {f.key: f.value for f in s.figures}
    assert fig == {
        "open_receivables": D("15500.00"),
        "overdue": D("14500.00"),
        "over_limit": 1,
        "over_limit_amount": D("1000.00"),
        "over_90": D("5000.00"),
        "unapplied_payments": 1,
        "unapplied_amount": D("1000.00"),
        "aging_not_due": D("1000.00"),
        "aging_d0_30": D("2500.00"),
        "aging_d31_60": D("6000.00"),
        "aging_d61_90": D("1000.00"),
        "aging_d90_plus": D("5000.00"),
    }
    assert s.table("credit").rows == (
        (
            "C1",
            "上海华信贸易有限公司",
            "华东大区",
            D("10000.00"),
            D("7000.00"),
            2,
            D("4000.00"),
            D("11000.00"),
            D("1000.00"),
        ),
    )
    aging = {
        r["customer"]: (r["open"], r["not_due"], r["d0_30"], r["d31_60"], r["d61_90"], r["d90_plus"])
        for r in s.table("aging").records()
    }
    assert aging == {
        "C1": (D("7000.00"), D("1000.00"), D("0.00"), D("6000.00"), D("0.00"), D("0.00")),
        "C2": (D("5000.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("5000.00")),
        "C3": (D("3500.00"), D("0.00"), D("2500.00"), D("0.00"), D("1000.00"), D("0.00")),
    }
    (u,) = s.table("unapplied").records()
    assert (u["payment"], u["customer"], u["amount"], u["memo"]) == (
        "P1",
        "北京远大商贸有限公司 (C3)",
        D("1000"),
        EVIL_MEMO,
    )
    # I6's open amount equals the payment, so it is suggested first
    assert u["suggested"] == "I6 (open 1,000.00); I5 (open 2,500.00)"


def test_receivables_for_one_team(small_engine: Engine, report_config: ReportConfig) -> None:
    s = _report(small_engine, report_config, teams=("华东大区",)).section("receivables")
    assert s.figure("open_receivables").value == D("10500.00")
    assert s.figure("aging_d90_plus").value == D("0.00")
    assert [r["customer"] for r in s.table("aging").records()] == ["C1", "C3"]


def test_receivables_by_invoice_date(small_engine: Engine) -> None:
    cfg = ReportConfig(as_of=AS_OF, aging_basis="invoice_date")
    s = _report(small_engine, cfg).section("receivables")
    # ages since invoice date: I1 80 d, I2 11 d, I3 150 d, I5 30 d, I6 106 d
    fig = {f.key: f.value for f in s.figures}
    assert (fig["aging_d0_30"], fig["aging_d61_90"], fig["aging_d90_plus"]) == (
        D("3500.00"),
        D("6000.00"),
        D("6000.00"),
    )
    assert "overdue" not in fig


def test_sales_commissions(small_engine: Engine, report_config: ReportConfig) -> None:
    s = _report(small_engine, report_config).section("sales")
    rows = {r["code"]: r for r in s.table("salespeople").records()}
    s1, s2 = rows["S1"], rows["S2"]
    assert (
        s1["team"],
        s1["name"],
        s1["crm_booked"],
        s1["drp_orders"],
        s1["invoiced"],
        s1["collected"],
        s1["open"],
    ) == ("华东大区", "王芳", D("5600.00"), D("10000.00"), D("12500.00"), D("2000.00"), D("10500.00"))
    assert (s1["rate"], s1["commission_invoiced"], s1["commission"], s1["collection_rate"]) == (
        D("0.02"),
        D("250.00"),
        D("40.00"),
        D("0.1600"),
    )
    assert (
        s2["crm_booked"],
        s2["drp_orders"],
        s2["invoiced"],
        s2["collected"],
        s2["commission"],
        s2["commission_invoiced"],
    ) == (D("0.00"), D("2000.00"), D("24000.00"), D("19000.00"), D("285.00"), D("360.00"))
    fig = {f.key: f.value for f in s.figures}
    assert fig == {
        "crm_booked": D("5600.00"),
        "invoiced": D("36500.00"),
        "collected": D("21000.00"),
        "collection_rate": D("0.5753"),
        "commission": D("325.00"),
        "commission_pending": D("285.00"),
    }
    teams = {
        r["team"]: (r["salespeople"], r["invoiced"], r["collected"], r["commission"])
        for r in s.table("teams").records()
    }
    assert teams == {
        "华东大区": (1, D("12500.00"), D("2000.00"), D("40.00")),
        "华北大区": (1, D("24000.00"), D("19000.00"), D("285.00")),
    }


def test_sales_date_range_and_team(small_engine: Engine, report_config: ReportConfig) -> None:
    s = _report(small_engine, report_config, date_from=dt.date(2026, 3, 1), teams=("华东大区",)).section("sales")
    (row,) = s.table("salespeople").records()
    # invoices I2 (3000, open 1000) and I5 (2500, open 2500); orders SO1; CRM O1 (O3 is a draft)
    assert (
        row["code"],
        row["invoiced"],
        row["collected"],
        row["drp_orders"],
        row["crm_booked"],
        row["commission"],
    ) == ("S1", D("5500.00"), D("2000.00"), D("4000.00"), D("4100.00"), D("40.00"))


def test_quality(small_engine: Engine, report_config: ReportConfig) -> None:
    s = _report(small_engine, report_config).section("quality")
    assert {f.key: f.value for f in s.figures} == {"duplicates": 1, "review_queue": 2, "quarantined": 3}
    (dup,) = s.table("duplicates").records()
    assert (dup["system"], dup["id_a"], dup["name_a"], dup["id_b"], dup["status"]) == (
        "drp",
        "C2",
        EVIL_NAME,
        "C3",
        "acknowledged",
    )
    assert [(r["id_a"], r["id_b"], r["score"]) for r in s.table("review").records()] == [
        ("A2", "C3", D("7.25")),
        ("A1", "C2", D("6.5")),
    ]
    q = [(r["system"], r["error"], r["field"], r["records"]) for r in s.table("quarantine").records()]
    assert q == [("drp", "MappingError", "credit_limit", 2), ("crm", "ParseError", None, 1)]


def test_max_rows_cuts_tables_but_counts_all(small_engine: Engine) -> None:
    s = _report(small_engine, ReportConfig(as_of=AS_OF, max_rows=1)).section("receivables")
    aging = s.table("aging")
    assert (len(aging.rows), aging.total_rows, aging.truncated) == (1, 3, True)
    assert s.figure("open_receivables").value == D("15500.00")  # figures are never cut
