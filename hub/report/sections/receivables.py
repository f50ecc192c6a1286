"""Receivables and credit section: customers over their credit limit, aging buckets, unapplied payments with suggestions."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from hub.reconcile.rule_registry import RULES
from hub.report.cells import money
from hub.report.model import Chart, Column, Figure, Section
from hub.report.query import alive_discrepancies, rows_by_ids, stream
from hub.report.sections import SectionContext, make_table
from hub.report.sections.team import in_teams, sellers, team_of

BUCKETS = ("not_due", "d0_30", "d31_60", "d61_90", "d90_plus")
BUCKET_LABELS = {
    "not_due": "Not yet due",
    "d0_30": "0–30 days",
    "d31_60": "31–60 days",
    "d61_90": "61–90 days",
    "d90_plus": ">90 days",
}
SUGGESTIONS = 3
#: the rule whose findings the unapplied-payments table lists (a registry entry: fails at import when renamed)
UNAPPLIED = RULES["unapplied_payment"].kind


def bucket(days: int | None, basis: str) -> str:
    """The aging bucket of an invoice ``days`` past its due date (or since its invoice date)."""
    if days is None:
        return "d0_30"
    if basis == "due_date" and days < 0:
        return "not_due"
    if days <= 30:
        return "d0_30"
    if days <= 60:
        return "d31_60"
    return "d61_90" if days <= 90 else "d90_plus"


def build(conn: Connection, ctx: SectionContext) -> Section:
    scope, roles, cfg = ctx.scope, ctx.roles, ctx.config
    people = sellers(conn, roles.drp)
    parties = {r.external_id: r for r in ctx.rows(conn, "party", roles.drp)}

    def owner_of(code: str | None) -> str | None:
        p = parties.get(code or "")
        return p.owner_ref if p else None

    def wanted(code: str | None) -> bool:
        return in_teams(owner_of(code), people, scope.teams)

    aging: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(BUCKETS, Decimal(0)))
    open_inv: dict[str, Decimal] = defaultdict(Decimal)
    invoice_count: dict[str, int] = defaultdict(int)
    for r in ctx.rows(conn, "invoice", roles.drp):
        amt = r.open_amount if r.open_amount is not None else r.amount
        if not amt or amt <= 0 or not wanted(r.party_ref):
            continue
        if r.invoice_date is not None and r.invoice_date > scope.as_of:
            continue
        ref = getattr(r, cfg.aging_basis) or r.invoice_date
        days = (scope.as_of - ref).days if ref is not None else None
        aging[r.party_ref][bucket(days, cfg.aging_basis)] += amt
        open_inv[r.party_ref] += amt
        invoice_count[r.party_ref] += 1
    open_ord: dict[str, Decimal] = defaultdict(Decimal)
    open_st = set(cfg.open_order_statuses)
    for r in ctx.rows(conn, "sales_order", roles.drp):
        if r.status in open_st and r.amount is not None and wanted(r.party_ref):
            open_ord[r.party_ref] += r.amount

    def label(code: str) -> str:
        p = parties.get(code)
        return (p.name if p else None) or code

    credit_rows = []
    for code, p in parties.items():
        limit = p.credit_limit
        exposure = open_inv.get(code, Decimal(0)) + open_ord.get(code, Decimal(0))
        if limit is None or exposure <= 0 or exposure <= limit or not wanted(code):
            continue
        credit_rows.append(
            (
                code,
                p.name,
                team_of(p.owner_ref, people),
                money(limit),
                money(open_inv.get(code)),
                invoice_count.get(code, 0),
                money(open_ord.get(code)),
                money(exposure),
                money(exposure - limit),
            )
        )
    credit_rows.sort(key=lambda r: (-r[8], r[0]))

    aging_rows = []
    for code in sorted(aging, key=lambda c: (-open_inv[c], c)):
        b = aging[code]
        aging_rows.append(
            (
                code,
                label(code),
                team_of(owner_of(code), people),
                money(open_inv[code]),
                *(money(b[k]) for k in BUCKETS),
            )
        )
    totals = {k: money(sum((aging[c][k] for c in aging), Decimal(0))) for k in BUCKETS}
    total_open = money(sum(open_inv.values(), Decimal(0)))

    ctx.release_rows("receivables")
    unapplied_rows = _unapplied(conn, ctx, wanted, label)
    unapplied_amount = money(sum((r[3] or Decimal(0) for r in unapplied_rows), Decimal(0)))
    overdue = money(total_open - totals["not_due"]) if cfg.aging_basis == "due_date" else None
    figures = [
        Figure("open_receivables", "Open receivables", total_open, "money"),
        Figure("over_limit", "Customers over credit limit", len(credit_rows), "int", "bad" if credit_rows else "good"),
        Figure("over_limit_amount", "Amount over limits", money(sum((r[8] for r in credit_rows), Decimal(0))), "money"),
        Figure("over_90", "Open > 90 days", totals["d90_plus"], "money", "bad" if totals["d90_plus"] else "good"),
        Figure(
            "unapplied_payments", "Unapplied payments", len(unapplied_rows), "int", "warn" if unapplied_rows else "good"
        ),
        Figure("unapplied_amount", "Unapplied amount", unapplied_amount, "money"),
    ]
    if overdue is not None:
        figures.insert(1, Figure("overdue", "Overdue", overdue, "money", "warn" if overdue else "good"))
    for k in BUCKETS:
        figures.append(Figure(f"aging_{k}", BUCKET_LABELS[k], totals[k], "money"))
    buckets = BUCKETS if cfg.aging_basis == "due_date" else BUCKETS[1:]
    chart = Chart(
        "aging", "Open receivables by age", "bar", tuple((BUCKET_LABELS[k], totals[k]) for k in buckets), "money"
    )
    tables = (
        make_table(
            "credit",
            "Customers over their credit limit",
            [
                Column("customer", "Customer code"),
                Column("name", "Customer"),
                Column("team", "Sales team"),
                Column("credit_limit", "Credit limit", "money"),
                Column("open_invoices", "Open invoices", "money"),
                Column("invoices", "Invoices open", "int"),
                Column("open_orders", "Open orders", "money"),
                Column("exposure", "Exposure", "money"),
                Column("over_by", "Over by", "money"),
            ],
            credit_rows,
            ctx.max_rows,
        ),
        make_table(
            "aging",
            "Aging of open receivables",
            [
                Column("customer", "Customer code"),
                Column("name", "Customer"),
                Column("team", "Sales team"),
                Column("open", "Open", "money"),
            ]
            + [Column(k, BUCKET_LABELS[k], "money") for k in BUCKETS],
            aging_rows,
            ctx.max_rows,
        ),
        make_table(
            "unapplied",
            "Unapplied payments with suggested invoices",
            [
                Column("payment", "Payment"),
                Column("customer", "Customer"),
                Column("date", "Date", "date"),
                Column("amount", "Amount", "money"),
                Column("memo", "Memo"),
                Column("reason", "Why unapplied"),
                Column("named", "Invoices named in memo"),
                Column("suggested", "Suggested invoices"),
            ],
            unapplied_rows,
            ctx.max_rows,
        ),
    )
    basis = "days past the due date" if cfg.aging_basis == "due_date" else "days since the invoice date"
    notes = (
        f"Aging as of {scope.as_of} by {basis}. Exposure = open invoices + open ({', '.join(cfg.open_order_statuses)}) "
        "orders; a customer is over its limit when exposure is strictly greater than the limit.",
        "Suggested invoices are the customer's open invoices ranked by how close their open amount is to the payment.",
    )
    return Section("receivables", "Receivables and credit", tuple(figures), (chart,), tables, notes)


def _unapplied(conn: Connection, ctx: SectionContext, wanted: Any, label: Any) -> list[tuple[Any, ...]]:
    """One row per open unapplied-payment discrepancy, with the customer's closest open invoices."""
    roles = ctx.roles
    found = list(alive_discrepancies(conn, ctx.scope.run_id, [UNAPPLIED]))
    payments = rows_by_ids(
        conn, "payment", roles.drp, (d.external_id for d in found), ["party_ref", "payment_date", "amount", "memo"]
    )
    customers = {p["party_ref"] for p in payments.values() if p["party_ref"] and wanted(p["party_ref"])}
    candidates: dict[str, list[tuple[str, Decimal, Decimal]]] = defaultdict(list)
    if customers:
        for r in stream(conn, "invoice", roles.drp, ["party_ref", "amount", "open_amount"], party_ref=list(customers)):
            open_amt = r["open_amount"] if r["open_amount"] is not None else r["amount"]
            if open_amt and open_amt > 0:
                candidates[r["party_ref"]].append((r["external_id"], open_amt, r["amount"]))
    rows = []
    for d in found:
        p = payments.get(d.external_id) or {}
        party = p.get("party_ref") or d.details.get("party_ref")
        if not wanted(party):
            continue
        amount = p.get("amount")
        if amount is None and d.details.get("amount") is not None:
            amount = Decimal(str(d.details["amount"]))
        ranked = sorted(
            candidates.get(party or "", []),
            key=lambda c: (c[1] != amount, c[2] != amount, abs(c[1] - (amount or 0)), c[0]),
        )
        suggested = "; ".join(f"{no} (open {money(open_amt):,.2f})" for no, open_amt, _ in ranked[:SUGGESTIONS])
        rows.append(
            (
                d.external_id,
                f"{label(party)} ({party})" if party else None,
                p.get("payment_date"),
                amount,
                p.get("memo") or d.details.get("memo"),
                d.details.get("reason") or d.message,
                ", ".join(d.details.get("invoice_refs") or []),
                suggested,
            )
        )
    rows.sort(key=lambda r: (-(r[3] or 0), r[0]))
    return rows
