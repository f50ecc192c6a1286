"""The commission base the push sends and the report shows: one read of the store, one attribution.

Paid invoices (by the date of the payment that settled them, :func:`hub.push.commission.paid_dates`)
each credited to the salesperson on the CRM order (or closed-won opportunity) they came from at
order time (:mod:`hub.push.attribution`). The commission push and the report's sales section both
call :func:`read_commission_base`, so the figures in the report are the figures in the CRM.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from hub.push.attribution import order_owners
from hub.push.commission import paid_dates
from hub.push.flow_data import crosswalk, raw_records, records
from hub.reconcile.orders import normalize_order_number

__all__ = ["CommissionBase", "read_commission_base"]


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
    #: attributions made by this read (orders not recorded yet): the push keeps them, the report does not
    fresh: list[dict[str, Any]]


def read_commission_base(
    conn: Connection, drp: str, crm: str, order_stream: str = "Order", opportunity_stream: str = "Opportunity"
) -> CommissionBase:
    """Read the store once: invoices, payments, the DRP order -> CRM order links and who sold each CRM order."""
    invoices = records(conn, "invoice", drp)
    paid = paid_dates(invoices, records(conn, "payment", drp))
    crm_order_of = crosswalk(conn, "sales_order", drp, crm)
    owner_fields = ("AccountId", "OwnerId")  # all the attribution reads of an order or opportunity
    raw = {
        order_stream: raw_records(conn, crm, order_stream, owner_fields),
        opportunity_stream: raw_records(conn, crm, opportunity_stream, owner_fields),
    }
    # a DRP order made from a closed-won opportunity names the opportunity as its 来源单号
    opp_ids = {normalize_order_number(k): k for k in raw[opportunity_stream]}
    for o in records(conn, "sales_order", drp, ("source_ref",)):
        opp = opp_ids.get(normalize_order_number(o.get("source_ref")))
        if opp and o["external_id"] not in crm_order_of:
            crm_order_of[o["external_id"]] = opp
    # the salesperson on the order when the hub first read it, not whoever owns the order or account now
    owner, fresh = order_owners(conn, crm, raw, raw_records(conn, crm, "Account", ("OwnerId",)))
    earner: dict[str, str] = {}
    for inv in invoices:
        who = owner.get(crm_order_of.get(inv.get("order_ref") or "") or "")
        if who is not None:
            earner[inv["external_id"]] = who
    drp_people = {p["external_id"]: p for p in records(conn, "salesperson", drp)}
    people = {
        u: {
            "drp": d,
            "team": drp_people.get(d, {}).get("team"),
            "commission_rate": drp_people.get(d, {}).get("commission_rate"),
        }
        for u, d in crosswalk(conn, "salesperson", crm, drp).items()
    }
    return CommissionBase(invoices, paid, earner, people, fresh)
