"""Canonical mapping of X12 sets / EDIFACT messages and canonical -> outbound -> parse round trips."""

from __future__ import annotations

from datetime import datetime

import pytest

from connectors.edi import edifact, transactions, transactions_edifact, x12
from hub.canonical import ENTITIES
from hub.errors import EdiError

WHEN = datetime(2025, 4, 6, 17, 26)

ORDER = {
    "_entity": "sales_order",
    "external_id": "4500644699",
    "order_number": "4500644699",
    "source_ref": "4500644699",
    "order_date": "2025-04-06",
    "party_ref": "M0004",
    "ship_to": "GUIYANG JINZHU COSMETICS",
    "amount": "765.40",
    "currency": "CNY",
    "source_status": "00",
}
LINES = [
    {
        "_entity": "order_line",
        "external_id": "4500644699|1",
        "order_ref": "4500644699",
        "line_no": 1,
        "sku": "CC12021",
        "quantity": "22",
        "unit_price": "30.60",
        "amount": "673.20",
    },
    {
        "_entity": "order_line",
        "external_id": "4500644699|2",
        "order_ref": "4500644699",
        "line_no": 2,
        "sku": "CC06042",
        "quantity": "2",
        "unit_price": "46.10",
        "amount": "92.20",
    },
]
INVOICE = {
    "_entity": "invoice",
    "external_id": "INV2025-000009",
    "order_ref": "4500644699",
    "party_ref": "C000022",
    "invoice_date": "2025-04-09",
    "due_date": "2025-05-09",
    "amount": "765.40",
    "currency": "CNY",
}


def _x12_records(text: str) -> list[dict]:
    return [r for ic in x12.read(text) for _, recs in transactions.map_interchange(ic) for r in recs]


def _edifact_records(text: str) -> list[dict]:
    return [r for ic in edifact.read(text) for _, recs in transactions_edifact.map_interchange(ic) for r in recs]


def test_850_round_trip() -> None:
    text = transactions.render_outbound(
        "850", [(ORDER, LINES)], sender="CHANNELCO", receiver="R1926", control=5, when=WHEN
    )
    assert _x12_records(text) == [ORDER, *LINES]


def test_855_round_trip() -> None:
    ack = {
        "_entity": "sales_order",
        "external_id": ORDER["external_id"],
        "order_number": ORDER["order_number"],
        "order_date": "2025-04-06",
        "party_ref": "M0004",
        "status": "approved",
        "source_status": "AC",
    }
    text = transactions.render_outbound(
        "855", [(ack, LINES)], sender="CHANNELCO", receiver="R1926", control=6, when=WHEN
    )
    assert _x12_records(text) == [ack, *LINES]


def test_856_round_trip() -> None:
    order = {
        "_entity": "sales_order",
        "external_id": "4500644699",
        "order_number": "4500644699",
        "status": "shipped",
        "source_status": "ASN SH001 2025-04-10",
    }
    lines = [{k: v for k, v in ln.items() if k not in ("unit_price", "amount")} for ln in LINES]
    text = transactions.render_outbound(
        "856", [(order, lines)], sender="CHANNELCO", receiver="R1926", control=7, when=WHEN
    )
    # a line's id names its shipment: one order line may ship in several ASNs
    assert _x12_records(text) == [order, *({**ln, "external_id": ln["external_id"] + "|SH001"} for ln in lines)]


def test_810_round_trip_with_two_invoices() -> None:
    other = {**INVOICE, "external_id": "INV2025-000010", "amount": "10.00", "due_date": None}
    text = transactions.render_outbound(
        "810", [(INVOICE, LINES), (other, [])], sender="CHANNELCO", receiver="C22", control=8, when=WHEN
    )
    invoiced = [
        {
            **ln,
            "_entity": "invoice_line",
            "external_id": f"INV2025-000009|{ln['line_no']}",
            "invoice_ref": INVOICE["external_id"],
        }
        for ln in LINES
    ]
    assert _x12_records(text) == [INVOICE, *invoiced, other]


def test_orders_and_invoic_round_trip() -> None:
    text = transactions_edifact.render_outbound(
        "ORDERS", [(ORDER, LINES)], sender="CHANNELCO", receiver="BUYER", control="9", when=WHEN
    )
    expected = {k: v for k, v in ORDER.items() if k != "source_status"}
    assert _edifact_records(text) == [expected, *LINES]
    text = transactions_edifact.render_outbound(
        "INVOIC", [(INVOICE, LINES)], sender="CHANNELCO", receiver="BUYER", control="10", when=WHEN
    )
    assert _edifact_records(text) == [INVOICE]


def test_records_use_canonical_fields_only() -> None:
    text = transactions.render_outbound("850", [(ORDER, LINES)], sender="A", receiver="B", control=1, when=WHEN)
    for r in _x12_records(text):
        extra = set(r) - set(ENTITIES[r["_entity"]]) - {"_entity", "external_id"}
        assert not extra, extra


def test_846_and_820_mapping() -> None:
    w = x12.X12Writer("D620", "CHANNELCO", 55, when=WHEN)
    w.add_group("IB", 56)
    w.add_set(
        "846",
        "0001",
        [
            ("BIA", "00", "DD", "IA1", "20260323"),
            ("N1", "DS", "LANZHOU", "91", "C000062"),
            ("LIN", "1", "VP", "CC01007"),
            ("QTY", "33", "508", "EA"),
            ("DTM", "007", "20260322"),
            ("LIN", "2", "BP", "CC06021"),
            ("QTY", "33", "641.0", "EA"),
            ("CTT", "2"),
        ],
    )
    w.add_group("RA", 57)
    w.add_set(
        "820",
        "0001",
        [
            ("BPR", "C", "765.4", "C", "ACH") + ("",) * 11 + ("20250515",),
            ("TRN", "1", "3633304727"),
            ("N1", "PR", "GUIYANG", "91", "C000022"),
            ("RMR", "IV", "INV2025-000009", "PI", "700", "765.40"),
            ("RMR", "IV", "INV2025-000010", "PI", "65.4", "65.40"),
        ],
    )
    recs = _x12_records(w.render())
    inv = [r for r in recs if r["_entity"] == "inventory"]
    assert inv == [
        {
            "_entity": "inventory",
            "party_ref": "C000062",
            "location_ref": None,
            "sku": "CC01007",
            "as_of": "2026-03-22",
            "on_hand": "508",
            "report_ref": "IA1",
            "external_id": "C000062|CC01007|2026-03-22",
        },
        {
            "_entity": "inventory",
            "party_ref": "C000062",
            "location_ref": None,
            "sku": "CC06021",
            "as_of": "2026-03-23",
            "on_hand": "641",
            "report_ref": "IA1",
            "external_id": "C000062|CC06021|2026-03-23",
        },
    ]
    rem = [r for r in recs if r["_entity"] == "remittance_line"]
    assert [
        (
            r["external_id"],
            r["invoice_ref"],
            r["paid_amount"],
            r["invoice_amount"],
            r["payment_date"],
            r["payment_amount"],
        )
        for r in rem
    ] == [
        ("3633304727|1", "INV2025-000009", "700.00", "765.40", "2025-05-15", "765.40"),
        ("3633304727|2", "INV2025-000010", "65.40", "65.40", "2025-05-15", "765.40"),
    ]


def test_bad_values_are_typed_errors_with_segment() -> None:
    text = transactions.render_outbound(
        "850", [({**ORDER, "order_date": "2025-13-06"}, LINES)], sender="A", receiver="B", control=1, when=WHEN
    )
    (ic,) = list(x12.read(text))
    with pytest.raises(EdiError) as exc:
        transactions.map_set(ic.groups[0].sets[0])
    assert exc.value.segment == 4 and exc.value.field == "BEG05"


def test_outbound_requires_fields() -> None:
    with pytest.raises(EdiError, match="order_number"):
        transactions.render_outbound("850", [({}, [])], sender="A", receiver="B", control=1)
    with pytest.raises(EdiError, match="outbound sets"):
        transactions.render_outbound("846", [], sender="A", receiver="B", control=1)
