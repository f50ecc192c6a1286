"""Rule inputs read from the store on demand, once per bucket of customers: opportunity orders,
invoice lines, and the 850 and 855/856/810 lines of the bucket's EDI orders.

:data:`BUCKET_READERS` maps an input name of :data:`hub.reconcile.rule_registry.INPUTS` to its
reader; the bucket's inputs (:mod:`hub.reconcile.store.findings`) call it the first time an
enabled rule asks for that input. A reader gets a :class:`BucketContext`: the connection, the
system roles, the bucket's row reader and the inputs already at hand (orders, invoices, EDI
origins). Nothing is read when the store holds no row of the entity for the system.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from hub.reconcile.config import Roles
from hub.reconcile.fulfilment import KINDS, QtyLine
from hub.reconcile.orders import normalize_order_number
from hub.reconcile.store.reads import memo_rows
from hub.store.fast import decimal_positions

__all__ = ["BucketContext", "BUCKET_READERS"]

#: ids per IN list
_CHUNK = 500

RowReader = Callable[..., Iterator[dict[str, Any]]]


@dataclass(frozen=True)
class BucketContext:
    """What a reader reads with: ``rows(entity, system, party_system, fields)`` yields the live rows
    of the bucket's customers; ``inputs`` has the bucket's other inputs as attributes."""

    conn: Connection
    roles: Roles
    rows: RowReader
    inputs: Any


def _any_row(conn: Connection, entity: str, system: str) -> bool:
    sql = f"SELECT 1 FROM {entity} WHERE system = ? AND deleted = ? LIMIT 1"
    return next(memo_rows(conn, sql, [system, False], ["one"]), None) is not None


def _rows_by(
    conn: Connection, entity: str, system: str, column: str, ids: Sequence[str], fields: Sequence[str]
) -> Iterator[dict[str, Any]]:
    """Live rows of ``system`` whose ``column`` is one of ``ids``."""
    names = list(fields)
    dec = decimal_positions(entity, names)
    for i in range(0, len(ids), _CHUNK):
        part = ids[i : i + _CHUNK]
        sql = (
            f"SELECT {', '.join(names)} FROM {entity} WHERE system = ? AND deleted = ? "
            f"AND {column} IN ({', '.join('?' for _ in part)})"
        )
        yield from memo_rows(conn, sql, [system, False, *part], names, dec)


def opportunity_order_nos(ctx: BucketContext) -> set[str]:
    """The bucket's DRP orders whose source reference (来源单号) is the id of a CRM opportunity of the bucket."""
    crm, inputs = ctx.roles.crm, ctx.inputs
    accounted = (inputs.linked_drp_nos, inputs.edi_order_nos)  # only the orders otherwise missing in the CRM
    refs = {
        normalize_order_number(o.source_ref): o.external_id
        for o in inputs.drp_orders
        if o.source_ref and not any(o.external_id in a for a in accounted)
    }
    if not refs or not _any_row(ctx.conn, "opportunity", crm):
        return set()
    out = set()
    for r in ctx.rows("opportunity", crm, crm, ()):
        no = refs.get(normalize_order_number(r["external_id"]))
        if no is not None:
            out.add(no)
    return out


def invoice_lines(ctx: BucketContext) -> dict[str, list[QtyLine]]:
    """The lines of the bucket's DRP invoices, by invoice number."""
    drp = ctx.roles.drp
    if not _any_row(ctx.conn, "invoice_line", drp):
        return {}
    nos = sorted({inv.external_id for inv in ctx.inputs.invoices})
    out: dict[str, list[QtyLine]] = defaultdict(list)
    fields = ("invoice_ref", "order_ref", "line_no", "sku", "product_ref", "quantity", "amount")
    for r in _rows_by(ctx.conn, "invoice_line", drp, "invoice_ref", nos, fields):
        if r["quantity"] is None:
            continue
        sku = r["sku"] or r["product_ref"]
        out[r["invoice_ref"]].append(
            QtyLine("invoice", sku, r["quantity"], r["line_no"], r["invoice_ref"], r["order_ref"], r["amount"])
        )
    return dict(out)


def fulfilment_lines(ctx: BucketContext) -> dict[str, list[QtyLine]]:
    """For the 850 POs the bucket's DRP orders came from: their 850 lines and the partner's
    855/856/810 lines (those with a quantity), by PO number."""
    edi = ctx.roles.edi
    origins: Mapping[str, Any] = ctx.inputs.edi_order_nos
    pos = sorted({o.po_number for o in origins.values()})
    if not pos or not _any_row(ctx.conn, "fulfilment_line", edi):
        return {}
    out: dict[str, list[QtyLine]] = defaultdict(list)
    fields = ("kind", "order_ref", "document_ref", "line_no", "sku", "quantity")
    for r in _rows_by(ctx.conn, "fulfilment_line", edi, "order_ref", pos, fields):
        if r["quantity"] is not None and r["kind"] in KINDS and r["kind"] != "order":
            q: Decimal = r["quantity"]
            out[r["order_ref"]].append(QtyLine(r["kind"], r["sku"], q, r["line_no"], r["document_ref"]))
    answered = sorted(out)
    for r in _rows_by(ctx.conn, "order_line", edi, "order_ref", answered, ("order_ref", "line_no", "sku", "quantity")):
        if r["quantity"] is not None:
            out[r["order_ref"]].append(QtyLine("order", r["sku"], r["quantity"], r["line_no"], r["order_ref"]))
    return dict(out)


#: input name -> its reader
BUCKET_READERS: Mapping[str, Callable[[BucketContext], Any]] = {
    "opportunity_order_nos": opportunity_order_nos,
    "invoice_lines": invoice_lines,
    "fulfilment_lines": fulfilment_lines,
}
