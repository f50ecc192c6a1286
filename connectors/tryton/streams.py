"""Tryton streams: which model and fields each stream reads, how rows flatten, and how writes are built.

Every stream reads with ``search_read`` in pages ordered by id (keyset on ``id > last``) inside a
fixed change window, so a page boundary never skips or repeats a row. Children (addresses,
contact mechanisms, sale lines, invoice lines to pay) are read in one ``read`` call per page.
Values are JSON-friendly: Decimals as strings, dates ``YYYY-MM-DD``, datetimes ISO-8601 UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub.errors import ClientError, MappingError

# fields Tryton returns as "rel.": {...}; flattened by _get("rel.sub")
Row = dict[str, Any]


def _get(row: Row, path: str) -> Any:
    """Value of ``a.b.c`` in a search_read row (Tryton returns relations as ``"a.": {...}``)."""
    head, _, rest = path.partition(".")
    if not rest:
        return row.get(head)
    sub = row.get(head + ".")
    return _get(sub, rest) if isinstance(sub, dict) else None


def jsonable(value: Any) -> Any:
    """Decimal -> str, datetime -> ISO UTC ``...Z``, date -> ISO; others unchanged."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat() + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def updated_at(row: Row) -> dt.datetime | None:
    """Tryton leaves write_date empty until the first write: the change time is write or create date."""
    return row.get("write_date") or row.get("create_date")


@dataclass(frozen=True)
class Child:
    """A one-to-many read for each page: ids come from ``ids_field`` of the parent rows."""

    name: str
    model: str
    ids_field: str
    fields: tuple[str, ...]
    flatten: Callable[[Row], Row]


@dataclass(frozen=True)
class StreamSpec:
    """One readable stream over one Tryton model."""

    name: str
    model: str
    fields: tuple[str, ...]
    flatten: Callable[[Row, dict[str, dict[int, Row]]], Row]
    domain: tuple[Any, ...] = ()
    children: tuple[Child, ...] = ()
    incremental: bool = True
    writable: bool = False
    description: str = ""
    #: fields read only when the server's model has them (from optional modules)
    optional: tuple[str, ...] = ()


_TS = ("create_date", "write_date")


def _base(row: Row) -> Row:
    return {"id": row["id"], "created_at": jsonable(row.get("create_date")), "updated_at": jsonable(updated_at(row))}


def _address(row: Row) -> Row:
    return {
        "address_id": row["id"], "street": row.get("street"), "city": row.get("city"),
        "postal_code": row.get("postal_code"), "country": _get(row, "country.code"),
        "subdivision": _get(row, "subdivision.name"),
    }  # fmt: skip


def _mechanism(row: Row) -> Row:
    return {"mechanism_id": row["id"], "type": row.get("type"), "value": row.get("value")}


def _party(row: Row, kids: dict[str, dict[int, Row]]) -> Row:
    addresses = [kids["addresses"][i] for i in row.get("addresses") or [] if i in kids["addresses"]]
    mechanisms = [
        kids["contact_mechanisms"][i] for i in row.get("contact_mechanisms") or [] if i in kids["contact_mechanisms"]
    ]
    first = addresses[0] if addresses else {}
    return {
        **_base(row), "code": row.get("code"), "name": row.get("name"), "active": bool(row.get("active")),
        "tax_id": _get(row, "tax_identifier.code"), "tax_id_type": _get(row, "tax_identifier.type"),
        "phone": row.get("phone"), "mobile": row.get("mobile"), "email": row.get("email"),
        "website": next((m["value"] for m in mechanisms if m["type"] == "website"), None),
        "street": first.get("street"), "city": first.get("city"), "postal_code": first.get("postal_code"),
        "country": first.get("country"), "subdivision": first.get("subdivision"),
        "addresses": addresses, "contact_mechanisms": mechanisms,
        # account_credit_limit module (absent: None)
        "credit_limit": jsonable(row.get("credit_limit_amount")), "credit_amount": jsonable(row.get("credit_amount")),
    }  # fmt: skip


def _product(row: Row, kids: dict[str, dict[int, Row]]) -> Row:
    return {
        **_base(row), "sku": row.get("code"), "name": row.get("name"), "unit": _get(row, "default_uom.name"),
        "list_price": jsonable(_get(row, "template.list_price")), "type": row.get("type"), "active": bool(row.get("active")),
    }  # fmt: skip


def _sale_line(row: Row) -> Row:
    return {
        "line_id": row["id"], "sale_id": row.get("sale"), "line_no": row.get("sequence"),
        "product_id": _get(row, "product.id"), "sku": _get(row, "product.code"), "description": row.get("description"),
        "quantity": jsonable(Decimal(str(row["quantity"]))) if row.get("quantity") is not None else None,
        "unit": _get(row, "unit.name"), "unit_price": jsonable(row.get("unit_price")), "amount": jsonable(row.get("amount")),
    }  # fmt: skip


def _sale(row: Row, kids: dict[str, dict[int, Row]]) -> Row:
    lines = [kids["lines"][i] for i in row.get("lines") or [] if i in kids["lines"]]
    for n, line in enumerate(lines, 1):
        line["line_no"] = line["line_no"] or n
    return {
        **_base(row), "number": row.get("number"), "reference": row.get("reference"), "description": row.get("description"),
        "party_id": _get(row, "party.id"), "party_code": _get(row, "party.code"), "party_name": _get(row, "party.name"),
        "sale_date": jsonable(row.get("sale_date")), "state": row.get("state"),
        "invoice_state": row.get("invoice_state"), "shipment_state": row.get("shipment_state"),
        "untaxed_amount": jsonable(row.get("untaxed_amount")), "tax_amount": jsonable(row.get("tax_amount")),
        "total_amount": jsonable(row.get("total_amount")), "currency": _get(row, "currency.code"), "lines": lines,
    }  # fmt: skip


def _sale_line_row(row: Row, kids: dict[str, dict[int, Row]]) -> Row:
    return {
        **_base(row), **_sale_line(row), "sale_number": _get(row, "sale.number"),
        "sale_reference": _get(row, "sale.reference"), "sale_state": _get(row, "sale.state"),
    }  # fmt: skip


def _invoice(row: Row, kids: dict[str, dict[int, Row]]) -> Row:
    maturities = [
        kids["lines_to_pay"][i]["maturity_date"] for i in row.get("lines_to_pay") or [] if i in kids["lines_to_pay"]
    ]
    maturities = [m for m in maturities if m]
    sales = row.get("sales") or []
    return {
        **_base(row), "number": row.get("number"), "reference": row.get("reference"), "type": row.get("type"),
        "party_id": _get(row, "party.id"), "party_code": _get(row, "party.code"),
        "invoice_date": jsonable(row.get("invoice_date")), "due_date": jsonable(min(maturities)) if maturities else None,
        "state": row.get("state"), "untaxed_amount": jsonable(row.get("untaxed_amount")),
        "tax_amount": jsonable(row.get("tax_amount")), "total_amount": jsonable(row.get("total_amount")),
        "amount_to_pay": jsonable(row.get("amount_to_pay")), "currency": _get(row, "currency.code"),
        "sale_id": sales[0] if sales else None, "sale_ids": sales, "origins": row.get("origins"),
    }  # fmt: skip


def _payment(row: Row, kids: dict[str, dict[int, Row]]) -> Row:
    amount = (row.get("credit") or Decimal(0)) - (row.get("debit") or Decimal(0))
    return {
        **_base(row), "move_number": _get(row, "move.number"), "party_id": _get(row, "party.id"),
        "party_code": _get(row, "party.code"), "payment_date": jsonable(row.get("date")), "amount": jsonable(amount),
        "memo": row.get("description") or _get(row, "move.description") or None,
        "invoice_id": _get(row, "invoice_payment.id"), "invoice_number": _get(row, "invoice_payment.number"),
        "reconciled": row.get("reconciliation") is not None, "journal": _get(row, "move.journal.code"),
    }  # fmt: skip


STREAMS: dict[str, StreamSpec] = {
    s.name: s
    for s in (
        StreamSpec(
            "parties",
            "party.party",
            (
                "code",
                "name",
                "active",
                "tax_identifier.code",
                "tax_identifier.type",
                "phone",
                "mobile",
                "email",
                "addresses",
                "contact_mechanisms",
                *_TS,
            ),
            _party,
            children=(
                Child(
                    "addresses",
                    "party.address",
                    "addresses",
                    ("street", "city", "postal_code", "country.code", "subdivision.name"),
                    _address,
                ),
                Child(
                    "contact_mechanisms", "party.contact_mechanism", "contact_mechanisms", ("type", "value"), _mechanism
                ),
            ),
            writable=True,
            description="customers/suppliers with addresses and contact mechanisms",
            optional=("credit_limit_amount", "credit_amount"),
        ),
        StreamSpec(
            "products",
            "product.product",
            ("code", "name", "default_uom.name", "template.list_price", "type", "active", *_TS),
            _product,
            description="product variants (sku = product code)",
        ),
        StreamSpec(
            "sales",
            "sale.sale",
            (
                "number",
                "reference",
                "description",
                "party.code",
                "party.name",
                "sale_date",
                "state",
                "invoice_state",
                "shipment_state",
                "untaxed_amount",
                "tax_amount",
                "total_amount",
                "currency.code",
                "lines",
                *_TS,
            ),
            _sale,
            children=(
                Child(
                    "lines",
                    "sale.line",
                    "lines",
                    (
                        "sale",
                        "sequence",
                        "type",
                        "product.code",
                        "description",
                        "quantity",
                        "unit.name",
                        "unit_price",
                        "amount",
                    ),
                    _sale_line,
                ),
            ),
            writable=True,
            description="sales with lines; writes create draft sales",
        ),
        StreamSpec(
            "sale_lines",
            "sale.line",
            (
                "sale",
                "sale.number",
                "sale.reference",
                "sale.state",
                "sequence",
                "product.code",
                "description",
                "quantity",
                "unit.name",
                "unit_price",
                "amount",
                *_TS,
            ),
            _sale_line_row,
            domain=(("type", "=", "line"),),
            description="sale lines (key: line id)",
        ),
        StreamSpec(
            "invoices",
            "account.invoice",
            (
                "number",
                "reference",
                "type",
                "party.code",
                "invoice_date",
                "state",
                "untaxed_amount",
                "tax_amount",
                "total_amount",
                "amount_to_pay",
                "currency.code",
                "sales",
                "origins",
                "lines_to_pay",
                *_TS,
            ),
            _invoice,
            domain=(("type", "=", "out"),),
            children=(
                Child("lines_to_pay", "account.move.line", "lines_to_pay", ("maturity_date",), lambda r: dict(r)),
            ),
            description="customer invoices with amount to pay and due date",
        ),
        StreamSpec(
            "payments",
            "account.move.line",
            (
                "date",
                "party.code",
                "credit",
                "debit",
                "description",
                "move.number",
                "move.description",
                "move.journal.code",
                "invoice_payment.number",
                "reconciliation",
                *_TS,
            ),
            _payment,
            domain=(("account.type.receivable", "=", True), ("move.journal.type", "=", "cash"), ("credit", ">", 0)),
            description="customer payments: credit lines on receivable accounts in cash journals",
        ),
    )
}

_B = ("id", "created_at", "updated_at")
#: the flat field names each stream's records carry (mapping YAML targets these)
OUT_FIELDS: dict[str, tuple[str, ...]] = {
    "parties": (
        *_B,
        "code",
        "name",
        "active",
        "tax_id",
        "tax_id_type",
        "phone",
        "mobile",
        "email",
        "website",
        "street",
        "city",
        "postal_code",
        "country",
        "subdivision",
        "addresses",
        "contact_mechanisms",
        "credit_limit",
        "credit_amount",
    ),
    "products": (*_B, "sku", "name", "unit", "list_price", "type", "active"),
    "sales": (
        *_B,
        "number",
        "reference",
        "description",
        "party_id",
        "party_code",
        "party_name",
        "sale_date",
        "state",
        "invoice_state",
        "shipment_state",
        "untaxed_amount",
        "tax_amount",
        "total_amount",
        "currency",
        "lines",
    ),
    "sale_lines": (
        *_B,
        "line_id",
        "sale_id",
        "line_no",
        "product_id",
        "sku",
        "description",
        "quantity",
        "unit",
        "unit_price",
        "amount",
        "sale_number",
        "sale_reference",
        "sale_state",
    ),
    "invoices": (
        *_B,
        "number",
        "reference",
        "type",
        "party_id",
        "party_code",
        "invoice_date",
        "due_date",
        "state",
        "untaxed_amount",
        "tax_amount",
        "total_amount",
        "amount_to_pay",
        "currency",
        "sale_id",
        "sale_ids",
        "origins",
    ),
    "payments": (
        *_B,
        "move_number",
        "party_id",
        "party_code",
        "payment_date",
        "amount",
        "memo",
        "invoice_id",
        "invoice_number",
        "reconciled",
        "journal",
    ),
}

STOCK_STREAM = "stock"
STOCK_FIELDS = (
    "location_id",
    "location_code",
    "location_name",
    "product_id",
    "sku",
    "quantity",
    "forecast_quantity",
    "as_of",
)


def stock_rows(location: Row, products: list[Row], as_of: dt.date) -> list[tuple[str, Row]]:
    """(key, data) per product with stock at ``location``; key is ``<location code>|<sku>``."""
    out = []
    for p in products:
        qty, forecast = p.get("quantity") or 0, p.get("forecast_quantity") or 0
        if not qty and not forecast:
            continue
        code = location.get("code") or str(location["id"])
        out.append(
            (
                f"{code}|{p.get('code') or p['id']}",
                {
                    "location_id": location["id"],
                    "location_code": code,
                    "location_name": location.get("name"),
                    "product_id": p["id"],
                    "sku": p.get("code"),
                    "quantity": jsonable(Decimal(str(qty))),
                    "forecast_quantity": jsonable(Decimal(str(forecast))),
                    "as_of": as_of.isoformat(),
                },  # fmt: skip
            )
        )
    return out


# -- writes ---------------------------------------------------------------------------------
PARTY_SCALARS = ("name", "code")


def party_create_values(data: Row, country_id: int | None) -> Row:
    """Values for ``party.party.create`` from a flat party change (name required)."""
    if not data.get("name"):
        raise MappingError("party needs a name", field="name")
    values: Row = {k: data[k] for k in PARTY_SCALARS if data.get(k)}
    if data.get("tax_id"):
        values["identifiers"] = [["create", [{"type": data.get("tax_id_type") or "cn_vat", "code": data["tax_id"]}]]]
    mechanisms = [{"type": t, "value": data[t]} for t in ("phone", "email", "website") if data.get(t)]
    if mechanisms:
        values["contact_mechanisms"] = [["create", mechanisms]]
    address = {k: data[k] for k in ("street", "city", "postal_code") if data.get(k)}
    if country_id:
        address["country"] = country_id
    values["addresses"] = [["create", [address]]]
    return values


def sale_create_values(data: Row, party: Row, products: dict[str, Row]) -> Row:
    """Values for a draft ``sale.sale`` over raw RPC (no on_change runs: unit, price and addresses given)."""
    addresses = party.get("addresses") or []
    if not addresses:
        raise ClientError(f"party {party.get('code') or party['id']} has no address for the sale", field="party")
    lines = []
    for n, line in enumerate(data.get("lines") or [], 1):
        sku = line.get("sku")
        product = products.get(sku) if sku else None
        if product is None:
            raise MappingError(f"line {n}: unknown product {sku!r}", field="lines.sku")
        if line.get("quantity") in (None, ""):
            raise MappingError(f"line {n}: quantity is required", field="lines.quantity")
        price = line.get("unit_price")
        lines.append(
            {
                "type": "line",
                "product": product["id"],
                "unit": _get(product, "default_uom.id"),
                "quantity": float(Decimal(str(line["quantity"]))),
                "unit_price": Decimal(str(price)) if price not in (None, "") else _get(product, "template.list_price"),
                "description": line.get("description") or product.get("name") or "",
            }  # fmt: skip
        )
    if not lines:
        raise MappingError("a sale needs at least one line", field="lines")
    values: Row = {
        "party": party["id"], "invoice_address": addresses[0], "shipment_address": addresses[0],
        "lines": [["create", lines]],
    }  # fmt: skip
    if data.get("sale_date"):
        values["sale_date"] = dt.date.fromisoformat(str(data["sale_date"])[:10])
    for k in ("reference", "description"):
        if data.get(k):
            values[k] = data[k]
    return values
