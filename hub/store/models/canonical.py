"""Canonical entity models (generated from hub.canonical.ENTITIES; keep them in step).

One table per entity. A row is one record of one system (``system``, ``external_id``) as mapped
into the canonical vocabulary; golden records live in the same table with ``system = "golden"``
and ``external_id`` = canonical id. ``row_hash`` fingerprints the mapped values so unchanged rows
are never rewritten; ``run_id`` is the run that last changed the row.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import WITHOUT_ROWID, Base
from hub.store.types import ExactDecimal, UTCDateTime

GOLDEN = "golden"

# The type checker sees the column mixin as a mapped class (so ``model.__table__`` is typed);
# at runtime it stays a plain mixin.
if TYPE_CHECKING:
    _MappedMixin = Base
else:
    _MappedMixin = object


class CanonicalRecord(_MappedMixin):
    """Columns every canonical entity table has."""

    system: Mapped[str] = mapped_column(String(), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(), primary_key=True)
    row_hash: Mapped[str] = mapped_column(String(), nullable=False)
    run_id: Mapped[int | None] = mapped_column(Integer())
    deleted: Mapped[bool] = mapped_column(Boolean(), default=False, nullable=False)


class Party(CanonicalRecord, Base):
    """Canonical party record."""

    __tablename__ = "party"
    __table_args__ = WITHOUT_ROWID

    name: Mapped[str | None] = mapped_column(String())
    channel_level: Mapped[str | None] = mapped_column(String())
    parent_ref: Mapped[str | None] = mapped_column(String())
    tax_id: Mapped[str | None] = mapped_column(String())
    erp_code: Mapped[str | None] = mapped_column(String())
    edi_id: Mapped[str | None] = mapped_column(String())
    province: Mapped[str | None] = mapped_column(String())
    city: Mapped[str | None] = mapped_column(String())
    address: Mapped[str | None] = mapped_column(String())
    postal_code: Mapped[str | None] = mapped_column(String())
    country: Mapped[str | None] = mapped_column(String())
    phone: Mapped[str | None] = mapped_column(String())
    email: Mapped[str | None] = mapped_column(String())
    website: Mapped[str | None] = mapped_column(String())
    owner_ref: Mapped[str | None] = mapped_column(String())
    credit_limit: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    currency: Mapped[str | None] = mapped_column(String())
    created_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Contact(CanonicalRecord, Base):
    """Canonical contact record."""

    __tablename__ = "contact"
    __table_args__ = (Index("ix_contact_party_ref", "party_ref"), WITHOUT_ROWID)

    party_ref: Mapped[str | None] = mapped_column(String())
    first_name: Mapped[str | None] = mapped_column(String())
    last_name: Mapped[str | None] = mapped_column(String())
    email: Mapped[str | None] = mapped_column(String())
    phone: Mapped[str | None] = mapped_column(String())
    title: Mapped[str | None] = mapped_column(String())
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Person(CanonicalRecord, Base):
    """Canonical person record."""

    __tablename__ = "person"
    __table_args__ = WITHOUT_ROWID

    given_name: Mapped[str | None] = mapped_column(String())
    family_name: Mapped[str | None] = mapped_column(String())
    full_name: Mapped[str | None] = mapped_column(String())
    birth_date: Mapped[str | None] = mapped_column(String())
    national_id: Mapped[str | None] = mapped_column(String())
    email: Mapped[str | None] = mapped_column(String())
    phone: Mapped[str | None] = mapped_column(String())
    street_number: Mapped[str | None] = mapped_column(String())
    address_line1: Mapped[str | None] = mapped_column(String())
    address_line2: Mapped[str | None] = mapped_column(String())
    city: Mapped[str | None] = mapped_column(String())
    postal_code: Mapped[str | None] = mapped_column(String())
    state: Mapped[str | None] = mapped_column(String())
    country: Mapped[str | None] = mapped_column(String())
    party_ref: Mapped[str | None] = mapped_column(String())
    title: Mapped[str | None] = mapped_column(String())
    employee_code: Mapped[str | None] = mapped_column(String())
    team: Mapped[str | None] = mapped_column(String())
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Salesperson(CanonicalRecord, Base):
    """Canonical salesperson record."""

    __tablename__ = "salesperson"
    __table_args__ = WITHOUT_ROWID

    name: Mapped[str | None] = mapped_column(String())
    email: Mapped[str | None] = mapped_column(String())
    team: Mapped[str | None] = mapped_column(String())
    employee_code: Mapped[str | None] = mapped_column(String())
    commission_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    active: Mapped[bool | None] = mapped_column(Boolean())
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Product(CanonicalRecord, Base):
    """Canonical product record."""

    __tablename__ = "product"
    __table_args__ = WITHOUT_ROWID

    sku: Mapped[str | None] = mapped_column(String())
    name: Mapped[str | None] = mapped_column(String())
    spec: Mapped[str | None] = mapped_column(String())
    unit: Mapped[str | None] = mapped_column(String())
    family: Mapped[str | None] = mapped_column(String())
    list_price: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    active: Mapped[bool | None] = mapped_column(Boolean())
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Location(CanonicalRecord, Base):
    """Canonical location record."""

    __tablename__ = "location"
    __table_args__ = WITHOUT_ROWID

    name: Mapped[str | None] = mapped_column(String())
    kind: Mapped[str | None] = mapped_column(String())
    owner_ref: Mapped[str | None] = mapped_column(String())
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Inventory(CanonicalRecord, Base):
    """Canonical inventory record."""

    __tablename__ = "inventory"
    __table_args__ = WITHOUT_ROWID

    location_ref: Mapped[str | None] = mapped_column(String())
    party_ref: Mapped[str | None] = mapped_column(String())
    sku: Mapped[str | None] = mapped_column(String())
    as_of: Mapped[dt.date | None] = mapped_column(Date())
    on_hand: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    reserved: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    in_transit: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    report_ref: Mapped[str | None] = mapped_column(String())


class SalesOrder(CanonicalRecord, Base):
    """Canonical sales order record."""

    __tablename__ = "sales_order"
    __table_args__ = (Index("ix_sales_order_party_ref", "party_ref"), WITHOUT_ROWID)

    party_ref: Mapped[str | None] = mapped_column(String())
    order_number: Mapped[str | None] = mapped_column(String())
    order_date: Mapped[dt.date | None] = mapped_column(Date())
    status: Mapped[str | None] = mapped_column(String())
    source_status: Mapped[str | None] = mapped_column(String())
    amount: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    currency: Mapped[str | None] = mapped_column(String())
    source_ref: Mapped[str | None] = mapped_column(String())
    erp_order_no: Mapped[str | None] = mapped_column(String())
    opportunity_ref: Mapped[str | None] = mapped_column(String())
    ship_to: Mapped[str | None] = mapped_column(String())
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class OrderLine(CanonicalRecord, Base):
    """Canonical order line record."""

    __tablename__ = "order_line"
    __table_args__ = (Index("ix_order_line_order_ref", "order_ref"), WITHOUT_ROWID)

    order_ref: Mapped[str | None] = mapped_column(String())
    line_no: Mapped[int | None] = mapped_column(Integer())
    product_ref: Mapped[str | None] = mapped_column(String())
    sku: Mapped[str | None] = mapped_column(String())
    quantity: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    unit_price: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    amount: Mapped[Decimal | None] = mapped_column(ExactDecimal())


class Invoice(CanonicalRecord, Base):
    """Canonical invoice record."""

    __tablename__ = "invoice"
    __table_args__ = (
        Index("ix_invoice_party_ref", "party_ref"),
        Index("ix_invoice_order_ref", "order_ref"),
        WITHOUT_ROWID,
    )

    order_ref: Mapped[str | None] = mapped_column(String())
    party_ref: Mapped[str | None] = mapped_column(String())
    invoice_date: Mapped[dt.date | None] = mapped_column(Date())
    due_date: Mapped[dt.date | None] = mapped_column(Date())
    amount: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    open_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    currency: Mapped[str | None] = mapped_column(String())
    status: Mapped[str | None] = mapped_column(String())
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class InvoiceLine(CanonicalRecord, Base):
    """Canonical invoice line record."""

    __tablename__ = "invoice_line"
    __table_args__ = (
        Index("ix_invoice_line_invoice_ref", "invoice_ref"),
        Index("ix_invoice_line_order_ref", "order_ref"),
        WITHOUT_ROWID,
    )

    invoice_ref: Mapped[str | None] = mapped_column(String())
    order_ref: Mapped[str | None] = mapped_column(String())
    line_no: Mapped[int | None] = mapped_column(Integer())
    product_ref: Mapped[str | None] = mapped_column(String())
    sku: Mapped[str | None] = mapped_column(String())
    quantity: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    unit_price: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    amount: Mapped[Decimal | None] = mapped_column(ExactDecimal())


class FulfilmentLine(CanonicalRecord, Base):
    """Canonical fulfilment line record (EDI 855 / 856 / 810 line)."""

    __tablename__ = "fulfilment_line"
    __table_args__ = (Index("ix_fulfilment_line_order_ref", "order_ref"), WITHOUT_ROWID)

    kind: Mapped[str | None] = mapped_column(String())
    order_ref: Mapped[str | None] = mapped_column(String())
    document_ref: Mapped[str | None] = mapped_column(String())
    line_no: Mapped[int | None] = mapped_column(Integer())
    sku: Mapped[str | None] = mapped_column(String())
    quantity: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    unit_price: Mapped[Decimal | None] = mapped_column(ExactDecimal())


class Payment(CanonicalRecord, Base):
    """Canonical payment record."""

    __tablename__ = "payment"
    __table_args__ = (Index("ix_payment_party_ref", "party_ref"), WITHOUT_ROWID)

    party_ref: Mapped[str | None] = mapped_column(String())
    payment_date: Mapped[dt.date | None] = mapped_column(Date())
    amount: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    currency: Mapped[str | None] = mapped_column(String())
    memo: Mapped[str | None] = mapped_column(Text())
    trace: Mapped[str | None] = mapped_column(String())
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class RemittanceLine(CanonicalRecord, Base):
    """Canonical remittance line record."""

    __tablename__ = "remittance_line"
    __table_args__ = (Index("ix_remittance_line_party_ref", "party_ref"), WITHOUT_ROWID)

    trace: Mapped[str | None] = mapped_column(String())
    party_ref: Mapped[str | None] = mapped_column(String())
    payment_date: Mapped[dt.date | None] = mapped_column(Date())
    payment_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    invoice_ref: Mapped[str | None] = mapped_column(String())
    paid_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    invoice_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal())


class Opportunity(CanonicalRecord, Base):
    """Canonical opportunity record."""

    __tablename__ = "opportunity"
    __table_args__ = (Index("ix_opportunity_party_ref", "party_ref"), WITHOUT_ROWID)

    party_ref: Mapped[str | None] = mapped_column(String())
    name: Mapped[str | None] = mapped_column(String())
    stage: Mapped[str | None] = mapped_column(String())
    amount: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    close_date: Mapped[dt.date | None] = mapped_column(Date())
    owner_ref: Mapped[str | None] = mapped_column(String())
    currency: Mapped[str | None] = mapped_column(String())
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


#: entity name -> model class
MODELS: dict[str, type[CanonicalRecord]] = {
    "party": Party,
    "contact": Contact,
    "person": Person,
    "salesperson": Salesperson,
    "product": Product,
    "location": Location,
    "inventory": Inventory,
    "sales_order": SalesOrder,
    "order_line": OrderLine,
    "invoice": Invoice,
    "invoice_line": InvoiceLine,
    "fulfilment_line": FulfilmentLine,
    "payment": Payment,
    "remittance_line": RemittanceLine,
    "opportunity": Opportunity,
}
