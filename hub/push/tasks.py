"""Salesperson tasks in the CRM: one open task per reason and record, opened when the reason holds, closed when it clears.

Reasons: ``credit_over`` (an account's available credit is negative), ``credit_hold`` (an order
waits for credit), ``invoice_overdue`` (an open invoice more than N days past due),
``unapplied_payment`` and ``stock_variance`` (open discrepancies of those kinds for the customer),
``stale_846`` (the distributor's latest EDI 846 is older than N days). Each task carries a key
(``Hub_Key__c``, an external id): it is created by upsert on that key, so a repeat never makes a
second task; a task that exists in any status is never recreated, so one a person completed is
not reopened by the next run; an open task whose reason is gone is completed by the hub.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.push.flow_config import TaskFlow, TaskReason

__all__ = ["DEFAULT_SUBJECTS", "TASK_FIELDS", "TaskSpec", "overdue_tasks", "sync_plan", "task_key", "task_record"]

DEFAULT_SUBJECTS = {
    "credit_over": "Customer over credit limit",
    "credit_hold": "Order on credit hold",
    "invoice_overdue": "Invoice overdue",
    "unapplied_payment": "Unapplied payment from your customer",
    "stock_variance": "Distributor stock differs from its 846",
    "stale_846": "Distributor 846 inventory report is stale",
}


@dataclass(frozen=True)
class TaskSpec:
    """A task the hub wants open: why, on which record, for whom, and the figures."""

    reason: str
    record: str  # the key's record part (account, order or invoice id)
    what_id: str
    owner: str | None
    description: str

    @property
    def key(self) -> str:
        return task_key(self.reason, self.record)


def task_key(reason: str, record: str) -> str:
    """The task's external id: one per reason and record."""
    return f"{reason}:" + hashlib.blake2b(record.encode(), digest_size=8).hexdigest()


def overdue_tasks(
    invoices: Iterable[Mapping[str, Any]],
    accounts: Mapping[str, str],
    owners: Mapping[str, str | None],
    days: int,
    as_of: dt.date,
) -> list[TaskSpec]:
    """One task per open invoice more than ``days`` past due, on the CRM account of its DRP customer."""
    out = []
    for inv in invoices:
        due, open_amount = inv.get("due_date"), inv.get("open_amount")
        account = accounts.get(inv.get("party_ref") or "")
        if not (due and open_amount and float(open_amount) > 0 and account):
            continue
        late = (as_of - due).days
        if late > days:
            out.append(
                TaskSpec(
                    "invoice_overdue",
                    inv["external_id"],
                    account,
                    owners.get(account),
                    f"Invoice {inv['external_id']} of {inv.get('party_ref')}: {float(open_amount):,.2f} open, "
                    f"due {due.isoformat()}, {late} days overdue (as of {as_of.isoformat()}).",
                )
            )
    return out


#: per CRM task format: (id, status field, open status, done status)
TASK_FIELDS = {
    "salesforce": ("Id", "Status", "Not Started", "Completed"),
    "djangocrm": ("id", "status", "New", "Completed"),
}


def task_record(rules: TaskFlow, spec: TaskSpec, reason: TaskReason, as_of: dt.date) -> dict[str, Any]:
    """The CRM task to create for ``spec``, in the CRM's own fields."""
    owner = spec.owner or rules.fallback_owner
    subject = reason.subject or DEFAULT_SUBJECTS[spec.reason]
    due = (as_of + dt.timedelta(days=reason.due_days)).isoformat()
    if rules.format == "djangocrm":
        record: dict[str, Any] = {
            rules.key_column: spec.key,
            "title": subject,
            "account": spec.what_id,
            "due_date": due,
            "priority": "Medium" if reason.priority == "Normal" else reason.priority,
            "status": "New",
            "description": spec.description,
        }
        if owner:
            record["assigned_to"] = [owner]
        return record
    record = {
        rules.key_column: spec.key,
        "Subject": subject,
        "WhatId": spec.what_id,
        "ActivityDate": due,
        "Priority": reason.priority,
        "Status": "Not Started",
        "Description": spec.description,
    }
    if owner:
        record["OwnerId"] = owner
    return record


def sync_plan(
    rules: TaskFlow, wanted: Iterable[TaskSpec], live: Iterable[Mapping[str, Any]], as_of: dt.date
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """(task records to create, (task id, key) pairs to complete) bringing the CRM in line with ``wanted``."""
    id_field, status_field, _, done = TASK_FIELDS[rules.format]
    by_key = {str(t.get(rules.key_column)): t for t in live if t.get(rules.key_column)}
    keys = set()
    create = []
    for spec in wanted:
        reason = rules.reasons.get(spec.reason)  # type: ignore[call-overload]
        if reason is None or not reason.enabled or spec.key in keys:
            continue
        keys.add(spec.key)
        if spec.key in by_key:
            continue  # open, or completed by a person: either way not made again
        create.append(task_record(rules, spec, reason, as_of))
    close = [
        (str(t[id_field]), k)
        for k, t in sorted(by_key.items())
        if k not in keys and k.split(":")[0] in DEFAULT_SUBJECTS and t.get(status_field) != done
    ]
    return create, close
