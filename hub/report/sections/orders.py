"""Orders section: orders that disagree between the CRM and the DRP, both sides side by side."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from hub.reconcile.rule_registry import rules_in
from hub.report.cells import money
from hub.report.model import Chart, Column, Figure, Section
from hub.report.query import alive_discrepancies, names, rows_by_ids
from hub.report.sections import SectionContext, make_table

#: the rules this section lists, in registry order
ORDER_RULES = rules_in(section="orders")
ORDER_KINDS = tuple(r.kind for r in ORDER_RULES)
_SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
_FIELDS = ["order_number", "order_date", "status", "source_status", "amount", "party_ref"]

COLUMNS = [
    Column("kind", "Kind"),
    Column("severity", "Severity"),
    Column("status", "Status"),
    Column("customer", "Customer"),
    Column("crm_order", "CRM order"),
    Column("crm_date", "CRM date", "date"),
    Column("crm_status", "CRM status"),
    Column("crm_amount", "CRM amount", "money"),
    Column("drp_order", "DRP order"),
    Column("drp_date", "DRP date", "date"),
    Column("drp_status", "DRP status"),
    Column("drp_amount", "DRP amount", "money"),
    Column("difference", "Difference (DRP − CRM)", "money"),
    Column("detail", "What differs"),
]


def _crm_drp_ids(d: Any) -> tuple[str | None, str | None]:
    if d.kind == "order_missing_in_drp":
        return d.external_id, None
    if d.kind == "order_missing_in_crm" or (d.system == "drp" and not d.other_external_id):
        return None, d.external_id  # a finding about one DRP order (its invoices, its partner's EDI quantities)
    return d.external_id, d.other_external_id


def _status(o: dict[str, Any] | None) -> str | None:
    return None if o is None else (o.get("source_status") or o.get("status"))


def build(conn: Connection, ctx: SectionContext) -> Section:
    scope, roles = ctx.scope, ctx.roles
    found = list(alive_discrepancies(conn, scope.run_id, ORDER_KINDS))
    pairs = [_crm_drp_ids(d) for d in found]
    crm = rows_by_ids(conn, "sales_order", roles.crm, (c for c, _ in pairs if c), _FIELDS)
    drp = rows_by_ids(conn, "sales_order", roles.drp, (d for _, d in pairs if d), _FIELDS)
    drp_names = names(conn, "party", roles.drp, {o["party_ref"] for o in drp.values() if o["party_ref"]})
    crm_names = names(conn, "party", roles.crm, {o["party_ref"] for o in crm.values() if o["party_ref"]})

    rows: list[tuple[Any, ...]] = []
    for d, (cid, did) in zip(found, pairs):
        c, o = crm.get(cid) if cid else None, drp.get(did) if did else None
        dates = [x["order_date"] for x in (c, o) if x is not None and x["order_date"] is not None]
        if not any(scope.in_range(day) for day in dates) and (dates or scope.date_from or scope.date_to):
            continue
        customer = (
            (drp_names.get(o["party_ref"]) if o else None)
            or (crm_names.get(c["party_ref"]) if c else None)
            or (o or c or {}).get("party_ref")
        )
        c_amt = c["amount"] if c else None
        d_amt = o["amount"] if o else None
        diff = money(d_amt - c_amt) if c_amt is not None and d_amt is not None else None
        detail = d.message or ""
        if d.kind == "order_line_mismatch":
            parts = []
            if d.details.get("crm_only"):
                parts.append("only in CRM: " + ", ".join(f"{s} x{q}" for s, q in d.details["crm_only"]))
            if d.details.get("drp_only"):
                parts.append("only in DRP: " + ", ".join(f"{s} x{q}" for s, q in d.details["drp_only"]))
            detail = "; ".join(parts) or detail
        elif d.kind == "order_status_mismatch":
            detail = f"{_status(c) or d.details.get('crm_status')} ≠ {_status(o) or d.details.get('drp_status')}"
        elif d.kind == "order_amount_mismatch" and diff is not None:
            detail = f"amount differs by {diff:+,.2f}"
        rows.append(
            (
                d.kind,
                d.severity,
                d.status,
                customer,
                (c["order_number"] if c else None) or cid,
                c["order_date"] if c else None,
                _status(c),
                c_amt,
                did,
                o["order_date"] if o else None,
                _status(o),
                d_amt,
                diff,
                detail,
            )
        )
    rows.sort(
        key=lambda r: (
            _SEVERITY_RANK.get(r[1], 9),
            r[0],
            -(abs(r[12]) if r[12] is not None else Decimal(0)),
            str(r[4] or ""),
            str(r[8] or ""),
        )
    )
    by_kind = Counter(r[0] for r in rows)
    amount_gap = sum((abs(r[12]) for r in rows if r[0] == "order_amount_mismatch" and r[12] is not None), Decimal(0))
    missing_value = sum((r[7] or Decimal(0) for r in rows if r[0] == "order_missing_in_drp"), Decimal(0)) + sum(
        (r[11] or Decimal(0) for r in rows if r[0] == "order_missing_in_crm"), Decimal(0)
    )
    figures = (
        Figure("orders_disagreeing", "Orders that disagree", len(rows), "int", "warn" if rows else "good"),
        *(Figure(r.kind.removeprefix("order_"), r.label, by_kind.get(r.kind, 0)) for r in ORDER_RULES),
        Figure("amount_gap", "Sum of amount differences", money(amount_gap), "money"),
        Figure("missing_value", "Value of missing orders", money(missing_value), "money"),
    )
    chart = Chart(
        "by_kind", "Orders that disagree, by kind", "bar", tuple((k, by_kind[k]) for k in ORDER_KINDS if by_kind.get(k))
    )
    table = make_table("orders", "Orders that disagree", COLUMNS, rows, ctx.max_rows)
    notes: tuple[str, ...] = (
        "Each row is one open discrepancy; CRM and DRP columns show the two records as they are in the store.",
    )
    if scope.date_from or scope.date_to:
        notes += (f"Only orders dated {scope.date_from or '…'} to {scope.date_to or '…'} (either side).",)
    return Section("orders", "Orders that disagree", figures, (chart,), (table,), notes)
