"""The commission base the push sends and the report shows: one read of the store, one attribution.

Paid invoices (by the date of the payment that settled them, :func:`hub.push.commission.paid_dates`)
each credited to the salesperson on the CRM order (or closed-won opportunity) they came from at
order time (:mod:`hub.push.attribution`). The commission push and the report's sales section both
call :func:`read_commission_base`, so the figures in the report are the figures in the CRM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from hub.push.attribution import order_owners
from hub.push.commission import paid_dates
from hub.push.flow_data import crosswalk, raw_values, records
from hub.reconcile.orders import normalize_order_number
from hub.store.models import MODELS, CrosswalkLink

__all__ = ["CommissionBase", "read_commission_base"]

#: the invoice fields the base itself reads (settlement, attribution, the commission figures)
INVOICE_FIELDS = ("party_ref", "invoice_date", "amount", "open_amount", "order_ref")


@dataclass(frozen=True)
class CommissionBase:
    """DRP invoices, when each was paid in full, who earned it, and the CRM salespeople's DRP details."""

    invoices: list[dict[str, Any]]
    #: invoice id -> date of the payment that settled it in full
    paid: dict[str, dt.date]
    #: invoice id -> CRM user on its order at order time (invoices traced to no CRM order are absent)
    earner: dict[str, str]
    #: CRM user id -> {drp: DRP salesperson code, team, commission_rate}
    people: dict[str, dict[str, Any]]
    #: attributions made by this read (orders not recorded yet), tuples of
    #: :data:`hub.push.attribution.FRESH_COLUMNS`: the push keeps them, the report does not ask for them
    fresh: list[tuple[Any, ...]]


def read_commission_base(
    conn: Connection,
    drp: str,
    crm: str,
    order_stream: str = "Order",
    opportunity_stream: str = "Opportunity",
    *,
    invoice_fields: Sequence[str] | None = None,
    keep_fresh: bool = True,
) -> CommissionBase:
    """Read the store once: invoices, payments, the DRP order -> CRM order links and who sold each CRM order.

    ``invoice_fields``: the invoice fields the caller reads besides those the base needs
    (default: every canonical field). ``keep_fresh`` False: a reader that records no attribution
    (the report) gets no ``fresh`` list.
    """
    fields = None if invoice_fields is None else list(dict.fromkeys((*INVOICE_FIELDS, *invoice_fields)))
    invoices = records(conn, "invoice", drp, fields)
    paid = paid_dates(invoices, records(conn, "payment", drp, ("party_ref", "payment_date", "amount")))
    crm_order_of = _first_links(conn, "sales_order", drp, crm)
    owner_fields = ("AccountId", "OwnerId")  # all the attribution reads of an order or opportunity
    raw = {
        order_stream: raw_values(conn, crm, order_stream, owner_fields),
        opportunity_stream: raw_values(conn, crm, opportunity_stream, owner_fields),
    }
    # a DRP order made from a closed-won opportunity names the opportunity as its 来源单号
    opp_ids = {normalize_order_number(k): k for k in raw[opportunity_stream]}
    so = MODELS["sales_order"].__table__
    q = select(so.c.external_id, so.c.source_ref).where(so.c.system == drp, so.c.deleted.is_(False))
    for ext, source_ref in conn.execute(q):
        if ext in crm_order_of:
            continue  # linked to its CRM order already
        opp = opp_ids.get(normalize_order_number(source_ref))
        if opp:
            crm_order_of[ext] = opp
    # the salesperson on the order when the hub first read it, not whoever owns the order or account now
    accounts = {k: v[0] for k, v in raw_values(conn, crm, "Account", ("OwnerId",)).items()}
    owner, fresh = order_owners(conn, crm, raw, accounts, keep_fresh=keep_fresh)
    del raw, accounts
    earner: dict[str, str] = {}
    for inv in invoices:
        who = owner.get(crm_order_of.get(inv.get("order_ref") or "") or "")
        if who is not None:
            earner[inv["external_id"]] = who
    drp_people = {p["external_id"]: p for p in records(conn, "salesperson", drp, ("team", "commission_rate"))}
    people = {
        u: {
            "drp": d,
            "team": drp_people.get(d, {}).get("team"),
            "commission_rate": drp_people.get(d, {}).get("commission_rate"),
        }
        for u, d in crosswalk(conn, "salesperson", crm, drp).items()
    }
    return CommissionBase(invoices, paid, earner, people, fresh)


def _first_links(conn: Connection, entity: str, source: str, target: str) -> dict[str, str]:
    """``source`` id -> the first (lowest) ``target`` id in its crosswalk cluster: what
    :func:`hub.push.flow_data.crosswalk` gives, from two key-ordered reads and no sort."""
    cw = CrosswalkLink.__table__
    first: dict[str, str] = {}
    q = select(cw.c.canonical_id, cw.c.external_id).where(cw.c.entity == entity, cw.c.system == target)
    for cid, ext in conn.execute(q.order_by(cw.c.external_id)):
        first.setdefault(cid, ext)
    q = select(cw.c.external_id, cw.c.canonical_id).where(cw.c.entity == entity, cw.c.system == source)
    return {ext: first[cid] for ext, cid in conn.execute(q.order_by(cw.c.external_id)) if cid in first}
