"""Discrepancy rules and their configuration, on small hand-written cases (plus one bench run)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from hub.errors import MappingRuleError
from hub.reconcile.cashapp import Invoice, Payment, apply_payments
from hub.reconcile.discrepancy_rules import (
    Location,
    StockPosition,
    credit_exceeded,
    inventory_variance,
    order_amount_mismatch,
    order_line_mismatch,
    order_missing_in_crm,
    order_missing_in_drp,
    order_status_mismatch,
    statuses_equivalent,
    unapplied_payment,
)
from hub.reconcile.orders import OrderLine, OrderLink, SalesOrder
from hub.reconcile.rules_config import RulesConfig, load_rules_config, load_rules_yaml

D = Decimal
REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


def crm(ext, status="Activated", amount="100.00", canon=None):
    return SalesOrder("crm", ext, "A1", "0000" + ext[-4:], date(2025, 4, 1), canon, status, D(amount))


def drp(no, status="已审核", amount="100.00", party="C1", canon=None):
    return SalesOrder("drp", no, party, no, date(2025, 4, 1), canon, status, D(amount))


# ----------------------------------------------------------------------------- orders
def test_missing_in_drp_only_for_statuses_that_must_reach_it():
    orders = [
        crm("o001", "Activated", canon="approved"),
        crm("o002", "Shipped", canon="shipped"),
        crm("o003", "Cancelled", canon="cancelled"),
        crm("o004", "Draft", canon="draft"),
        crm("o005", "Shipped", canon="shipped"),
    ]
    got = list(order_missing_in_drp(orders, {"o005": "SO5"}))
    assert [d.key for d in got] == [("o001",), ("o002",)]  # a Cancelled order absent in the DRP is fine
    assert got[0].system == "crm" and got[0].severity == "high" and "has no order in the DRP" in got[0].message
    assert got[0].scorer_row() == ("order_missing_in_drp", "crm", "o001", "")


def test_missing_in_crm_only_for_linked_customers_and_not_for_edi():
    orders = [drp("SO1"), drp("SO2"), drp("SO3"), drp("SO4", party="C9"), drp("SO5")]
    got = list(
        order_missing_in_crm(orders, linked_drp_nos={"SO2"}, edi_order_nos={"SO3"}, linked_customers={"C1": "P1"})
    )
    assert [d.key for d in got] == [("SO1",), ("SO5",)]
    assert got[0].details["party_ref"] == "C1"


def test_amount_rounding_difference_is_not_a_discrepancy():
    pairs = [
        (crm("o001", amount="100.00"), drp("SO1", amount="100.01"), None),
        (crm("o002", amount="100.00"), drp("SO2", amount="99.99"), None),
        (crm("o003", amount="100.00"), drp("SO3", amount="100.02"), None),
        (crm("o004", amount="1000.00"), drp("SO4", amount="1030.00"), None),
    ]
    got = list(order_amount_mismatch(pairs))
    assert [d.key for d in got] == [("o003", "SO3"), ("o004", "SO4")]
    assert got[1].details["difference"] == D("30.00") and "+3.0%" in got[1].message
    wide = RulesConfig(orders={"amount_tolerance": "0.05"})
    assert [d.key for d in order_amount_mismatch(pairs, wide)] == [("o004", "SO4")]


@pytest.mark.parametrize(
    "c,d,eq",
    [
        ("Activated", "已审核", True),
        ("Shipped", "已发货", True),
        ("Shipped", "已完成", True),
        ("Cancelled", "已关闭", True),
        ("Activated", "已发货", False),
        ("Shipped", "已审核", False),
        ("Cancelled", "已审核", False),
        ("Draft", "已审核", False),
        ("shipped", "已完成", True),
    ],
)
def test_status_equivalence_table(c, d, eq):
    assert statuses_equivalent(crm("o1", c), drp("SO1", d)) is eq


def test_status_equivalence_over_canonical_statuses_when_raw_is_unknown():
    assert statuses_equivalent(crm("o1", "Booked", canon="approved"), drp("SO1", "Approved*", canon="approved"))
    assert not statuses_equivalent(crm("o1", "Booked", canon="approved"), drp("SO1", "x", canon="shipped"))


def test_status_mismatch_rule_and_configured_table():
    pairs = [(crm("o001", "Shipped"), drp("SO1", "已审核"), None), (crm("o002", "Shipped"), drp("SO2", "已完成"), None)]
    got = list(order_status_mismatch(pairs))
    assert [d.key for d in got] == [("o001", "SO1")]
    assert got[0].details == {
        "crm_order_id": "o001",
        "drp_order_no": "SO1",
        "crm_status": "Shipped",
        "drp_status": "已审核",
        "crm_canonical_status": None,
        "drp_canonical_status": None,
    }
    # a site where the order desk marks approved orders "shipped" early: Shipped ~ 已审核 too
    loose = RulesConfig(orders={"status_equivalence": [{"crm": ["Shipped"], "drp": ["已完成", "已审核"]}]})
    assert list(order_status_mismatch(pairs, loose)) == []
    only_done = RulesConfig(orders={"status_equivalence": [{"crm": ["shipped"], "drp": ["已完成"]}]})
    assert [d.key for d in order_status_mismatch(pairs, only_done)] == [("o001", "SO1")]


def test_line_mismatch_by_sku_and_qty_with_unmapped_products_tolerated():
    lines = {
        ("crm", "o1"): [OrderLine("A", D(1)), OrderLine(None, D(4))],
        ("drp", "SO1"): [OrderLine("A", D(1)), OrderLine("B", D(4))],
        ("crm", "o2"): [OrderLine("A", D(1)), OrderLine("B", D(2))],
        ("drp", "SO2"): [OrderLine("A", D(1)), OrderLine("B", D(3))],
    }
    pairs = [(crm("o1"), drp("SO1"), None), (crm("o2"), drp("SO2"), None)]
    got = list(order_line_mismatch(pairs, lambda s, e: lines.get((s, e), ())))
    assert [d.key for d in got] == [("o2", "SO2")]
    assert got[0].details["crm_only"] == [("B", D(2))] and got[0].details["drp_only"] == [("B", D(3))]
    assert "only in CRM: B x2" in got[0].message


def test_disabled_rule_and_severity_override():
    cfg = RulesConfig(
        rules={"order_missing_in_drp": {"enabled": False}, "order_amount_mismatch": {"severity": "critical"}}
    )
    assert list(order_missing_in_drp([crm("o001")], set(), cfg)) == []
    (d,) = order_amount_mismatch([(crm("o1"), drp("SO1", amount="5.00"), OrderLink("o1", "SO1", "x", ""))], cfg)
    assert d.severity == "critical"


# ----------------------------------------------------------------------------- inventory
def test_inventory_variance_uses_each_owners_latest_846():
    locs = [
        Location("W0003", "consignment", "C1"),
        Location("W0004", "consignment", "C2"),
        Location("W0001", "central", None),
        Location("W0005", "consignment", "C3"),
    ]
    stock = [
        StockPosition("S1", D(10), date(2026, 3, 31), "W0003"),
        StockPosition("S2", D(5), date(2026, 3, 31), "W0003"),
        StockPosition("S1", D(7), date(2026, 3, 31), "W0004"),
        StockPosition("S1", D(99), date(2026, 3, 31), "W0001"),
        StockPosition("S1", D(1), date(2026, 3, 31), "W0005"),
    ]
    wk1, wk2 = date(2026, 3, 23), date(2026, 3, 30)
    edi = [
        StockPosition("S1", D(8), wk1, party_ref="C1"),
        StockPosition("S2", D(5), wk1, party_ref="C1"),
        StockPosition("S1", D(10), wk2, party_ref="C1"),
        StockPosition("S2", D(6), wk2, party_ref="C1"),
        # C2 did not send the latest week: its own latest (week 1) counts
        StockPosition("S1", D(7), wk1, party_ref="C2"),
    ]
    got = list(inventory_variance(locs, stock, edi))
    assert [d.key for d in got] == [("W0003", "S2")]  # W0004 equal to C2's week 1; W0005 owner sent nothing
    assert got[0].details["edi_on_hand"] == D(6) and got[0].details["edi_as_of"] == wk2
    assert "reports 6" in got[0].message


def test_inventory_sku_on_one_side_only_and_tolerance():
    locs = [Location("W1", "经销商寄售仓", "C1")]
    stock = [StockPosition("S1", D(10), None, "W1")]
    edi = [
        StockPosition("S2", D(3), date(2026, 3, 30), party_ref="C1"),
        StockPosition("S1", D(11), date(2026, 3, 30), party_ref="C1"),
    ]
    assert [d.key for d in inventory_variance(locs, stock, edi)] == [("W1", "S1"), ("W1", "S2")]
    cfg = RulesConfig(inventory={"qty_tolerance": 1, "missing_sku_as_zero": False})
    assert list(inventory_variance(locs, stock, edi, cfg)) == []


# ----------------------------------------------------------------------------- payments, credit
def test_unapplied_payment_rule():
    invs = [Invoice("INV2025-000123", "C1", D("500.00"), D("0"))]
    pays = [
        Payment("SK1", "C1", D("500.00"), date(2025, 5, 1), "付INV2025000123货款"),
        Payment("SK2", "C1", D("500.00"), date(2025, 5, 2), ""),
        Payment("SK3", "C1", D("3000.00"), date(2025, 5, 3), "预付货款"),
        Payment("SK4", "C2", D("500.00"), date(2025, 5, 3), "INV2025-000123"),
    ]
    got = list(unapplied_payment(apply_payments(pays, invs)))
    assert [d.key for d in got] == [("SK3",), ("SK4",)]
    assert "cannot be applied" in got[0].message and got[1].details["invoice_refs"] == ["INV2025-000123"]


def test_credit_exceeded_is_strict_and_counts_only_approved_orders():
    parties = [
        {"external_id": "C1", "credit_limit": "1000.00"},
        {"external_id": "C2", "credit_limit": "1000.00"},
        {"external_id": "C3", "credit_limit": ""},
        {"external_id": "C4", "credit_limit": "0"},
    ]
    invs = [
        Invoice("I1", "C1", D("900"), D("600.00")),
        Invoice("I2", "C2", D("900"), D("600.01")),
        Invoice("I3", "C3", D("9999"), D("9999")),
    ]
    orders = [
        drp("SO1", "已审核", "400.00", "C1"),
        drp("SO2", "已审核", "400.00", "C2"),
        drp("SO3", "已发货", "5000.00", "C1"),
        drp("SO4", "已完成", "5000.00", "C4"),
    ]
    got = list(credit_exceeded(parties, invs, orders))
    assert [d.key for d in got] == [("C2",)]  # C1 is exactly at its limit: not exceeded
    assert got[0].details["exposure"] == D("1000.01") and got[0].details["over_by"] == D("0.01")
    loose = RulesConfig(credit={"strict": False})
    assert [d.key for d in credit_exceeded(parties, invs, orders, loose)] == [("C1",), ("C2",)]


# ----------------------------------------------------------------------------- configuration
def test_config_defaults_and_yaml_round():
    cfg = load_rules_yaml("orders:\n  amount_tolerance: '0.02'\nrules:\n  credit_exceeded: {severity: critical}\n")
    assert cfg.orders.amount_tolerance == D("0.02") and cfg.severity("credit_exceeded") == "critical"
    assert cfg.enabled("inventory_variance") and load_rules_config(None) == RulesConfig()


def test_invalid_config_lists_every_problem_with_lines(tmp_path):
    f = tmp_path / "rules.yaml"
    f.write_text(
        "orders:\n  amount_tolerance: -1\n  status_equivalence:\n    - {crm: []}\n"
        "payments:\n  invoice_patterns: ['(']\nrules:\n  no_such_rule: {}\n"
        "  credit_exceeded: {severity: huge}\nextra: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(MappingRuleError) as e:
        load_rules_yaml(f)
    probs = e.value.problems
    assert len(probs) == 6, probs
    text = "\n".join(probs)
    assert f"{f}:2: orders.amount_tolerance" in text
    assert f"{f}:4: orders.status_equivalence[0].crm" in text
    assert f"{f}:6: payments.invoice_patterns" in text
    assert f"{f}:8: rules.no_such_rule: not a valid key" in text and "extra" in text and "severity" in text


def test_unparsable_yaml_and_non_mapping():
    with pytest.raises(MappingRuleError) as e:
        load_rules_yaml("orders: [\n")
    assert e.value.line is not None
    with pytest.raises(MappingRuleError):
        load_rules_config(["not", "a", "mapping"])  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- bench
def test_dev_harness_on_a_small_channelco_scenario(tmp_path):
    gen = SHARED / "bench" / "gen_channel_data.py"
    if not gen.exists():
        pytest.skip("../shared absent: the ChannelCo generator is needed for this check")
    sc = tmp_path / "cc"
    subprocess.run(
        [sys.executable, str(gen), str(sc), "--seed", "5", "--customers", "600"], check=True, capture_output=True
    )
    out = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "dev_discrepancies_channelco.py"),
            str(sc),
            "--json",
            str(tmp_path / "r.json"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    res = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert res["summary"]["order_f1"] >= 0.99, out.stdout
    per_kind = res["discrepancies"]["per_kind"]
    assert set(per_kind) >= {"order_missing_in_drp", "order_amount_mismatch", "unapplied_payment"}
    for kind, r in per_kind.items():
        if kind != "duplicate_customer":  # produced by the customer stand-in, not by these rules
            assert r["f1"] >= 0.99, (kind, out.stdout)


# ----------------------------------------------------------------------------- credit hold, hierarchy, invoices
def test_credit_hold_says_the_figures_in_words():
    from hub.reconcile.discrepancy_rules import credit_hold

    hold = {
        "crm_order_id": "801X",
        "order_number": "00032001",
        "customer": "C4",
        "amount": D("3000"),
        "available": D("2000"),
        "limit": D("10000"),
        "receivables": D("8000"),
        "open_orders": D("0"),
        "group": None,
    }
    (got,) = credit_hold([hold])
    assert got.key == ("801X",) and got.system == "crm" and got.severity == "medium"
    assert got.message == (
        "CRM order 00032001 of customer C4 is held for credit: the order amount CNY 3,000.00 is more "
        "than the available credit of customer C4, CNY 2,000.00 (limit CNY 10,000.00 less receivables "
        "CNY 8,000.00 and open orders CNY 0.00)."
    )
    (grp,) = credit_hold([{**hold, "group": "C1"}])
    assert "available credit of group C1" in grp.message
    assert list(credit_hold([hold], RulesConfig(rules={"credit_hold": {"enabled": False}}))) == []


def _party(system, ext, level, parent=None, name=None):
    return {"system": system, "external_id": ext, "channel_level": level, "parent_ref": parent, "name": name}


CANON = {
    ("crm", "A1"): "P1",
    ("drp", "C1"): "P1",
    ("crm", "A2"): "P2",
    ("drp", "C2"): "P2",
    ("crm", "A3"): "P3",
    ("drp", "C3"): "P3",
    ("crm", "A4"): "P4",
    ("drp", "C4"): "P4",
    ("drp", "C5"): "P5",
}
BOTH = frozenset({"crm", "drp"})
HELD = {"P1": BOTH, "P2": BOTH, "P3": BOTH, "P4": BOTH, "P5": frozenset({"drp"})}


def test_hierarchy_agrees_through_the_crosswalk():
    from hub.reconcile.discrepancy_rules import hierarchy_mismatch

    crm_p = [
        _party("crm", "A1", "branch"),
        _party("crm", "A2", "distributor", "A1"),
        _party("crm", "A3", "agent", "A2"),
    ]
    drp_p = [_party("drp", "C1", "hq"), _party("drp", "C2", "distributor", "C1"), _party("drp", "C3", "agent", "C2")]
    assert (
        list(hierarchy_mismatch(crm_p, drp_p, CANON, HELD)) == []
    )  # hq = branch: the CRM files headquarters as a Branch


def test_hierarchy_mismatch_on_parent_or_level():
    from hub.reconcile.discrepancy_rules import hierarchy_mismatch

    crm_p = [
        _party("crm", "A2", "distributor", "A1"),
        _party("crm", "A3", "agent", "A2"),
        _party("crm", "A4", "customer", "A9"),
    ]
    drp_p = [
        _party("drp", "C2", "distributor", "C4", "杭州经销商"),
        _party("drp", "C3", "chain_store", "C2", "西湖"),
        _party("drp", "C4", "customer"),
    ]
    got = {d.key: d for d in hierarchy_mismatch(crm_p, drp_p, CANON, HELD)}
    assert set(got) == {("C2", "A2"), ("C3", "A3")}  # C4: its CRM parent A9 is no DRP customer, so not compared
    assert got[("C2", "A2")].message == (
        "Customer 杭州经销商 sits differently in the channel hierarchy: parent: CRM A1, DRP C4 (different customers)."
    )
    assert (
        got[("C2", "A2")].details["crm_parent_customer"] == "P1"
        and got[("C2", "A2")].details["drp_parent_customer"] == "P4"
    )
    assert got[("C3", "A3")].message.endswith("channel level: CRM agent, DRP chain_store.")
    strict = RulesConfig(hierarchy={"level_equivalence": []})
    assert [
        d.key
        for d in hierarchy_mismatch([_party("crm", "A1", "branch")], [_party("drp", "C1", "hq")], CANON, HELD, strict)
    ] == [("C1", "A1")]
    # a parent the CRM does not hold cannot be recorded there: no parent in the CRM agrees with it
    assert (
        list(hierarchy_mismatch([_party("crm", "A1", "branch")], [_party("drp", "C1", "branch", "C5")], CANON, HELD))
        == []
    )
    # but a parent both systems hold, missing in the CRM, is a disagreement
    (miss,) = hierarchy_mismatch(
        [_party("crm", "A2", "distributor")], [_party("drp", "C2", "distributor", "C1")], CANON, HELD
    )
    assert miss.message.endswith("parent: CRM none, DRP C1.")


def test_invoice_amount_against_the_order():
    from hub.reconcile.cashapp import Invoice
    from hub.reconcile.discrepancy_rules import invoice_amount_mismatch

    orders = [
        drp("SO1", "已完成", "100.00", canon="completed"),
        drp("SO2", "已审核", "100.00", canon="approved"),
        drp("SO3", "已审核", "100.00", canon="approved"),
        drp("SO4", "已完成", "100.00", canon="completed"),
        drp("SO5", "已审核", "100.00", canon="approved"),
    ]
    invoices = [
        Invoice("INV1", "C1", D("60.00"), order_ref="SO1"),
        Invoice("INV2", "C1", D("60.00"), order_ref="SO2"),
        Invoice("INV3", "C1", D("50.00"), order_ref="SO2"),
        Invoice("INV4", "C1", D("40.00"), order_ref="SO3"),
        Invoice("INV5", "C1", D("100.01"), order_ref="SO4"),
    ]
    got = {d.key: d for d in invoice_amount_mismatch(orders, invoices)}
    # SO3: partly invoiced while open is normal; SO4: within the tolerance; SO5: not invoiced yet
    assert set(got) == {("SO1",), ("SO2",)}
    assert got[("SO2",)].message == (
        "DRP order SO2 (已审核, CNY 100.00) is invoiced more than ordered: invoices INV2, INV3 "
        "total CNY 110.00, a difference of +10.00."
    )
    assert "invoiced less than ordered" in got[("SO1",)].message and got[("SO1",)].details["difference"] == D("-40.00")
