"""Sales performance section: DRP actuals (invoiced, collected) per salesperson and team, commission base at each rate.

The commission base is what finance actually collected on the salesperson's invoices (invoice
amount minus what is still open), at the salesperson's DRP commission rate; beside it the
commission the invoiced amount would give and what the CRM has booked for the same person
(through the salesperson crosswalk), so sales' view and finance's can be compared.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from hub.report.cells import money, ratio
from hub.report.model import Chart, Column, Figure, Section
from hub.report.query import canonical_ids, stream
from hub.report.sections import SectionContext, make_table
from hub.report.sections.commission import commission_table
from hub.report.sections.team import UNASSIGNED, Seller, sellers

_ZERO = Decimal(0)
MEASURES = ("crm_booked", "drp_orders", "invoiced", "collected", "open")


def build(conn: Connection, ctx: SectionContext) -> Section:
    scope, roles, cfg = ctx.scope, ctx.roles, ctx.config
    people = sellers(conn, roles.drp)
    owner = {r.external_id: r.owner_ref for r in ctx.rows(conn, "party", roles.drp)}
    acc: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(MEASURES, _ZERO))

    for r in ctx.rows(conn, "invoice", roles.drp):
        if r.amount is None or not scope.in_range(r.invoice_date):
            continue
        a = acc[owner.get(r.party_ref) or UNASSIGNED]
        open_amt = r.open_amount if r.open_amount is not None else _ZERO
        a["invoiced"] += r.amount
        a["open"] += open_amt
        a["collected"] += r.amount - open_amt
    booked = set(cfg.booked_order_statuses)
    for r in ctx.rows(conn, "sales_order", roles.drp):
        if r.amount is not None and r.status in booked and scope.in_range(r.order_date):
            acc[owner.get(r.party_ref) or UNASSIGNED]["drp_orders"] += r.amount
    ctx.release_rows("sales")  # before the commission base, the report's largest read
    for code, amount in _crm_booked(conn, ctx).items():
        acc[code]["crm_booked"] += amount

    rows = []
    for code in sorted(acc, key=lambda c: (_team(c, people), c)):
        a = acc[code]
        s = people.get(code)
        if scope.teams is not None and _team(code, people) not in scope.teams:
            continue
        rate = s.rate if s else None
        base = money(a["collected"])
        rows.append(
            (
                _team(code, people),
                code if s else UNASSIGNED,
                s.name if s else UNASSIGNED,
                money(a["crm_booked"]),
                money(a["drp_orders"]),
                money(a["invoiced"]),
                base,
                money(a["open"]),
                ratio(a["collected"], a["invoiced"]),
                rate,
                money(a["invoiced"] * rate) if rate is not None else None,
                money(base * rate) if rate is not None else None,
            )
        )
    team_acc: dict[str, list[Any]] = {}
    for row in rows:
        t = team_acc.setdefault(row[0], [0, _ZERO, _ZERO, _ZERO, _ZERO, _ZERO])
        t[0] += 1 if row[1] != UNASSIGNED else 0
        for i, v in enumerate((row[3], row[5], row[6], row[7], row[11] or _ZERO), start=1):
            t[i] += v
    team_rows = [
        (team, t[0], money(t[1]), money(t[2]), money(t[3]), money(t[4]), ratio(t[3], t[2]), money(t[5]))
        for team, t in sorted(team_acc.items())
    ]
    invoiced = money(sum((r[5] for r in rows), _ZERO))
    collected = money(sum((r[6] for r in rows), _ZERO))
    commission = money(sum((r[11] or _ZERO for r in rows), _ZERO))
    on_invoiced = money(sum((r[10] or _ZERO for r in rows), _ZERO))
    crm_booked = money(sum((r[3] for r in rows), _ZERO))
    figures = (
        Figure("crm_booked", "Booked in the CRM", crm_booked, "money"),
        Figure("invoiced", "Invoiced (DRP)", invoiced, "money"),
        Figure("collected", "Collected", collected, "money", "good"),
        Figure("collection_rate", "Collection rate", ratio(collected, invoiced), "pct"),
        Figure("commission", "Commission on collected", commission, "money"),
        Figure(
            "commission_pending",
            "Commission not yet earned (still open)",
            money(on_invoiced - commission),
            "money",
            "warn",
        ),
    )
    charts = (
        Chart("collected_by_team", "Collected by team", "bar", tuple((t[0], t[4]) for t in team_rows if t[4]), "money"),
        Chart(
            "commission_by_person",
            "Commission by salesperson",
            "bar",
            tuple((f"{r[2]} ({r[1]})", r[11]) for r in rows if r[11]),
            "money",
        ),
    )
    tables = (
        make_table(
            "salespeople",
            "Sales performance by salesperson",
            [
                Column("team", "Team"),
                Column("code", "Salesperson code"),
                Column("name", "Salesperson"),
                Column("crm_booked", "CRM booked", "money"),
                Column("drp_orders", "DRP orders", "money"),
                Column("invoiced", "Invoiced", "money"),
                Column("collected", "Collected (commission base)", "money"),
                Column("open", "Still open", "money"),
                Column("collection_rate", "Collection rate", "pct"),
                Column("rate", "Commission rate", "pct"),
                Column("commission_invoiced", "Commission on invoiced", "money"),
                Column("commission", "Commission on collected", "money"),
            ],
            rows,
            ctx.max_rows,
        ),
        make_table(
            "teams",
            "Sales performance by team",
            [
                Column("team", "Team"),
                Column("salespeople", "Salespeople", "int"),
                Column("crm_booked", "CRM booked", "money"),
                Column("invoiced", "Invoiced", "money"),
                Column("collected", "Collected", "money"),
                Column("open", "Still open", "money"),
                Column("collection_rate", "Collection rate", "pct"),
                Column("commission", "Commission", "money"),
            ],
            team_rows,
            ctx.max_rows,
        ),
        commission_table(conn, ctx, people, owner),
    )
    period = (
        f"Invoices and orders dated {scope.date_from or '…'} to {scope.date_to or '…'}."
        if scope.date_from or scope.date_to
        else "All invoices and orders in the store."
    )
    notes = (
        period,
        "Customers are credited to their DRP salesperson; collected = invoiced − still open; "
        "commission = collected × the salesperson's DRP commission rate (rounded to cents).",
        "Commission per month: invoices paid in full, credited to the salesperson on the CRM order at order "
        "time, as the commission push sends them to the CRM (invoices of orders entered in the DRP: the "
        "customer's DRP salesperson).",
        "CRM booked: CRM orders (" + ", ".join(cfg.booked_order_statuses) + ") of accounts owned by the CRM user "
        "linked to the DRP salesperson.",
    )
    return Section("sales", "Sales performance and commissions", figures, charts, tables, notes)


def _team(code: str, people: dict[str, Seller]) -> str:
    s = people.get(code)
    return s.team if s else UNASSIGNED


def _crm_booked(conn: Connection, ctx: SectionContext) -> dict[str, Decimal]:
    """DRP salesperson code -> amount of CRM orders booked by the linked CRM user, in the date range."""
    roles, scope = ctx.roles, ctx.scope
    crm_sp, drp_sp = canonical_ids(conn, "salesperson", roles.crm), canonical_ids(conn, "salesperson", roles.drp)
    drp_of_cid: dict[str, str] = {}
    for code, cid in sorted(drp_sp.items()):
        drp_of_cid.setdefault(cid, code)
    user_to_code = {user: drp_of_cid[cid] for user, cid in crm_sp.items() if cid in drp_of_cid}
    if not user_to_code:
        return {}
    account_owner = {
        r["external_id"]: user_to_code.get(r["owner_ref"] or "")
        for r in stream(conn, "party", roles.crm, ["owner_ref"])
    }
    booked = set(ctx.config.booked_order_statuses)
    out: dict[str, Decimal] = defaultdict(Decimal)
    for r in stream(conn, "sales_order", roles.crm, ["party_ref", "order_date", "amount", "status"]):
        owner_code = account_owner.get(r["party_ref"] or "")
        if owner_code and r["amount"] is not None and r["status"] in booked and scope.in_range(r["order_date"]):
            out[owner_code] += r["amount"]
    return out
