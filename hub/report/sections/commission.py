"""Commission per salesperson and period for the sales section: fully paid invoices by the date of the payment that settled them.

The same rule as the commission push (:mod:`hub.push.commission`): an invoice counts in the period
(month) of the payment that paid it in full, payments settling a customer's oldest invoices first.
Here it is credited to the customer's DRP salesperson, like the rest of the sales section; the
push credits the CRM order's owner, so the two differ only for accounts handed over since.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from hub.push.commission import paid_dates, period_of
from hub.report.cells import money
from hub.report.model import Column, Table
from hub.report.query import stream
from hub.report.sections import SectionContext, make_table
from hub.report.sections.team import UNASSIGNED, Seller

__all__ = ["PERIOD", "commission_table"]

PERIOD = "month"


def commission_table(
    conn: Connection, ctx: SectionContext, people: dict[str, Seller], owner: dict[str, str | None]
) -> Table:
    """One row per (period, salesperson): paid invoices, commission base, rate and commission."""
    scope, drp = ctx.scope, ctx.roles.drp
    invoices = list(stream(conn, "invoice", drp, ["party_ref", "invoice_date", "amount", "open_amount"]))
    payments = list(stream(conn, "payment", drp, ["party_ref", "payment_date", "amount"]))
    paid = paid_dates(invoices, payments)
    base: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    count: dict[tuple[str, str], int] = defaultdict(int)
    for inv in invoices:
        day = paid.get(inv["external_id"])
        if day is None or inv["amount"] is None or not scope.in_range(day):
            continue
        key = (period_of(day, PERIOD), owner.get(inv["party_ref"]) or UNASSIGNED)
        base[key] += inv["amount"]
        count[key] += 1
    rows: list[tuple[Any, ...]] = []
    for (period, code), amount in base.items():
        s = people.get(code)
        team = s.team if s else UNASSIGNED
        if scope.teams is not None and team not in scope.teams:
            continue
        rate = s.rate if s else None
        rows.append(
            (
                period,
                team,
                code,
                s.name if s else UNASSIGNED,
                count[(period, code)],
                money(amount),
                rate,
                money(amount * rate) if rate is not None else None,
            )
        )
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return make_table(
        "commission_periods",
        "Commission per salesperson and month (invoices paid in full)",
        [
            Column("period", "Month"),
            Column("team", "Team"),
            Column("code", "Salesperson code"),
            Column("name", "Salesperson"),
            Column("invoices", "Invoices paid", "int"),
            Column("base", "Commission base", "money"),
            Column("rate", "Commission rate", "pct"),
            Column("commission", "Commission", "money"),
        ],
        rows,
        ctx.max_rows,
    )
