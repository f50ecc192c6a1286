"""Salesperson tasks in django-crm: the task flow opens one task per overdue Tryton invoice on the linked account, for
the account's assignee, never twice, and completes them when the reason clears (slow: real Tryton and django-crm)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import realsys_harness as harness
import requests
from e2e_hub_support import hub_env, run_then_push

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

EXAMPLE = harness.REPO / "examples" / "realsys"
PIPELINE = "realsys"
PUSH = """
targets: {{}}
flows:
  tasks:
    crm: djangocrm
    format: djangocrm
    stream: tasks
    key_column: cf_hub_key
    account_stream: accounts
    drp: tryton
    as_of: {as_of}
    reasons:
      invoice_overdue: {{days: {days}, due_days: 3, priority: High}}
"""


def _define_task_key(crm: harness.ServerInfo) -> None:
    headers = {"Authorization": f"Bearer {crm.credentials['token']}"}
    url = f"{crm.url}/api/custom-fields/"
    have = requests.get(url, params={"target_model": "Task"}, headers=headers, timeout=30).json()["definitions"]
    if not any(d["key"] == "hub_key" for d in have):
        body = {"target_model": "Task", "key": "hub_key", "label": "Hub key", "field_type": "text"}
        made = requests.post(url, json=body, headers=headers, timeout=30)
        assert made.status_code == 201, made.text[:300]


def _config(tmp: Path, as_of: dt.date, days: int) -> Path:
    text = (EXAMPLE / "hub.yaml").read_text(encoding="utf-8")
    text = text.replace("../../mappings", str(harness.REPO / "mappings"))
    text = text.replace("reconcile: reconcile.yaml", f"reconcile: {EXAMPLE / 'reconcile.yaml'}")
    (tmp / "push.yaml").write_text(PUSH.format(as_of=as_of.isoformat(), days=days), encoding="utf-8")
    path = tmp / "hub.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(path: Path, engine: Any = None) -> tuple[dict[str, Any], Any]:
    detail, engine = run_then_push(path, PIPELINE, engine)
    assert detail["failed"] == {}, detail["failed"]
    return detail["flows"]["tasks"], engine


def _hub_tasks(crm: harness.ServerInfo) -> list[dict[str, Any]]:
    from connectors.djangocrm.config import DjangoCrmConfig
    from connectors.djangocrm.connector import DjangoCrmConnector
    from hub.connector import ConnectorContext

    c = DjangoCrmConnector(DjangoCrmConfig(url=crm.url), ConnectorContext("djangocrm", ".", crm.credentials))
    try:
        rows = [r.data for b in c.read("tasks", None) for r in b.records]
    finally:
        c.close()
    return [r for r in rows if str(r.get("cf_hub_key") or "").startswith("invoice_overdue:")]


def test_overdue_invoices_become_django_crm_tasks_once_and_close_when_cleared(
    tryton_server: harness.ServerInfo,
    djangocrm_server: harness.ServerInfo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hub.push.flow_data import crosswalk, raw_records, records

    for k, v in hub_env(tryton_server, djangocrm_server, tmp_path / "hub.db").items():
        monkeypatch.setenv(k, v)
    _define_task_key(djangocrm_server)
    as_of = dt.date(2030, 1, 1)
    path = _config(tmp_path, as_of, 0)
    first, engine = _run(path)
    with engine.connect() as conn:
        accounts = crosswalk(conn, "party", "tryton", "djangocrm")
        assignee = {
            k: (v.get("assigned_to_ids") or [None])[0] for k, v in raw_records(conn, "djangocrm", "accounts").items()
        }
        overdue = {
            i["external_id"]: accounts[i["party_ref"]]
            for i in records(conn, "invoice", "tryton")
            if i.get("due_date")
            and i["due_date"] < as_of
            and (i.get("open_amount") or 0) > 0
            and i["party_ref"] in accounts
        }
    assert overdue, "the seeded world has open invoices of linked customers"
    assert first["to_open"] == len(overdue) and first.get("written") == len(overdue), first
    tasks = _hub_tasks(djangocrm_server)
    assert len(tasks) == len(overdue)
    assert sorted(t["account_id"] for t in tasks) == sorted(overdue.values())
    for t in tasks:
        assert t["status"] == "New" and t["priority"] == "High" and t["due_date"] == "2030-01-04"
        want = assignee.get(t["account_id"])
        assert t.get("assigned_to_ids") == ([want] if want else []), t
        assert "days overdue" in t["description"]

    again, _ = _run(path, engine)
    assert again["to_open"] == 0 and again["to_close"] == 0, again
    assert len(_hub_tasks(djangocrm_server)) == len(overdue)

    # nothing is overdue by more than a century: the hub completes its open tasks
    path = _config(tmp_path, as_of, 36500)
    cleared, _ = _run(path, engine)
    assert cleared["to_close"] == len(overdue), cleared
    assert {t["status"] for t in _hub_tasks(djangocrm_server)} == {"Completed"}
