"""Order -> invoice -> shipment quantities: DRP invoice lines against the order, EDI 855/856/810 against the 850.

Two rules, pure functions over canonical records (the store reads are
:mod:`hub.reconcile.store.fulfilment`):

* invoice_line_mismatch: a DRP order's invoice lines, added up per SKU over all its invoices,
  invoice a SKU the order does not hold or more than ordered (always), or less than ordered once
  the order is in a status of ``orders.fully_invoiced``; and an invoice whose lines do not add up
  to its amount (``orders.amount_tolerance``).
* fulfilment_quantity_mismatch: for a DRP order that came from an EDI 850, the partner's
  acknowledged (855), shipped (856) and invoiced (810) quantities per SKU against the 850 and the
  DRP order: the DRP order differs from the 850, the 855 acknowledges another quantity than
  ordered, more is shipped than acknowledged (or ordered), more is invoiced than shipped (or
  ordered); and once the DRP order is in a status of ``fulfilment.complete_statuses``, less
  shipped or invoiced than ordered. A kind of document the partner never sent for the PO is not
  compared. Quantities differ when they differ by more than ``fulfilment.qty_tolerance``.

Each rule yields one finding per DRP order naming every SKU that disagrees, in words.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub.reconcile.cashapp import Invoice, as_invoice
from hub.reconcile.discrepancy import Discrepancy
from hub.reconcile.orders import EdiOrigin, LineLookup, OrderLine, SalesOrder, as_order, status_in
from hub.reconcile.rules_config import RulesConfig

__all__ = ["QtyLine", "KINDS", "invoice_line_mismatch", "fulfilment_quantity_mismatch", "sku_totals"]

#: fulfilment line kinds, in the order of the flow, and the EDI set each comes from
KINDS: Mapping[str, str] = {"order": "850", "ack": "855", "ship": "856", "invoice": "810"}


@dataclass(frozen=True, slots=True)
class QtyLine:
    """One quantity of a document line: an 850/855/856/810 line or a DRP invoice line."""

    kind: str  # order | ack | ship | invoice
    sku: str | None
    quantity: Decimal
    line_no: int | None = None
    document_ref: str | None = None  # acknowledgement, shipment or invoice number
    order_ref: str | None = None  # the order the line names (invoice lines)
    amount: Decimal | None = None


def _sku_key(sku: str | None, line_no: int | None) -> str:
    return sku if sku else f"line {line_no if line_no is not None else '?'}"


def sku_totals(lines: Iterable[QtyLine | OrderLine]) -> dict[str, Decimal]:
    """Quantity per SKU (a line without SKU counts under its line number)."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for ln in lines:
        out[_sku_key(ln.sku, ln.line_no)] += ln.quantity
    return dict(out)


def _q(v: Decimal) -> str:
    return f"{v.normalize():f}"


def _money(v: Decimal | None) -> str:
    return "?" if v is None else f"CNY {v:,.2f}"


# ----------------------------------------------------------------------------- DRP order vs its invoice lines
def invoice_line_mismatch(
    drp_orders: Iterable[SalesOrder | Mapping[str, Any]],
    lines: LineLookup,
    invoices: Iterable[Invoice | Mapping[str, Any]],
    invoice_lines: Mapping[str, Sequence[QtyLine]],
    config: RulesConfig | None = None,
) -> Iterator[Discrepancy]:
    """DRP orders whose invoice lines do not agree with the order lines (see the module docstring)."""
    cfg = config or RulesConfig()
    kind = "invoice_line_mismatch"
    if not cfg.enabled(kind):
        return
    tol, amount_tol = cfg.fulfilment.qty_tolerance, cfg.orders.amount_tolerance
    invoiced: dict[str, list[QtyLine]] = defaultdict(list)
    invoice_nos: dict[str, set[str]] = defaultdict(set)
    bad_sums: dict[str, list[str]] = defaultdict(list)
    for raw in invoices:
        inv = as_invoice(raw)
        got = invoice_lines.get(inv.external_id, ())
        for ln in got:
            order = ln.order_ref or inv.order_ref
            if order:
                invoiced[order].append(ln)
                invoice_nos[order].add(inv.external_id)
        amounts = [ln.amount for ln in got]
        if got and inv.order_ref and all(a is not None for a in amounts):
            total = sum((a for a in amounts if a is not None), Decimal(0))
            if abs(total - inv.amount) > amount_tol:
                bad_sums[inv.order_ref].append(
                    f"invoice {inv.external_id}'s lines add up to {_money(total)}, the invoice to {_money(inv.amount)}"
                )
    for raw_order in drp_orders:
        o = as_order(raw_order)
        inv_lines = invoiced.get(o.external_id)
        if not inv_lines:
            continue
        order_lines = lines(o.system, o.external_id)
        ordered, billed = sku_totals(order_lines), sku_totals(inv_lines)
        complete = status_in(o, cfg.orders.fully_invoiced)
        problems: list[str] = []
        for sku in sorted(set(ordered) | set(billed)):
            q, i = ordered.get(sku), billed.get(sku, Decimal(0))
            if q is None:
                if order_lines:
                    problems.append(f"{sku}: invoiced {_q(i)}, not on the order")
            elif i - q > tol:
                problems.append(f"{sku}: invoiced {_q(i)}, ordered {_q(q)}")
            elif q - i > tol and complete:
                problems.append(f"{sku}: invoiced only {_q(i)} of {_q(q)} ordered")
        problems += bad_sums.get(o.external_id, [])
        if not problems:
            continue
        nos = sorted(invoice_nos[o.external_id])
        yield Discrepancy(
            kind,
            cfg.severity(kind),
            (o.external_id,),
            "drp",
            f"DRP order {o.external_id} ({o.source_status or o.status}) and its invoice"
            f"{'s' if len(nos) > 1 else ''} {', '.join(nos)} disagree line by line: " + "; ".join(problems) + ".",
            {
                "drp_order_no": o.external_id,
                "invoice_nos": nos,
                "ordered": {k: str(v) for k, v in sorted(ordered.items())},
                "invoiced": {k: str(v) for k, v in sorted(billed.items())},
                "problems": problems,
                "tolerance": tol,
            },
        )


# ----------------------------------------------------------------------------- EDI 855/856/810 vs the 850 and the DRP order
def _edi_problems(
    sku: str,
    po: Decimal | None,
    drp: Decimal | None,
    got: Mapping[str, dict[str, Decimal] | None],
    complete: bool,
    tol: Decimal,
) -> list[str]:
    out: list[str] = []
    differs = lambda a, b: abs(a - b) > tol  # noqa: E731
    ack, ship, inv = got["ack"], got["ship"], got["invoice"]
    ordered = po if po is not None else drp
    if po is not None and drp is not None and differs(po, drp):
        out.append(f"the DRP order has {_q(drp)}, the 850 {_q(po)}")
    elif po is not None and drp is None and got["drp"] is not None:
        out.append(f"ordered {_q(po)} on the 850, not on the DRP order")
    elif po is None and got["order"] is not None and drp is not None:
        out.append(f"{_q(drp)} on the DRP order, not on the 850")
    a = ack.get(sku, Decimal(0)) if ack is not None else None
    s = ship.get(sku, Decimal(0)) if ship is not None else None
    i = inv.get(sku, Decimal(0)) if inv is not None else None
    base = ordered if ordered is not None else Decimal(0)
    if a is not None and differs(a, base):
        out.append(f"acknowledged {_q(a)} of {_q(base)} ordered")
    cap, cap_word = (a, "acknowledged") if a is not None else (base, "ordered")
    if s is not None and s - cap > tol:
        out.append(f"shipped {_q(s)}, more than the {_q(cap)} {cap_word}")
    elif s is not None and complete and cap - s > tol:
        out.append(f"shipped only {_q(s)} of {_q(cap)} {cap_word}")
    icap, icap_word = (s, "shipped") if s is not None else (cap, cap_word)
    if i is not None and i - icap > tol:
        out.append(f"invoiced {_q(i)}, more than the {_q(icap)} {icap_word}")
    elif i is not None and complete and cap - i > tol:
        out.append(f"invoiced only {_q(i)} of {_q(cap)} {cap_word}")
    return out


def fulfilment_quantity_mismatch(
    drp_orders: Iterable[SalesOrder | Mapping[str, Any]],
    lines: LineLookup,
    edi_order_nos: Mapping[str, EdiOrigin],
    fulfilment_lines: Mapping[str, Sequence[QtyLine]],
    config: RulesConfig | None = None,
) -> Iterator[Discrepancy]:
    """DRP orders from an 850 whose 855/856/810 quantities disagree (see the module docstring).

    ``fulfilment_lines``: PO number -> its 850 lines (kind ``order``) and the partner's 855/856/810 lines.
    """
    cfg = config or RulesConfig()
    kind = "fulfilment_quantity_mismatch"
    if not cfg.enabled(kind):
        return
    tol = cfg.fulfilment.qty_tolerance
    for raw in drp_orders:
        o = as_order(raw)
        origin = edi_order_nos.get(o.external_id)
        if origin is None:
            continue
        by_kind: dict[str, list[QtyLine]] = defaultdict(list)
        for ln in fulfilment_lines.get(origin.po_number, ()):
            by_kind[ln.kind].append(ln)
        if not any(by_kind.get(k) for k in ("ack", "ship", "invoice")):
            continue
        drp_lines = lines(o.system, o.external_id)
        got: dict[str, dict[str, Decimal] | None] = {
            k: sku_totals(by_kind[k]) if by_kind.get(k) else None for k in ("order", "ack", "ship", "invoice")
        }
        got["drp"] = sku_totals(drp_lines) if drp_lines else None
        skus = sorted({s for totals in got.values() if totals for s in totals})
        complete = status_in(o, cfg.fulfilment.complete_statuses)
        problems: list[str] = []
        rows: dict[str, dict[str, str | None]] = {}
        for sku in skus:
            po = got["order"].get(sku) if got["order"] is not None else None
            drp = got["drp"].get(sku) if got["drp"] is not None else None
            found = _edi_problems(sku, po, drp, got, complete, tol)
            rows[sku] = {
                k: (str(t[sku]) if t is not None and sku in t else None) for k, t in got.items() if t is not None
            }
            problems += (f"{sku}: {p}" for p in found)
        if not problems:
            continue
        sent = ", ".join(KINDS[k] for k in ("ack", "ship", "invoice") if by_kind.get(k))
        yield Discrepancy(
            kind,
            cfg.severity(kind),
            (o.external_id,),
            "drp",
            f"DRP order {o.external_id} (850 PO {origin.po_number}, {o.source_status or o.status}): the partner's "
            f"{sent} disagree{'s' if ',' not in sent else ''} with the order: " + "; ".join(problems) + ".",
            {
                "drp_order_no": o.external_id,
                "po_number": origin.po_number,
                "documents": sorted(
                    {
                        f"{KINDS[ln.kind]} {ln.document_ref}"
                        for ln in by_kind["ack"] + by_kind["ship"] + by_kind["invoice"]
                        if ln.document_ref
                    }
                ),
                "quantities": rows,
                "problems": problems,
                "tolerance": tol,
            },
        )
