"""Commission per salesperson and period for the sales section: the figures the commission push sends to the CRM.

The base is read through :func:`hub.push.commission_base.read_commission_base`, as the push reads
it: fully paid invoices in the month of the payment that settled them, each credited to the
salesperson on its CRM order at order time (an order or account handed over since keeps its past
commission with whoever sold it), shown under that CRM user's DRP salesperson code. The report
only reads: orders not yet attributed are attributed as the next push will, and nothing is kept.
An invoice traced to no CRM order (an order entered in the DRP) is not in the push; here it is
credited to the customer's DRP salesperson.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from hub.push.commission import commission_of, period_of
from hub.push.commission_base import read_commission_base
from hub.report.cells import money
from hub.report.model import Column, Table
from hub.report.sections import SectionContext, make_table
from hub.report.sections.team import UNASSIGNED, Seller

__all__ = ["PERIOD", "commission_table"]

PERIOD = "month"


def commission_table(
    conn: Connection, ctx: SectionContext, people: dict[str, Seller], owner: dict[str, str | None]
) -> Table:
    """One row per (period, salesperson): paid invoices, commission base, rate and commission.

    ``owner``: DRP customer -> its DRP salesperson, for invoices traced to no CRM order.
    """
    scope = ctx.scope
    # the invoice fields read here (amount, party_ref) are among those the base reads anyway
    cb = read_commission_base(conn, ctx.roles.drp, ctx.roles.crm, invoice_fields=(), keep_fresh=False)
    base: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    count: dict[tuple[str, str], int] = defaultdict(int)
    for inv in cb.invoices:
        day = cb.paid.get(inv["external_id"])
        if day is None or inv["amount"] is None or not scope.in_range(day):
            continue
        earner = cb.earner.get(inv["external_id"])
        code = (cb.people.get(earner) or {}).get("drp") if earner is not None else owner.get(inv["party_ref"])
        key = (period_of(day, PERIOD), code or UNASSIGNED)
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
                commission_of(amount, rate) if rate is not None else None,
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
