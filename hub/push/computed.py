"""Computed push columns: values a target needs that no single golden field holds (receivables, stock, ids).

Each function returns ``canonical id -> value`` for the clusters that have a member in the
rule's ``system`` (others get nothing, so nothing is written for them). Aggregates read the
canonical rows of that system and reach the cluster through the party crosswalk.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from hub.push.config import ColumnRule
from hub.store.models import MODELS, CrosswalkLink

__all__ = ["COMPUTE", "Members", "compute_column"]

#: canonical id -> system -> external ids of that cluster
Members = dict[str, dict[str, list[str]]]


def _owner(conn: Connection, system: str) -> dict[str, str]:
    """External party id in ``system`` -> canonical id."""
    cw = CrosswalkLink.__table__
    return dict(
        conn.execute(
            select(cw.c.external_id, cw.c.canonical_id).where(cw.c.entity == "party", cw.c.system == system)
        ).all()
    )


def _with_member(members: Members, system: str) -> list[str]:
    return [cid for cid, m in members.items() if m.get(system)]


def member_id(conn: Connection, rule: ColumnRule, members: Members) -> dict[str, Any]:
    """The cluster's record id in ``system`` (e.g. the DRP customer code for the CRM)."""
    system = rule.system or ""
    return {cid: sorted(m[system])[0] for cid, m in members.items() if m.get(system)}


def _invoice_sums(conn: Connection, rule: ColumnRule, members: Members, keep: Callable[[Any], bool]) -> dict[str, Any]:
    t = MODELS["invoice"].__table__
    owner = _owner(conn, rule.system or "")
    out: dict[str, Any] = {cid: Decimal(0) for cid in _with_member(members, rule.system or "")}
    q = select(t.c.party_ref, t.c.open_amount, t.c.due_date).where(t.c.system == rule.system, t.c.deleted.is_(False))
    for party, open_amount, due in conn.execute(q):
        cid = owner.get(party)
        if cid in out and open_amount and keep(due):
            out[cid] += open_amount
    return out


def open_receivables(conn: Connection, rule: ColumnRule, members: Members) -> dict[str, Any]:
    """Sum of the open amounts of the cluster's invoices in ``system``."""
    return _invoice_sums(conn, rule, members, lambda due: True)


def overdue_amount(conn: Connection, rule: ColumnRule, members: Members) -> dict[str, Any]:
    """Open amounts of invoices due before ``as_of`` (default today, UTC)."""
    as_of = rule.as_of or dt.datetime.now(dt.UTC).date()
    return _invoice_sums(conn, rule, members, lambda due: due is not None and due < as_of)


def open_invoice_count(conn: Connection, rule: ColumnRule, members: Members) -> dict[str, Any]:
    """How many of the cluster's invoices still have an open amount."""
    t = MODELS["invoice"].__table__
    owner = _owner(conn, rule.system or "")
    out: dict[str, Any] = {cid: 0 for cid in _with_member(members, rule.system or "")}
    q = select(t.c.party_ref, t.c.open_amount).where(t.c.system == rule.system, t.c.deleted.is_(False))
    for party, open_amount in conn.execute(q):
        cid = owner.get(party)
        if cid in out and open_amount and open_amount > 0:
            out[cid] += 1
    return out


def last_payment_date(conn: Connection, rule: ColumnRule, members: Members) -> dict[str, Any]:
    """The date of the cluster's latest payment in ``system``."""
    t = MODELS["payment"].__table__
    owner = _owner(conn, rule.system or "")
    out: dict[str, Any] = {}
    q = select(t.c.party_ref, t.c.payment_date).where(t.c.system == rule.system, t.c.deleted.is_(False))
    for party, day in conn.execute(q):
        cid = owner.get(party)
        if cid is not None and day is not None and cid in members and (cid not in out or day > out[cid]):
            out[cid] = day
    return out


def inventory_on_hand(conn: Connection, rule: ColumnRule, members: Members) -> dict[str, Any]:
    """Channel stock: latest on-hand per SKU in the warehouses the cluster owns in ``system``, summed."""
    loc, inv = MODELS["location"].__table__, MODELS["inventory"].__table__
    owner = _owner(conn, rule.system or "")
    where_of = {
        ext: owner[o]
        for ext, o in conn.execute(
            select(loc.c.external_id, loc.c.owner_ref).where(
                loc.c.system == rule.system, loc.c.deleted.is_(False), loc.c.owner_ref.is_not(None)
            )
        )
        if o in owner
    }
    latest: dict[tuple[str, str], tuple[dt.date, Decimal]] = {}
    q = select(inv.c.location_ref, inv.c.sku, inv.c.as_of, inv.c.on_hand).where(
        inv.c.system == rule.system, inv.c.deleted.is_(False)
    )
    for location, sku, as_of, on_hand in conn.execute(q):
        if location in where_of and as_of is not None:
            cur = latest.get((location, sku))
            if cur is None or as_of > cur[0]:
                latest[(location, sku)] = (as_of, on_hand or Decimal(0))
    out: dict[str, Any] = defaultdict(lambda: Decimal(0))
    for (location, _sku), (_day, qty) in latest.items():
        out[where_of[location]] += qty
    return {cid: v for cid, v in out.items() if cid in members}


COMPUTE: dict[str, Callable[[Connection, ColumnRule, Members], dict[str, Any]]] = {
    "member_id": member_id,
    "open_receivables": open_receivables,
    "overdue_amount": overdue_amount,
    "open_invoice_count": open_invoice_count,
    "last_payment_date": last_payment_date,
    "inventory_on_hand": inventory_on_hand,
}


def compute_column(conn: Connection, rule: ColumnRule, members: Members) -> dict[str, Any]:
    """Values of one computed column per canonical id."""
    return COMPUTE[rule.compute or ""](conn, rule, members)
