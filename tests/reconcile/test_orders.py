"""Order linking: references, lost leading zeros, customer constraint, EDI origin, content match."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.errors import MappingError
from hub.reconcile.orders import (
    OrderLine,
    SalesOrder,
    as_order,
    find_edi_origins,
    line_similarity,
    link_orders,
    normalize_order_number,
)
from hub.reconcile.rules_config import OrderLinkConfig

D = Decimal


def crm(ext, number, party="A1", day=1, status="approved", amount="100.00", erp=None):
    return SalesOrder("crm", ext, party, number, date(2025, 4, day), status, None, D(amount), None, erp)


def drp(no, party="C1", day=1, status="approved", amount="100.00", src=None):
    return SalesOrder("drp", no, party, no, date(2025, 4, day), status, None, D(amount), src)


CUST = {"crm_customers": {"A1": "P1", "A2": "P2"}, "drp_customers": {"C1": "P1", "C2": "P2"}}


@pytest.mark.parametrize(
    "raw,want",
    [
        ("00012345", "12345"),
        ("12345", "12345"),
        ("１２３４５", "12345"),
        (" 0001-2345 ", "12345"),
        ("SO2504000123", "SO2504000123"),
        ("so2504000123", "SO2504000123"),
        ("", None),
        (None, None),
        ("0000", "0"),
    ],
)
def test_normalize_order_number(raw, want):
    assert normalize_order_number(raw) == want


def test_erp_order_no_links_and_explains():
    res = link_orders([crm("801a", "00000789", erp="SO2504000262")], [drp("SO2504000262")], **CUST)
    (lk,) = res.links
    assert (lk.crm_order_id, lk.drp_order_no, lk.rule) == ("801a", "SO2504000262", "erp_order_no")
    assert "SO2504000262" in lk.explanation


def test_source_ref_that_lost_its_leading_zeros_links():
    res = link_orders(
        [crm("801a", "00000789"), crm("801b", "00007890")], [drp("SO1", src="789"), drp("SO2", src="00007890")], **CUST
    )
    got = {(lk.crm_order_id, lk.drp_order_no, lk.rule) for lk in res.links}
    assert got == {("801a", "SO1", "source_ref"), ("801b", "SO2", "source_ref")}


def test_reference_to_an_order_of_another_customer_is_rejected():
    res = link_orders([crm("801a", "00000789", party="A2")], [drp("SO1", party="C1", src="789")], **CUST)
    assert res.links == ()
    (rej,) = res.rejected
    assert rej.reason == "the orders belong to different customers"


def test_without_customer_maps_references_still_link():
    res = link_orders([crm("801a", "00000789")], [drp("SO1", src="789")])
    assert [lk.rule for lk in res.links] == ["source_ref"]


def test_links_are_one_to_one_first_rule_wins():
    # 801a names SO1 by ERP number; SO1's source ref points at 801b
    res = link_orders([crm("801a", "00000001", erp="SO1"), crm("801b", "00000002")], [drp("SO1", src="2")], **CUST)
    assert [(lk.crm_order_id, lk.rule) for lk in res.links] == [("801a", "erp_order_no")]
    assert any(r.crm_order_id == "801b" and r.reason == "one side is already linked" for r in res.rejected)


def test_dangling_erp_order_no_is_reported_not_linked():
    res = link_orders([crm("801a", "1", erp="SO9")], [drp("SO1")], **CUST)
    assert res.links == ()
    assert res.rejected[0].reason == "no DRP order has this number"


def test_edi_origin_by_source_ref_and_by_content():
    po1 = SalesOrder("edi", "4500000001", "S0001", "4500000001", date(2025, 4, 1), amount=D("50.00"))
    po2 = SalesOrder("edi", "4500000007", "S0002", "4500000007", date(2025, 4, 3), amount=D("77.10"))
    lines = {
        ("edi", "4500000007"): [OrderLine("CC01007", D(3))],
        ("drp", "SO2"): [OrderLine("CC01007", D(3))],
        ("drp", "SO3"): [OrderLine("CC01014", D(3))],
    }
    res = link_orders(
        [],
        [drp("SO1", src="4500000001"), drp("SO2", day=4, amount="77.10"), drp("SO3", day=4, amount="77.10")],
        edi_orders=[po1, po2],
        lines=lambda s, e: lines.get((s, e), ()),
        **CUST,
    )
    assert {k: (v.po_number, v.rule) for k, v in res.edi_origins.items()} == {
        "SO1": ("4500000001", "source_ref"),
        "SO2": ("4500000007", "content"),
    }


def test_content_link_same_customer_nearby_date_same_lines():
    lines = {
        ("crm", "801a"): [OrderLine("CC01007", D(5)), OrderLine(None, D(7))],
        ("drp", "SO1"): [OrderLine("CC01007", D(5)), OrderLine("CC09014", D(7))],
        ("drp", "SO2"): [OrderLine("CC02007", D(1))],
    }
    res = link_orders(
        [crm("801a", "00000005", day=1, amount="300.00")],
        [drp("SO2", day=1, amount="300.00"), drp("SO1", day=2, amount="310.00")],
        lines=lambda s, e: lines.get((s, e), ()),
        **CUST,
    )
    (lk,) = res.links
    assert (lk.drp_order_no, lk.rule) == ("SO1", "content")
    assert "line similarity 0.88" in lk.explanation


def test_content_link_respects_customer_window_and_status():
    lines = {
        ("crm", "c1"): [OrderLine("X", D(5))],
        ("crm", "c2"): [OrderLine("X", D(5))],
        ("crm", "c3"): [OrderLine("X", D(5))],
        ("drp", "SO1"): [OrderLine("X", D(5))],
        ("drp", "SO2"): [OrderLine("X", D(5))],
    }
    look = lambda s, e: lines.get((s, e), ())  # noqa: E731
    res = link_orders(
        [crm("c1", "1", party="A2"), crm("c2", "2", status="draft"), crm("c3", "3", day=20)],
        [drp("SO1"), drp("SO2")],
        lines=look,
        **CUST,
    )
    assert res.links == ()
    off = link_orders([crm("c1", "1")], [drp("SO1")], lines=look, config=OrderLinkConfig(content_match=False), **CUST)
    assert off.links == ()


def test_line_similarity_unknown_sku_counts_by_quantity_but_different_skus_do_not():
    a = [OrderLine("A", D(1)), OrderLine(None, D(2))]
    assert line_similarity(a, [OrderLine("A", D(1)), OrderLine("B", D(2))]) == pytest.approx(0.875)
    assert line_similarity([OrderLine("A", D(2))], [OrderLine("B", D(2))]) == 0.0
    assert line_similarity([], a) == 0.0


def test_as_order_from_dict_and_typed_errors():
    o = as_order(
        {
            "system": "drp",
            "external_id": "SO1",
            "order_date": "2025/04/01",
            "amount": "1,234.50",
            "source_ref": " ",
            "other": "ignored",
        }
    )
    assert (o.order_date, o.amount, o.source_ref) == (date(2025, 4, 1), D("1234.50"), None)
    with pytest.raises(MappingError) as e:
        as_order({"system": "drp", "external_id": "SO1", "amount": "12x"})
    assert e.value.field == "amount" and e.value.external_id == "SO1"
    with pytest.raises(MappingError):
        as_order({"system": "drp"})


def test_edi_origins_found_once_for_every_customer_equal_the_per_call_ones():
    po1 = SalesOrder("edi", "4500000001", "S0001", "4500000001", date(2025, 4, 1), amount=D("50.00"))
    po2 = SalesOrder("edi", "4500000007", "S0002", "4500000007", date(2025, 4, 3), amount=D("77.10"))
    lines = {
        ("edi", "4500000007"): [OrderLine("CC01007", D(3))],
        ("drp", "SO2"): [OrderLine("CC01007", D(3))],
        ("drp", "SO3"): [OrderLine("CC01014", D(3))],
    }
    orders = [
        drp("SO1", src="4500000001"),
        drp("SO2", day=4, amount="77.10"),
        drp("SO3", day=4, amount="77.10", party="C2"),
    ]
    lookup = lambda s, e: lines.get((s, e), ())  # noqa: E731
    # DRP orders streamed twice as plain dicts (the store's rows), not held
    as_dicts = lambda: (
        {
            "system": o.system,
            "external_id": o.external_id,
            "source_ref": o.source_ref,  # noqa: E731
            "amount": str(o.amount),
            "order_date": o.order_date.isoformat(),
        }
        for o in orders
    )
    origins = find_edi_origins(as_dicts, [po1, po2], lookup)
    together = link_orders([], orders, edi_orders=[po1, po2], lines=lookup, **CUST)
    assert origins == dict(together.edi_origins)
    # per customer, with the origins found beforehand: the same origins for that customer's orders
    c2 = link_orders([], [o for o in orders if o.party_ref == "C2"], lines=lookup, origins=origins, **CUST)
    c1 = link_orders([], [o for o in orders if o.party_ref == "C1"], lines=lookup, origins=origins, **CUST)
    assert {**c1.edi_origins, **c2.edi_origins} == origins and set(c2.edi_origins) <= {"SO3"}


def test_a_content_origin_does_not_stop_a_source_ref_link_to_the_crm():
    po = SalesOrder("edi", "4500000009", "S0001", "4500000009", date(2025, 4, 1), amount=D("60.00"))
    lines = {("edi", "4500000009"): [OrderLine("CC01007", D(2))], ("drp", "SO9"): [OrderLine("CC01007", D(2))]}
    lookup = lambda s, e: lines.get((s, e), ())  # noqa: E731
    orders = [drp("SO9", day=2, amount="60.00", src="00000042")]
    origins = find_edi_origins(lambda: iter(orders), [po], lookup)
    assert origins["SO9"].rule == "content"
    res = link_orders([crm("8011", "42")], orders, lines=lookup, origins=origins, **CUST)
    assert [(lk.crm_order_id, lk.drp_order_no, lk.rule) for lk in res.links] == [("8011", "SO9", "source_ref")]
