"""One test per event: the store state of a finished run, the webhook body a receiver gets, the row in alert_sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from alert_store import (
    HELD,
    add_dead_letters,
    add_discrepancy,
    add_profile,
    add_run,
    add_stage,
    alert_rows,
    hub_config,
)
from sqlalchemy import Engine

from hub.alerts import notify_run
from hub.clock import utcnow


def _hook(receiver: Any, *events: str, **extra: Any) -> dict[str, Any]:
    channel = {"kind": "webhook", "name": "ops", "url": receiver.url, **extra}
    if events:
        channel["events"] = list(events)
    return channel


def _only(receiver: Any, event: str) -> dict[str, Any]:
    assert [b["event"] for b in receiver.bodies] == [event]
    return receiver.bodies[0]


def test_run_failed(engine: Engine, receiver: Any) -> None:
    summary = {
        "stages": [],
        "outcome": "failed",
        "culprits": [
            {
                "kind": "contract",
                "system": "crm",
                "stream": "Account",
                "column": "Phone",
                "file": "Account.csv",
                "message": "column Phone changed type from str to int",
            }
        ],
    }
    run = add_run(engine, "failed", summary, error="contract of crm/Account broken")
    sent = notify_run(hub_config(_hook(receiver)), engine, run)
    body = _only(receiver, "run_failed")
    assert body["pipeline"] == "channelco" and body["run_id"] == run and body["outcome"] == "failed"
    assert body["culprits"][0]["column"] == "Phone"
    assert (
        body["text"]
        == f"ChannelHub: run {run} of channelco failed: crm/Account: column Phone changed type from str to int"
    )
    assert set(body) >= {"pipeline", "run_id", "event", "outcome", "culprits", "counts", "text", "at"}
    dt.datetime.fromisoformat(body["at"])
    assert [(d.status, d.event_key) for d in sent] == [("sent", "run_failed:channelco:contract:crm/Account:Phone")]
    rows = alert_rows(engine)
    assert [(r.channel, r.event, r.status, r.run_id, r.attempts) for r in rows] == [
        ("ops", "run_failed", "sent", run, 1)
    ]


def test_run_failed_written_by_older_code_names_the_failed_stage(engine: Engine, receiver: Any) -> None:
    run = add_run(engine, "failed", {"stages": []}, error="stage extract failed")
    add_stage(engine, run, "extract", "drp", "orders", status="failed", error="drp/orders: cannot read orders.csv")
    notify_run(hub_config(_hook(receiver)), engine, run)
    body = _only(receiver, "run_failed")
    assert body["outcome"] == "failed"
    assert body["text"].endswith("failed: drp/orders: cannot read orders.csv")


def test_run_held(engine: Engine, receiver: Any) -> None:
    run = add_run(engine, "held", HELD)
    notify_run(hub_config(_hook(receiver)), engine, run)
    body = _only(receiver, "run_held")
    assert body["text"] == (
        f"ChannelHub: run {run} of channelco held: drp/customers delivered 30 rows, 70% fewer than last time (100)"
    )
    assert body["counts"]["rows_in"] == 30


def test_breaker_held(engine: Engine, receiver: Any) -> None:
    run = add_run(engine, "succeeded", {"stages": [], "changes": 3})
    add_stage(engine, run, "push", detail={"targets": {}, "held": ["drp/customer"], "failed": {}})
    notify_run(hub_config(_hook(receiver)), engine, run)
    body = _only(receiver, "breaker_held")
    assert body["details"]["targets"] == ["drp/customer"]
    assert f"hub push --approve {run}" in body["text"]


def test_dead_letters(engine: Engine, receiver: Any) -> None:
    other = add_run(engine, "succeeded", {"stages": []})
    add_dead_letters(engine, other, "crm", "Account", 4, "an earlier run's problem")
    run = add_run(engine, "succeeded", {"stages": []})
    add_dead_letters(engine, run, "drp", "customer", 3, "ClientError: HTTP 422: credit_limit must be positive")
    notify_run(hub_config(_hook(receiver)), engine, run)
    body = _only(receiver, "dead_letters")
    assert body["counts"]["dead_letters"] == 3
    assert "3 write(s) became dead letters (drp/customer 3)" in body["text"]
    assert "credit_limit must be positive" in body["text"]


def test_quarantine_spike_by_rows(engine: Engine, receiver: Any) -> None:
    run = add_run(engine, "succeeded", {"stages": []})
    add_stage(engine, run, "extract", "crm", "Account", rows_in=500, quarantined=90)
    add_stage(engine, run, "map", "drp", "customer", rows_in=500, quarantined=30)
    notify_run(hub_config(_hook(receiver)), engine, run)
    body = _only(receiver, "quarantine_spike")
    assert body["counts"]["rows_quarantined"] == 120
    assert "quarantined 120 rows: crm/Account 90, drp/customer 30" in body["text"]


def test_quarantine_spike_against_the_previous_run(engine: Engine, receiver: Any) -> None:
    first = add_run(engine, "succeeded", {"stages": []})
    add_stage(engine, first, "extract", "crm", "Account", quarantined=4)
    second = add_run(engine, "succeeded", {"stages": []})
    add_stage(engine, second, "extract", "crm", "Account", quarantined=25)
    third = add_run(engine, "succeeded", {"stages": []})
    add_stage(engine, third, "extract", "crm", "Account", quarantined=30)  # not 5x the 25 before
    config = hub_config(_hook(receiver, "quarantine_spike"))
    notify_run(config, engine, second)
    assert "quarantined 25 rows (previous run: 4)" in _only(receiver, "quarantine_spike")["text"]
    assert notify_run(config, engine, third) == []


def test_stale_source(engine: Engine, receiver: Any) -> None:
    now = utcnow()
    add_profile(engine, "drp", "inventory", now - dt.timedelta(hours=30))
    add_profile(engine, "crm", "Account", now - dt.timedelta(hours=2))
    add_profile(engine, "crm", "Lead", None)  # never delivered a record: not judged
    add_profile(engine, "legacy", "orders", now - dt.timedelta(days=90))  # no longer read by the pipeline
    add_profile(engine, "drp", "inventory", now - dt.timedelta(days=9), pipeline="other")
    run = add_run(engine, "succeeded", {"stages": []})
    notify_run(hub_config(_hook(receiver)), engine, run, now=now)
    body = _only(receiver, "stale_source")
    assert [s["stream"] for s in body["details"]["stale"]] == ["drp/inventory"]
    assert "no new data for over 24 h from drp/inventory" in body["text"] and "(30 h)" in body["text"]
    receiver.bodies.clear()
    notify_run(hub_config(_hook(receiver, stale_hours=48, name="lenient")), engine, run, now=now)
    assert receiver.bodies == []


def test_new_critical_discrepancies(engine: Engine, receiver: Any) -> None:
    before = add_run(engine, "succeeded", {"stages": []})
    add_discrepancy(engine, before, "credit_exceeded", "C0", "critical")  # opened earlier: not new
    run = add_run(engine, "succeeded", {"stages": []})
    add_discrepancy(engine, run, "credit_exceeded", "C1", "critical")
    add_discrepancy(engine, run, "order_missing_in_drp", "O1", "high")
    add_discrepancy(engine, run, "order_missing_in_drp", "O2", "high")
    add_discrepancy(engine, run, "order_status_mismatch", "O3", "medium")
    add_discrepancy(engine, run, "credit_exceeded", "C2", "critical", status="resolved")
    notify_run(hub_config(_hook(receiver)), engine, run)
    body = _only(receiver, "new_critical_discrepancies")
    assert "opened 3 new discrepancies of severity high or above" in body["text"]
    assert body["counts"]["new_discrepancies"] == 4
    receiver.bodies.clear()
    notify_run(hub_config(_hook(receiver, min_severity="critical", name="strict")), engine, run)
    assert (
        "opened 1 new discrepancies of severity critical or above: credit_exceeded 1 (critical)"
        in _only(receiver, "new_critical_discrepancies")["text"]
    )


def test_a_clean_run_sends_nothing(engine: Engine, receiver: Any) -> None:
    run = add_run(engine, "succeeded", {"stages": [], "changes": 10, "outcome": "succeeded"})
    add_stage(engine, run, "extract", "crm", "Account", rows_in=100, quarantined=2)
    assert notify_run(hub_config(_hook(receiver)), engine, run) == []
    assert receiver.bodies == [] and alert_rows(engine) == []


def test_only_subscribed_events_are_sent(engine: Engine, receiver: Any) -> None:
    run = add_run(engine, "held", HELD)
    add_stage(engine, run, "push", detail={"held": ["drp/customer"]})
    notify_run(hub_config(_hook(receiver, "breaker_held")), engine, run)
    assert [b["event"] for b in receiver.bodies] == ["breaker_held"]


def test_an_unknown_run_or_no_channel_sends_nothing(engine: Engine, receiver: Any) -> None:
    assert notify_run(hub_config(_hook(receiver)), engine, 999) == []
    run = add_run(engine, "failed", error="boom")
    assert notify_run(hub_config(), engine, run) == []
    assert receiver.bodies == []
