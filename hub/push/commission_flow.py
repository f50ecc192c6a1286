"""The commission push: compute each salesperson's period figures from the store and upsert them into the CRM."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from hub.connector import Connector
from hub.push.commission import commission_figures, paid_dates
from hub.push.config import PushRules, RetryRules
from hub.push.flow_data import crosswalk, raw_records, records
from hub.push.flow_send import FlowChange, send_changes

__all__ = ["run_commission"]


def run_commission(
    engine: Engine, run_id: int, rules: PushRules, connector: Callable[[str], Connector], dry_run: bool = False
) -> dict[str, Any]:
    """Figures per salesperson and period into ``Commission__c`` (upsert by key); returns them and the write counts."""
    flows = rules.flows
    assert flows is not None and flows.commission is not None  # run only when the flow is configured
    cf = flows.commission
    drp = flows.orders.drp if flows.orders else "drp"
    with engine.connect() as conn:
        invoices = records(conn, "invoice", drp)
        payments = records(conn, "payment", drp)
        crm_order_of = crosswalk(conn, "sales_order", drp, cf.crm)
        raw_orders = raw_records(conn, cf.crm, "Order")
        raw_accounts = raw_records(conn, cf.crm, "Account")
        to_drp_person = crosswalk(conn, "salesperson", cf.crm, drp)
        drp_people = {p["external_id"]: p for p in records(conn, "salesperson", drp)}
    # the order's own owner; an order without one falls back to its account's owner at the time the order was read
    owner = {
        oid: o.get("OwnerId") or (raw_accounts.get(o.get("AccountId") or "") or {}).get("OwnerId")
        for oid, o in raw_orders.items()
    }
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
