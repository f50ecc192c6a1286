"""Order <-> invoice <-> shipment rules as pure functions: invoice lines against order lines, a partner's
855/856/810 quantities against the 850 and the DRP order, and DRP orders made from CRM opportunities."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from hub.errors import MappingRuleError
from hub.reconcile.fulfilment import QtyLine, fulfilment_quantity_mismatch, invoice_line_mismatch
from hub.reconcile.orders import EdiOrigin, OrderLine, SalesOrder
from hub.reconcile.rule_registry import INPUTS, RULES, rules_in
from hub.reconcile.rules_config import load_rules_config

D = Decimal


def _order(no: str, status: str = "approved") -> SalesOrder:
    return SalesOrder("drp", no, party_ref="C1", status=status, amount=D(100))


def _lookup(by_order: dict[str, list[tuple[str, int]]]) -> Any:
    def lines(system: str, ext: str) -> list[OrderLine]:
        assert system == "drp"
        return [OrderLine(s, D(q), None, n) for n, (s, q) in enumerate(by_order.get(ext, []), 1)]

    return lines


def _inv_lines(no: str, *sku_qty: tuple[str, int], amount: Decimal | None = None) -> list[QtyLine]:
    return [QtyLine("invoice", s, D(q), n, no, None, amount) for n, (s, q) in enumerate(sku_qty, 1)]


INVOICES = [{"external_id": "INV-1", "order_ref": "SO-1", "party_ref": "C1", "amount": "100"}]
ORDER_LINES = _lookup({"SO-1": [("A", 10), ("B", 5)]})


def _invoice_findings(lines: list[QtyLine], status: str = "approved", config: Any = None) -> list[Any]:
    cfg = config or load_rules_config({})
    return list(invoice_line_mismatch([_order("SO-1", status)], ORDER_LINES, INVOICES, {"INV-1": lines}, cfg))


def test_invoice_lines_over_or_off_the_order_are_found() -> None:
    (f,) = _invoice_findings(_inv_lines("INV-1", ("A", 10), ("B", 6), ("C", 2)))
    assert f.kind == "invoice_line_mismatch" and f.key == ("SO-1",) and f.system == "drp"
    assert f.details["problems"] == ["B: invoiced 6, ordered 5", "C: invoiced 2, not on the order"]
    assert "INV-1" in f.message and "line by line" in f.message


def test_invoicing_less_is_a_finding_only_once_the_order_is_completed() -> None:
    short = _inv_lines("INV-1", ("A", 10), ("B", 2))
    assert _invoice_findings(short) == []
    (f,) = _invoice_findings(short, status="completed")
    assert f.details["problems"] == ["B: invoiced only 2 of 5 ordered"]


def test_invoice_quantity_tolerance_and_no_lines() -> None:
    loose = load_rules_config({"fulfilment": {"qty_tolerance": "1"}})
    assert _invoice_findings(_inv_lines("INV-1", ("A", 10), ("B", 6)), config=loose) == []
    assert _invoice_findings([]) == []  # invoices without lines: nothing to compare


def test_invoice_lines_that_do_not_add_up_to_the_invoice() -> None:
    lines = [
        QtyLine("invoice", "A", D(10), 1, "INV-1", None, D("60")),
        QtyLine("invoice", "B", D(5), 2, "INV-1", None, D("30")),
    ]
    (f,) = _invoice_findings(lines)
    assert f.details["problems"] == ["invoice INV-1's lines add up to CNY 90.00, the invoice to CNY 100.00"]


def test_an_invoice_line_may_name_another_order_than_its_invoice() -> None:
    other = [QtyLine("invoice", "A", D(3), 1, "INV-1", "SO-2")]
    got = list(
        invoice_line_mismatch(
            [_order("SO-1"), _order("SO-2")],
            _lookup({"SO-1": [("A", 10)], "SO-2": [("A", 2)]}),
            INVOICES,
            {"INV-1": other},
            load_rules_config({}),
        )
    )
    assert [(f.key, f.details["problems"]) for f in got] == [(("SO-2",), ["A: invoiced 3, ordered 2"])]


PO = "PO-9"
ORIGINS = {"SO-1": EdiOrigin("SO-1", PO, "source_ref")}


def _edi(kind: str, *sku_qty: tuple[str, int], doc: str = "D1") -> list[QtyLine]:
    return [QtyLine(kind, s, D(q), n, doc) for n, (s, q) in enumerate(sku_qty, 1)]


def _edi_findings(docs: list[QtyLine], status: str = "approved", drp: Any = None, config: Any = None) -> list[Any]:
    cfg = config or load_rules_config({})
    po_lines = _edi("order", ("A", 10), ("B", 5), doc=PO)
    return list(
        fulfilment_quantity_mismatch(
            [_order("SO-1", status), _order("SO-2")], drp or ORDER_LINES, ORIGINS, {PO: po_lines + docs}, cfg
        )
    )


def test_partner_documents_that_agree_find_nothing() -> None:
    docs = _edi("ack", ("A", 10), ("B", 5)) + _edi("ship", ("A", 10), ("B", 5)) + _edi("invoice", ("A", 10), ("B", 5))
    assert _edi_findings(docs, status="completed") == []


def test_acknowledged_shipped_and_invoiced_quantities_are_compared_along_the_flow() -> None:
    docs = (
        _edi("ack", ("A", 10), ("B", 4), doc="PO-9")
        + _edi("ship", ("A", 6), doc="SH1")
        + _edi("ship", ("A", 6), doc="SH2")  # two ASNs add up
        + _edi("invoice", ("A", 12), ("B", 1), doc="INV-P")
    )
    (f,) = _edi_findings(docs)
    assert f.kind == "fulfilment_quantity_mismatch" and f.key == ("SO-1",)
    assert f.details["problems"] == [
        "A: shipped 12, more than the 10 acknowledged",
        "B: acknowledged 4 of 5 ordered",
        "B: invoiced 1, more than the 0 shipped",
    ]
    assert f.details["documents"] == ["810 INV-P", "855 PO-9", "856 SH1", "856 SH2"]
    assert f.details["quantities"]["A"] == {"order": "10", "ack": "10", "ship": "12", "invoice": "12", "drp": "10"}
    assert "PO PO-9" in f.message and "855, 856, 810" in f.message


def test_short_shipment_counts_once_the_order_is_completed_and_within_tolerance_never() -> None:
    docs = _edi("ship", ("A", 9), ("B", 5))
    assert _edi_findings(docs) == []
    (f,) = _edi_findings(docs, status="已完成")
    assert f.details["problems"] == ["A: shipped only 9 of 10 ordered"]
    loose = load_rules_config({"fulfilment": {"qty_tolerance": "1"}})
    assert _edi_findings(docs, status="completed", config=loose) == []


def test_the_drp_order_is_compared_with_the_850() -> None:
    drp = _lookup({"SO-1": [("A", 10), ("B", 4)]})
    (f,) = _edi_findings(_edi("ack", ("A", 10), ("B", 5)), drp=drp)
    assert f.details["problems"] == ["B: the DRP order has 4, the 850 5"]


def test_no_partner_document_or_no_850_origin_means_nothing_to_compare() -> None:
    assert _edi_findings([]) == []
    lines = {"PO-X": _edi("ack", ("A", 1))}
    cfg = load_rules_config({})
    assert list(fulfilment_quantity_mismatch([_order("SO-2")], ORDER_LINES, ORIGINS, lines, cfg)) == []


def test_rules_are_in_the_registry_with_their_inputs_settings_and_switch() -> None:
    for kind in ("invoice_line_mismatch", "fulfilment_quantity_mismatch"):
        rule = RULES[kind]
        assert rule.scope == "customer" and rule.section == "orders" and rule.settings == "fulfilment"
        assert set(rule.inputs) <= set(INPUTS)
        assert rule in rules_in(scope="customer")
    off = load_rules_config({"rules": {"fulfilment_quantity_mismatch": {"enabled": False}}})
    assert _edi_findings(_edi("ack", ("A", 1)), config=off) == []
    with pytest.raises(MappingRuleError):
        load_rules_config({"fulfilment": {"qty_tolerance": "-1"}})


def test_a_drp_order_made_from_a_crm_opportunity_is_not_missing_in_the_crm() -> None:
    rule = RULES["order_missing_in_crm"]
    orders = [SalesOrder("drp", "SO-3", party_ref="C1", source_ref="006OPP"), SalesOrder("drp", "SO-4", party_ref="C1")]
    inputs = SimpleNamespace(
        drp_orders=orders,
        linked_drp_nos=set(),
        edi_order_nos={},
        known_drp_customers={"C1"},
        opportunity_order_nos={"SO-3"},
    )
    assert [f.key for f in rule.run(inputs, load_rules_config({}))] == [("SO-4",)]
