"""Orders, invoices and payments built from store rows by position equal those built from dicts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from hub.errors import MappingError
from hub.reconcile.cashapp import as_invoice, as_payment
from hub.reconcile.orders import ORDER_ROW, as_order, order_from_row
from hub.reconcile.store.findings import _INVOICE_ROW, _PAYMENT_ROW, _invoice_of, _payment_of

ORDERS: list[tuple[Any, ...]] = [
    ("SO1", "C1", "N-1", "2025-03-04", "approved", "Approved", Decimal("10.5"), "0001", "ERP1"),
    (" SO2 ", " ", "", "2025-03-04 10:00:00", None, " x ", None, None, " "),
    ("SO3", None, None, None, "", "", Decimal("-0"), "", ""),
    ("SO4", 17, 12345, dt.date(2025, 1, 2), "s", "s", "12.30", "r", "e"),
    ("SO5", "C", "N", dt.datetime(2025, 1, 2, 3, 4), "s", "s", 7, "r", "e"),
    ("SO6", "C", "N", "", "s", "s", "", "r", "e"),
    (42, "C", "N", "2025/01/02", "s", "s", Decimal(1), "r", "e"),
]


@pytest.mark.parametrize("row", ORDERS)
def test_order_from_row_is_as_order(row: tuple[Any, ...]) -> None:
    assert order_from_row("crm", row) == as_order({"system": "crm", **dict(zip(ORDER_ROW, row))})


@pytest.mark.parametrize(
    "row", [(None, *ORDERS[0][1:]), ("  ", *ORDERS[0][1:]), ("SO1", *ORDERS[0][1:3], "soon", *ORDERS[0][4:])]
)
def test_order_from_row_raises_as_as_order(row: tuple[Any, ...]) -> None:
    with pytest.raises(MappingError) as want:
        as_order({"system": "crm", **dict(zip(ORDER_ROW, row))})
    with pytest.raises(MappingError) as got:
        order_from_row("crm", row)
    assert str(got.value) == str(want.value)


INVOICES: list[tuple[Any, ...]] = [
    ("INV1", "C1", Decimal("100"), Decimal("20"), "2025-01-02", "2025-02-01", "SO1"),
    (" INV2 ", " ", Decimal("1"), None, None, "", " "),
    ("INV3", None, Decimal("1"), "3.50", dt.date(2025, 1, 1), dt.datetime(2025, 1, 1, 2), None),
    ("INV4", "C", "12", 5, "2025-01-02", None, "x"),
]


@pytest.mark.parametrize("row", INVOICES)
def test_invoice_of_is_as_invoice(row: tuple[Any, ...]) -> None:
    assert _invoice_of(("scope", *row)) == as_invoice(dict(zip(("external_id", *_INVOICE_ROW), row)))


PAYMENTS: list[tuple[Any, ...]] = [
    ("PAY1", "C1", Decimal("100"), "2025-01-02", "INV2025-000001", "T1"),
    (" PAY2 ", " ", Decimal("1"), None, "", " "),
    ("PAY3", None, "7.00", dt.date(2025, 1, 1), None, None),
]


@pytest.mark.parametrize("row", PAYMENTS)
def test_payment_of_is_as_payment(row: tuple[Any, ...]) -> None:
    assert _payment_of(("scope", *row)) == as_payment(dict(zip(("external_id", *_PAYMENT_ROW), row)))


def test_missing_amount_raises_as_before() -> None:
    row = ("INV9", "C", None, None, None, None, None)
    with pytest.raises(MappingError):
        _invoice_of(("scope", *row))
    with pytest.raises(MappingError):
        _payment_of(("scope", "PAY9", "C", None, None, None, None))
