"""Channel hierarchy roll-ups and commission per salesperson and month, by hand on the small store."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from sqlalchemy import Engine, text

from hub.report.build import build_report, make_scope
from hub.report.config import ReportConfig
from hub.report.sections.hierarchy import rollup


def test_rollup_adds_every_descendant_once_and_stops_at_a_cycle() -> None:
    parent = {"B": None, "D": "B", "A": "D", "S": "D", "X": "Y", "Y": "X"}
    own = {
        "B": {"sales": D(1)},
        "D": {"sales": D(10)},
        "A": {"sales": D(100), "receivables": D(5)},
        "S": {"open_orders": D(7)},
        "X": {"sales": D(1000)},
    }
    got = rollup(parent, own)
    assert (got["B"]["sales"], got["B"]["receivables"], got["B"]["open_orders"], got["B"]["below"]) == (
        D(111),
        D(5),
        D(7),
        3,
    )
    assert (got["D"]["sales"], got["D"]["below"]) == (D(110), 2)
    assert (got["A"]["sales"], got["A"]["below"]) == (D(100), 0)
    assert got["Y"]["sales"] == D(1000) and got["X"]["sales"] == D(1000)  # a parent cycle counts each once


def test_hierarchy_section(small_engine: Engine, report_config: ReportConfig) -> None:
    # C1 a branch above the distributor C2, above C3
    with small_engine.begin() as c:
        for code, level, parent in (("C1", "branch", None), ("C2", "distributor", "C1"), ("C3", "agent", "C2")):
            c.execute(
                text("UPDATE party SET channel_level = :l, parent_ref = :p WHERE system = 'drp' AND external_id = :c"),
                {"l": level, "p": parent, "c": code},
            )
    s = build_report(small_engine, report_config, make_scope(small_engine, report_config)).section("hierarchy")
    rows = {r["customer"]: r for r in s.table("rollup").records()}
    assert list(rows) == ["C1", "C2"]
    # receivables: C1 6000+1000, C2 5000, C3 2500+1000; open (approved) orders: SO1 4000 (C1), SO2 2000 (C2)
    c1, c2 = rows["C1"], rows["C2"]
    assert (c1["below"], c1["receivables"], c1["open_orders"], c1["credit_used"]) == (
        2,
        D("15500.00"),
        D("6000.00"),
        D("21500.00"),
    )
    assert (c2["below"], c2["receivables"], c2["open_orders"], c2["credit_used"]) == (
        1,
        D("8500.00"),
        D("2000.00"),
        D("10500.00"),
    )
    assert c1["credit_limit"] == D("10000.00") and c1["credit_use"] == D("2.1500") and c2["credit_use"] == D("0.2100")
    assert c2["parent"] == "上海华信贸易有限公司"
    assert s.figure("over_limit").value == 1 and s.figure("branches").value == 1


def test_commission_per_salesperson_and_month(small_engine: Engine, report_config: ReportConfig) -> None:
    from report_store import _put

    # C2 (Li Lei, 1.5 %) pays 15,000 then 9,000: I3 (20,000, 5,000 still open) is not paid in full, I4 (4,000) is,
    # by the second payment (oldest invoices settle first: 20,000 + 4,000 = 24,000)
    with small_engine.begin() as c:
        _put(c, "payment", "drp", "PX2", party_ref="C2", payment_date=dt.date(2026, 2, 10), amount=D(15000))
        _put(c, "payment", "drp", "PX3", party_ref="C2", payment_date=dt.date(2026, 3, 26), amount=D(9000))
    s = build_report(small_engine, report_config, make_scope(small_engine, report_config)).section("sales")
    assert s.table("commission_periods").records() == [
        {
            "period": "2026-03",
            "team": "华北大区",
            "code": "S2",
            "name": "Li Lei",
            "invoices": 1,
            "base": D("4000.00"),
            "rate": D("0.015"),
            "commission": D("60.00"),
        }
    ]
