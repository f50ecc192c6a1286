"""The commission push: compute each salesperson's period figures from the store and upsert them into the CRM."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from hub.connector import Connector
from hub.push.attribution import record_attributions
from hub.push.commission import commission_figures
from hub.push.commission_base import read_commission_base
from hub.push.config import PushRules, RetryRules
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
    order_stream = flows.orders.crm_stream if flows.orders else "Order"
    opp_stream = flows.orders.opportunity_stream if flows.orders else "Opportunity"
    with engine.connect() as conn:
        base = read_commission_base(conn, drp, cf.crm, order_stream, opp_stream)
    if not dry_run:  # a dry run writes nothing
        record_attributions(engine, run_id, base.fresh)
    figures = commission_figures(base.invoices, base.paid, base.earner, base.people, cf.period)
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
