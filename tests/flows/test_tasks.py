"""Salesperson tasks in the CRM: opened once per reason and record, never duplicated, closed when the reason clears."""

from __future__ import annotations

import datetime as dt

from testkit.flowseed import add_payment, crm_order


def _tasks(flow, reason: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    return [t for t in flow.records("Task") if str(t.get("Hub_Key__c") or "").startswith(reason + ":")]


def test_hold_and_overdue_tasks_opened_once_and_closed_when_cleared(flow) -> None:  # type: ignore[no-untyped-def]
    oid = crm_order(flow.sf.org, flow.ids, "C900004", "00034001", [("SKU-B", 12, "250.00")], owner="S002")
    detail = flow.run()
    assert detail["failed"] == {}, detail["failed"]
    hold = _tasks(flow, "credit_hold")
    assert len(hold) == 1
    t = hold[0]
    # the order's owner (not the account's) gets it, with the figures
    assert t["WhatId"] == oid and t["OwnerId"] == flow.ids["users"]["S002"] and t["Priority"] == "High"
    assert "3,000.00" in t["Description"] and t["Status"] == "Not Started"
    overdue = _tasks(flow, "invoice_overdue")  # INV900001 due 2026-02-09, 8,000 open, as of 2026-03-31
    assert len(overdue) == 1 and overdue[0]["WhatId"] == flow.ids["accounts"]["C900004"]
    assert overdue[0]["OwnerId"] == flow.ids["users"]["S001"] and "50 days overdue" in overdue[0]["Description"]
    # a rerun: nothing new
    again = flow.run()["flows"]["tasks"]
    assert again["to_open"] == 0 and len(flow.records("Task")) == 2
    # the customer pays in full: the order is released, both reasons clear, the hub completes both tasks
    add_payment(flow.drp.store, "PAY900002", "C900004", "8000.00", dt.date(2026, 3, 20), invoice="INV900001")
    done = flow.run()["flows"]["tasks"]
    assert done["to_close"] == 2, done
    assert {t["Status"] for t in flow.records("Task")} == {"Completed"}
    assert flow.run()["flows"]["tasks"]["to_close"] == 0


def test_task_completed_by_a_person_is_not_reopened(flow) -> None:  # type: ignore[no-untyped-def]
    flow.run()
    overdue = _tasks(flow, "invoice_overdue")
    assert len(overdue) == 1
    flow.sf.org.update("Task", overdue[0]["Id"], {"Status": "Completed"})
    detail = flow.run()["flows"]["tasks"]
    assert detail["to_open"] == 0 and len(_tasks(flow, "invoice_overdue")) == 1
