"""Salesperson tasks in either CRM's fields: Salesforce Task or django-crm tasks, and the django-crm task upsert."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from connectors.djangocrm.client import DjangoCrmClient
from connectors.djangocrm.config import DjangoCrmConfig
from connectors.djangocrm.connector import DjangoCrmConnector
from hub.connector import Change, ConnectorContext
from hub.push.flow_config import TaskFlow
from hub.push.tasks import TaskSpec, sync_plan

AS_OF = dt.date(2026, 3, 31)
SPEC = TaskSpec("invoice_overdue", "INV1", "acc-1", "prof-1", "Invoice INV1: 100.00 open")


def test_djangocrm_format_writes_django_crm_fields_and_closes_by_its_status() -> None:
    rules = TaskFlow(
        format="djangocrm",
        stream="tasks",
        key_column="cf_hub_key",
        account_stream="accounts",
        reasons={"invoice_overdue": {"due_days": 3}},
    )
    create, close = sync_plan(rules, [SPEC], [], AS_OF)
    assert (
        create
        == [
            {
                "cf_hub_key": SPEC.key,
                "title": "Invoice overdue",
                "account": "acc-1",
                "due_date": "2026-04-03",
                "priority": "Medium",
                "status": "New",
                "description": "Invoice INV1: 100.00 open",
                "assigned_to": ["prof-1"],
            }
        ]
        and close == []
    )
    live = [
        {"id": "t1", "cf_hub_key": SPEC.key, "status": "New"},
        {"id": "t2", "cf_hub_key": "invoice_overdue:gone", "status": "In Progress"},
        {"id": "t3", "cf_hub_key": "invoice_overdue:done", "status": "Completed"},
    ]
    assert sync_plan(rules, [SPEC], live, AS_OF) == ([], [("t2", "invoice_overdue:gone")])
    sf = TaskFlow(reasons={"invoice_overdue": {}})
    (record,), _ = sync_plan(sf, [SPEC], [], AS_OF)
    assert record["WhatId"] == "acc-1" and record["OwnerId"] == "prof-1" and record["Status"] == "Not Started"


def test_djangocrm_task_key_must_be_a_custom_field() -> None:
    with pytest.raises(ValidationError, match="cf_<key>"):
        TaskFlow(format="djangocrm", stream="tasks", key_column="Hub_Key__c")


class _Reply:
    def __init__(self, body: Any, status: int = 200) -> None:
        self.status_code, self.headers = status, {}
        self.content = json.dumps(body).encode()
        self.text = self.content.decode()

    def json(self) -> Any:
        return json.loads(self.content)


class _TaskServer:
    """django-crm's task endpoints as they behave: the create reply names no id, the list omits custom fields."""

    def __init__(self) -> None:
        self.tasks: dict[str, dict[str, Any]] = {}
        self.verify = True

    def request(self, method, url, params=None, json=None, headers=None, timeout=None):  # type: ignore[no-untyped-def]
        path = url.split("/api/tasks/", 1)[1]
        if method == "POST":
            tid = str(uuid.uuid4())
            self.tasks[tid] = {"id": tid, **{k: v for k, v in json.items()}}
            return _Reply({"error": False, "message": "Task Created Successfully"})
        if method == "PATCH":
            self.tasks[path.strip("/")].update(json)
            return _Reply({"error": False, "message": "Task updated Successfully"})
        if path:
            t = self.tasks[path.strip("/")]
            return _Reply({"task_obj": {**t, "account": {"id": t.get("account"), "name": "x"}}})
        rows = [
            {"id": t["id"], "title": t["title"], "status": t["status"]}
            for t in self.tasks.values()
            if (not params.get("account") or t.get("account") == params["account"])
            and (not params.get("title") or params["title"].lower() in t["title"].lower())
        ]
        off, lim = int(params["offset"]), int(params["limit"])
        return _Reply({"tasks_count": len(rows), "tasks": rows[off : off + lim]})

    def close(self) -> None:
        pass


def test_djangocrm_task_upsert_finds_its_task_by_the_key_field() -> None:
    server = _TaskServer()
    config = DjangoCrmConfig(url="http://crm.invalid", page_size=2)
    crm = DjangoCrmConnector(
        config, ConnectorContext("crm", "."), client=DjangoCrmClient(config.url, "t", http=server, system="crm")
    )
    data = {"cf_hub_key": "k1", "title": "Invoice overdue", "account": "acc-1", "status": "New", "priority": "High"}
    other = {**data, "cf_hub_key": "k2"}
    (first,) = crm.write("tasks", [Change("upsert", None, data, "i1", "cf_hub_key")])
    (second,) = crm.write("tasks", [Change("upsert", None, other, "i2", "cf_hub_key")])
    (again,) = crm.write("tasks", [Change("upsert", None, data, "i3", "cf_hub_key")])
    assert first.ok and first.created and second.ok and second.created and first.external_id != second.external_id
    assert again.ok and not again.created and again.external_id == first.external_id
    assert len(server.tasks) == 2
    assert server.tasks[first.external_id]["custom_fields"] == {"hub_key": "k1"}
    (done,) = crm.write("tasks", [Change("update", first.external_id, {"status": "Completed"}, "i4")])
    assert done.ok and server.tasks[first.external_id]["status"] == "Completed"
    (bad,) = crm.write(
        "tasks", [Change("upsert", None, {**data, "cf_hub_key": "k3", "status": "Open"}, "i5", "cf_hub_key")]
    )
    assert not bad.ok and "status" in str(bad.error)
