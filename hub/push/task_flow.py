"""The task push: gather every reason from the store and the order flow, then open and close CRM tasks through the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select

from hub.clock import utcnow
from hub.connector import Connector
from hub.push.config import PushRules, RetryRules
from hub.push.flow_data import crosswalk, raw_records, records
from hub.push.flow_send import FlowChange, send_changes
from hub.push.order_flow import OrderOutcome
from hub.push.tasks import TASK_FIELDS, TaskSpec, overdue_tasks, sync_plan
from hub.store.models import Discrepancy

__all__ = ["run_tasks"]

#: open discrepancy kinds that become a task, by reason
FROM_DISCREPANCIES = {"unapplied_payment": "unapplied_payment", "stock_variance": "inventory_variance"}


def _owner(account: dict[str, Any]) -> str | None:
    """A Salesforce account's OwnerId, or the first user a django-crm account is assigned to."""
    if account.get("OwnerId"):
        return str(account["OwnerId"])
    assigned = account.get("assigned_to_ids") or []
    return str(assigned[0]) if assigned else None


def _wanted(conn: Any, rules: PushRules, orders: OrderOutcome | None, as_of: dt.date) -> list[TaskSpec]:
    flows = rules.flows
    assert flows is not None and flows.tasks is not None  # run only when the flow is configured
    tf = flows.tasks
    crm = tf.crm
    drp = tf.drp or (flows.orders.drp if flows.orders else "drp")
    accounts = crosswalk(conn, "party", drp, crm)
    owners = {k: _owner(v) for k, v in raw_records(conn, crm, tf.account_stream).items()}
    order_owner = {k: v.get("OwnerId") for k, v in raw_records(conn, crm, "Order", ("OwnerId",)).items()}
    out: list[TaskSpec] = []
    if orders is not None:
        for account, avail in sorted(orders.available.items()):
            if avail is not None and avail < 0:
                out.append(
                    TaskSpec(
                        "credit_over",
                        account,
                        account,
                        owners.get(account),
                        f"Available credit is {avail:,.2f}: receivables and open orders exceed the limit.",
                    )
                )
        for h in orders.held:
            p = h.plan
            out.append(
                TaskSpec(
                    "credit_hold",
                    p.crm_id,
                    p.crm_id,
                    p.owner or order_owner.get(p.crm_id) or owners.get(p.account_id),
                    f"Order {p.order_number} ({p.amount:,.2f} {p.currency}) is held: {h.verdict.reason}.",
                )
            )
    reasons = tf.reasons
    if "invoice_overdue" in reasons:
        out += overdue_tasks(records(conn, "invoice", drp), accounts, owners, reasons["invoice_overdue"].days, as_of)
    d = Discrepancy.__table__
    for reason, kind in FROM_DISCREPANCIES.items():
        if reason not in reasons:
            continue
        for row in conn.execute(select(d).where(d.c.kind == kind, d.c.status == "open")):
            found = accounts.get(row.scope or "") or accounts.get(row.external_id or "")
            if found:
                out.append(TaskSpec(reason, f"{kind}|{row.key}", found, owners.get(found), row.message or kind))
    if "stale_846" in reasons:
        latest: dict[str, dt.date] = {}
        for r in records(conn, "inventory", "edi"):
            if r.get("party_ref") and r.get("as_of"):
                latest[r["party_ref"]] = max(latest.get(r["party_ref"], r["as_of"]), r["as_of"])
        edi_accounts = crosswalk(conn, "party", "edi", crm)
        for party, day in sorted(latest.items()):
            age = (as_of - day).days
            if age > reasons["stale_846"].days and party in edi_accounts:
                account = edi_accounts[party]
                out.append(
                    TaskSpec(
                        "stale_846",
                        party,
                        account,
                        owners.get(account),
                        f"The latest 846 of {party} is from {day.isoformat()}, {age} days old.",
                    )
                )
    return out


def run_tasks(
    engine: Engine,
    run_id: int,
    rules: PushRules,
    connector: Callable[[str], Connector],
    orders: OrderOutcome | None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Open the tasks whose reason holds, complete the hub's open tasks whose reason is gone; returns counts."""
    assert rules.flows is not None and rules.flows.tasks is not None  # run only when the flow is configured
    tf = rules.flows.tasks
    as_of = tf.as_of or utcnow().date()
    with engine.connect() as conn:
        wanted = _wanted(conn, rules, orders, as_of)
    crm = connector(tf.crm)
    live = [r.data for b in crm.read(tf.stream, None) for r in b.records]
    create, close = sync_plan(tf, wanted, live, as_of)
    out: dict[str, Any] = {
        "wanted": len({w.key for w in wanted}),
        "to_open": len(create),
        "to_close": len(close),
        "open_reasons": sorted({w.reason for w in wanted}),
    }
    if dry_run:
        return out
    target = rules.targets.get(tf.crm)
    retry = target.retry if target else RetryRules()
    _, status_field, _, done = TASK_FIELDS[tf.format]
    changes = [
        FlowChange(
            f"hub-task-{t[tf.key_column]}",
            str(t.get("WhatId") or t.get("account")),
            "upsert",
            t,
            match_field=tf.key_column,
        )
        for t in create
    ]
    changes += [
        FlowChange(f"hub-taskdone-{key}-{task_id}", task_id, "update", {status_field: done}, external_id=task_id)
        for task_id, key in close
    ]
    if changes:
        sent = send_changes(engine, run_id, tf.crm, tf.stream, "task", crm, changes, retry, deduplicating=True)
        out.update(sent.counts)
        out["failed"] = sent.failed
    return out
