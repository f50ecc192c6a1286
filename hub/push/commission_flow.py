"""The commission push: compute each salesperson's period figures from the store and upsert them into the CRM."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from hub.connector import Connector
from hub.push.attribution import owners_at_order_time
from hub.push.commission import commission_figures, paid_dates
from hub.push.config import PushRules, RetryRules
from hub.push.flow_data import crosswalk, raw_records, records
from hub.push.flow_send import FlowChange, send_changes
from hub.reconcile.orders import normalize_order_number

__all__ = ["run_commission"]


def run_commission(
    engine: Engine, run_id: int, rules: PushRules, connector: Callable[[str], Connector], dry_run: bool = False
) -> dict[str, Any]:
    """Figures per salesperson and period into ``Commission__c`` (upsert by key); returns them and the write counts."""
    flows = rules.flows
    assert flows is not None and flows.commission is not None  # run only when the flow is configured
    cf = flows.commission
    drp = flows.orders.drp if flows.orders else "drp"
    order_stream = flows.orders.crm_stream if flows.orders else "Order"
    opp_stream = flows.orders.opportunity_stream if flows.orders else "Opportunity"
    with engine.connect() as conn:
        invoices = records(conn, "invoice", drp)
        payments = records(conn, "payment", drp)
        crm_order_of = crosswalk(conn, "sales_order", drp, cf.crm)
        raw = {order_stream: raw_records(conn, cf.crm, order_stream), opp_stream: raw_records(conn, cf.crm, opp_stream)}
        raw_accounts = raw_records(conn, cf.crm, "Account")
        to_drp_person = crosswalk(conn, "salesperson", cf.crm, drp)
        drp_people = {p["external_id"]: p for p in records(conn, "salesperson", drp)}
        drp_orders = records(conn, "sales_order", drp)
    # a DRP order made from a closed-won opportunity names the opportunity as its 来源单号
    opp_ids = {normalize_order_number(k): k for k in raw[opp_stream]}
    for o in drp_orders:
        opp = opp_ids.get(normalize_order_number(o.get("source_ref")))
        if opp and o["external_id"] not in crm_order_of:
            crm_order_of[o["external_id"]] = opp
    # the salesperson on the order when the hub first read it, not whoever owns the order or account now
    owner = owners_at_order_time(engine, run_id, cf.crm, raw, raw_accounts, record=not dry_run)
    people = {
        u: {"team": drp_people.get(d, {}).get("team"), "commission_rate": drp_people.get(d, {}).get("commission_rate")}
        for u, d in to_drp_person.items()
    }
    figures = commission_figures(invoices, paid_dates(invoices, payments), crm_order_of, owner, people, cf.period)
    out: dict[str, Any] = {
        "figures": [
            {
                "salesperson": f.salesperson,
                "period": f.period,
                "team": f.team,
                "base": f"{f.base:.2f}",
                "invoices": f.invoices,
                "commission": f"{f.commission:.2f}",
            }
            for f in figures
        ]
    }
    if dry_run or not figures:
        return out
    crm = connector(cf.crm)
    live = {str(r.data.get(cf.key_column)): r.data for b in crm.read(cf.stream, None) for r in b.records}
    changes = []
    for f in figures:
        key = f"{f.salesperson}|{f.period}"
        data = {
            cf.key_column: key,
            "Salesperson__c": f.salesperson,
            "Period__c": f.period,
            "Team__c": f.team,
            "Base__c": float(f.base),
            "Rate__c": float(f.rate * 100),
            "Commission__c": float(f.commission),
            "Invoices__c": f.invoices,
        }
        now = live.get(key)
        if now is not None and Decimal(str(now.get("Base__c") or 0)) == f.base and now.get("Invoices__c") == f.invoices:
            continue
        changes.append(
            FlowChange(
                f"hub-commission-{key}-{f.base}-{f.invoices}", f.salesperson, "upsert", data, match_field=cf.key_column
            )
        )
    target = rules.targets.get(cf.crm)
    if changes:
        sent = send_changes(
            engine,
            run_id,
            cf.crm,
            cf.stream,
            "salesperson",
            crm,
            changes,
            target.retry if target else RetryRules(),
            deduplicating=True,
        )
        out.update(sent.counts)
        out["failed"] = sent.failed
    return out
