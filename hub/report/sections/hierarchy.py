"""Channel hierarchy section: sales, receivables and credit use rolled up per branch and distributor with everyone below them.

Each DRP customer's own figures (booked orders in the period, open receivables, open orders)
count for itself and for every ancestor through ``parent_ref``; a branch's row therefore holds
its distributors, their agents and stores and its direct customers. Credit use is receivables
plus open orders against the node's own limit (a group limit when the credit check shares it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from hub.report.cells import money, ratio
from hub.report.model import Column, Figure, Section
from hub.report.sections import SectionContext, make_table
from hub.report.sections.team import in_teams, sellers

__all__ = ["MEASURES", "ROLLUP_LEVELS", "build", "rollup"]

#: the canonical channel levels that get a roll-up row
ROLLUP_LEVELS = ("branch", "distributor")
MEASURES = ("sales", "receivables", "open_orders")


def rollup(parent: Mapping[str, str | None], own: Mapping[str, Mapping[str, Decimal]]) -> dict[str, dict[str, Any]]:
    """Per customer code: its own figures plus those of every customer below it, and how many are below.

    ``parent`` maps each code to its parent code (None at the top); a cycle stops the walk.
    """
    out: dict[str, dict[str, Any]] = defaultdict(lambda: {**dict.fromkeys(MEASURES, Decimal(0)), "below": 0})
    for code in parent:
        figures = own.get(code, {})
        node: str | None = code
        seen: set[str] = set()
        while node is not None and node not in seen:
            seen.add(node)
            acc = out[node]
            for m in MEASURES:
                acc[m] += figures.get(m, Decimal(0))
            if node != code:
                acc["below"] += 1
            node = parent.get(node)
    return dict(out)


def _own(conn: Connection, ctx: SectionContext, keep: set[str]) -> dict[str, dict[str, Decimal]]:
    scope, roles, cfg = ctx.scope, ctx.roles, ctx.config
    own: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(MEASURES, Decimal(0)))
    booked, open_st = set(cfg.booked_order_statuses), set(cfg.open_order_statuses)
    for r in ctx.rows(conn, "sales_order", roles.drp):
        if r.amount is None or r.party_ref not in keep:
            continue
        if r.status in booked and scope.in_range(r.order_date):
            own[r.party_ref]["sales"] += r.amount
        if r.status in open_st:
            own[r.party_ref]["open_orders"] += r.amount
    for r in ctx.rows(conn, "invoice", roles.drp):
        amt = r.open_amount if r.open_amount is not None else r.amount
        if not amt or amt <= 0 or r.party_ref not in keep:
            continue
        if r.invoice_date is None or r.invoice_date <= scope.as_of:
            own[r.party_ref]["receivables"] += amt
    return own


def build(conn: Connection, ctx: SectionContext) -> Section:
    roles = ctx.roles
    people = sellers(conn, roles.drp)
    parties = {r.external_id: r for r in ctx.rows(conn, "party", roles.drp)}
    wanted = {c for c, p in parties.items() if in_teams(p.owner_ref, people, ctx.scope.teams)}
    totals = rollup({c: p.parent_ref for c, p in parties.items()}, _own(conn, ctx, wanted))
    ctx.release_rows("hierarchy")
    rows = []
    for code, p in parties.items():
        t = totals.get(code)
        if p.channel_level not in ROLLUP_LEVELS or t is None or (code not in wanted and not t["below"]):
            continue
        used = t["receivables"] + t["open_orders"]
        limit = p.credit_limit
        parent = parties.get(p.parent_ref or "")
        rows.append(
            (
                p.channel_level,
                code,
                p.name,
                (parent.name if parent else None) or p.parent_ref,
                t["below"],
                money(t["sales"]),
                money(t["receivables"]),
                money(t["open_orders"]),
                money(used),
                money(limit) if limit is not None else None,
                ratio(used, limit) if limit else None,
            )
        )
    rows.sort(key=lambda r: (ROLLUP_LEVELS.index(r[0]), -r[5], r[1]))
    over = [r for r in rows if r[10] is not None and r[10] > 1]
    figures = (
        Figure("branches", "Branches", sum(1 for r in rows if r[0] == "branch")),
        Figure("distributors", "Distributors", sum(1 for r in rows if r[0] == "distributor")),
        Figure("over_limit", "Over their (group) limit", len(over), "int", "bad" if over else "good"),
    )
    table = make_table(
        "rollup",
        "Sales, receivables and credit use per branch and distributor (with everyone below)",
        [
            Column("level", "Level"),
            Column("customer", "Customer code"),
            Column("name", "Customer"),
            Column("parent", "Parent"),
            Column("below", "Customers below", "int"),
            Column("sales", "Sales", "money"),
            Column("receivables", "Receivables", "money"),
            Column("open_orders", "Open orders", "money"),
            Column("credit_used", "Credit used", "money"),
            Column("credit_limit", "Credit limit", "money"),
            Column("credit_use", "Use of limit", "pct"),
        ],
        rows,
        ctx.max_rows,
    )
    note = (
        "Each row adds up the customer itself and every agent, store and customer below it in the DRP hierarchy. "
        f"Sales are booked ({', '.join(ctx.config.booked_order_statuses)}) orders in the period; credit used is "
        f"open receivables plus open ({', '.join(ctx.config.open_order_statuses)}) orders."
    )
    notes = (note,)
    return Section("hierarchy", "Channel hierarchy", figures, (), (table,), notes)
