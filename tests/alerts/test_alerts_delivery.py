"""Delivery: dedup window, retry then success, a receiver that is down, secrets masked, e-mail over SMTP."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from alert_store import HELD, add_run, add_stage, alert_rows, hub_config
from sqlalchemy import Engine

from hub.alerts import notify_run
from hub.clock import utcnow


@contextmanager
def _redacting_logs() -> Iterator[None]:
    """The hub's log filter on the root logger and its handlers (as a deployment installs it), removed afterwards."""
    from hub.redact import install_log_filter

    root = logging.getLogger()
    f = install_log_filter(root)
    try:
        yield
    finally:
        root.removeFilter(f)
        for h in root.handlers:
            h.removeFilter(f)


def _failed(engine: Engine, column: str) -> int:
    return add_run(
        engine,
        "failed",
        {
            "stages": [],
            "outcome": "failed",
            "culprits": [
                {
                    "kind": "contract",
                    "system": "crm",
                    "stream": "Account",
                    "column": column,
                    "message": f"{column} changed",
                }
            ],
        },
    )


def test_the_same_failure_alerts_once_per_window(engine: Engine, receiver: Any) -> None:
    config = hub_config({"kind": "webhook", "name": "ops", "url": receiver.url, "window_minutes": 60})
    now = utcnow()
    first = notify_run(config, engine, _failed(engine, "Phone"), now=now)
    again = notify_run(config, engine, _failed(engine, "Phone"), now=now + dt.timedelta(minutes=5))
    other = notify_run(config, engine, _failed(engine, "Email"), now=now + dt.timedelta(minutes=10))
    later = notify_run(config, engine, _failed(engine, "Phone"), now=now + dt.timedelta(minutes=61))
    assert [d.status for d in first + again + other + later] == ["sent", "suppressed", "sent", "sent"]
    assert [b["culprits"][0]["column"] for b in receiver.bodies] == ["Phone", "Email", "Phone"]
    assert [r.status for r in alert_rows(engine)] == ["sent", "suppressed", "sent", "sent"]


def test_the_same_run_is_not_alerted_twice_even_without_a_window(engine: Engine, receiver: Any) -> None:
    config = hub_config({"kind": "webhook", "url": receiver.url, "window_minutes": 0})
    run = _failed(engine, "Phone")
    assert [d.status for d in notify_run(config, engine, run)] == ["sent"]
    assert [d.status for d in notify_run(config, engine, run)] == ["suppressed"]  # runner and Airflow both asked
    assert len(receiver.bodies) == 1


def test_a_failed_delivery_does_not_suppress_the_next_one(engine: Engine, receiver: Any) -> None:
    config = hub_config({"kind": "webhook", "url": receiver.url, "retries": 0})
    receiver.answers.append((503, "busy"))
    assert [d.status for d in notify_run(config, engine, _failed(engine, "Phone"))] == ["failed"]
    assert [d.status for d in notify_run(config, engine, _failed(engine, "Phone"))] == ["sent"]


def test_retry_then_success(engine: Engine, receiver: Any) -> None:
    receiver.answers.append((500, "try again"))
    run = _failed(engine, "Phone")
    [d] = notify_run(hub_config({"kind": "webhook", "url": receiver.url}), engine, run)
    assert (d.status, d.attempts, d.error) == ("sent", 2, None)
    assert len(receiver.bodies) == 2 and receiver.bodies[0] == receiver.bodies[1]
    assert [(r.status, r.attempts) for r in alert_rows(engine)] == [("sent", 2)]


def test_a_client_error_is_not_retried(engine: Engine, receiver: Any) -> None:
    receiver.answers.append((400, "bad payload"))
    [d] = notify_run(hub_config({"kind": "webhook", "url": receiver.url}), engine, _failed(engine, "Phone"))
    assert (d.status, d.attempts) == ("failed", 1)
    assert "bad payload" in (d.error or "")


def test_a_receiver_that_is_down_never_raises_and_is_recorded_failed(
    engine: Engine, closed_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    run = add_run(engine, "held", HELD)
    add_stage(engine, run, "push", detail={"held": ["drp/customer"]})
    config = hub_config(
        {"kind": "webhook", "name": "down", "url": f"http://127.0.0.1:{closed_port}/hook", "retries": 2}
    )
    with caplog.at_level(logging.WARNING, logger="hub.alerts"):
        deliveries = notify_run(config, engine, run)
    assert [(d.event, d.status) for d in deliveries] == [("run_held", "failed"), ("breaker_held", "failed")]
    assert deliveries[0].attempts == 3 and "connection failed" in (deliveries[0].error or "")
    # once the channel failed, its other events are not tried again in the same notification
    assert (
        deliveries[1].attempts == 0
        and deliveries[1].error == "not attempted: the channel failed earlier in this notification"
    )
    assert [(r.status, r.attempts) for r in alert_rows(engine)] == [("failed", 3), ("failed", 0)]
    assert "alert run_held:channelco:volume:drp/customers to channel down failed after 3 attempt(s)" in caplog.text


def test_the_time_budget_bounds_the_attempts(engine: Engine, closed_port: int) -> None:
    # backoff 2 s against a budget of 1 s: no second attempt is started
    config = hub_config(
        {
            "kind": "webhook",
            "url": f"http://127.0.0.1:{closed_port}/",
            "retries": 5,
            "backoff_seconds": 2,
            "budget_seconds": 1,
        }
    )
    [d] = notify_run(config, engine, _failed(engine, "Phone"))
    assert (d.status, d.attempts) == ("failed", 1)


def test_secrets_are_masked_in_errors_logs_and_the_store(
    engine: Engine, receiver: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    token, auth = "tok-9f8e7d6c5b4a", "Bearer sk-live-0123456789"
    monkeypatch.setenv("TEST_ALERT_AUTH", auth)
    url = f"{receiver.url}?token={token}"
    receiver.answers.append((401, f"invalid token {token} for header {auth}"))
    config = hub_config({"kind": "webhook", "name": "ops", "url": url, "secrets": {"Authorization": "TEST_ALERT_AUTH"}})
    with caplog.at_level(logging.DEBUG), _redacting_logs():  # urllib3's own debug line names the URL
        [d] = notify_run(config, engine, _failed(engine, "Phone"))
    assert receiver.headers[0]["Authorization"] == auth and receiver.paths[0] == f"/hook?token={token}"
    assert d.status == "failed" and d.attempts == 1  # 401 is not retried
    stored = alert_rows(engine)[0].error
    for text in (d.error or "", stored or "", caplog.text, repr(config)):
        assert token not in text and "sk-live-0123456789" not in text
    assert "***" in stored and "invalid token" in stored


def test_a_token_in_the_url_path_is_masked(engine: Engine, closed_port: int, caplog: pytest.LogCaptureFixture) -> None:
    secret = "XyZ0123456789abcdefGHIJ"
    config = hub_config(
        {"kind": "webhook", "url": f"http://user:pa55word@127.0.0.1:{closed_port}/services/T01/{secret}", "retries": 0}
    )
    with caplog.at_level(logging.DEBUG), _redacting_logs():
        [d] = notify_run(config, engine, _failed(engine, "Phone"))
    assert d.status == "failed"
    for text in (d.error or "", alert_rows(engine)[0].error or "", caplog.text):
        assert secret not in text and "pa55word" not in text


def test_a_missing_header_secret_is_a_failed_delivery_naming_the_variable(engine: Engine, receiver: Any) -> None:
    config = hub_config({"kind": "webhook", "url": receiver.url, "secrets": {"Authorization": "TEST_ALERT_UNSET_VAR"}})
    [d] = notify_run(config, engine, _failed(engine, "Phone"))
    assert d.status == "failed" and "TEST_ALERT_UNSET_VAR" in (d.error or "") and d.attempts == 1
    assert receiver.bodies == []


PASSWORD = "s3cret-Alert-Passw0rd"


@pytest.fixture
def smtp(tmp_path: Path) -> Any:
    from smtp_server import SmtpServer

    server = SmtpServer(tmp_path, "alerts@channelco.example", PASSWORD)
    server.start("starttls")
    try:
        yield server
    finally:
        server.stop()


def _mail_channel(smtp: Any) -> dict[str, Any]:
    return {
        "kind": "email",
        "name": "ops-mail",
        "to": ["ops@channelco.example", "oncall@channelco.example"],
        "smtp": {
            "host": "127.0.0.1",
            "port": smtp.port,
            "security": "starttls",
            "username": smtp.user,
            "password_env": "TEST_ALERT_SMTP_PASSWORD",
            "sender": "ChannelHub <hub@channelco.example>",
            "ca_file": str(smtp.cert),
        },
    }


def test_email_delivery(
    sqlite_engine: Engine, smtp: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TEST_ALERT_SMTP_PASSWORD", PASSWORD)
    run = add_run(sqlite_engine, "held", HELD)
    with caplog.at_level(logging.DEBUG):
        [d] = notify_run(hub_config(_mail_channel(smtp)), sqlite_engine, run)
    assert (d.channel, d.status) == ("ops-mail", "sent")
    [(sender, rcpts, raw)] = smtp.inbox.messages
    assert sender == "hub@channelco.example" and rcpts == ["ops@channelco.example", "oncall@channelco.example"]
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == f"[ChannelHub] channelco: run held (run {run})"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    line = f"ChannelHub: run {run} of channelco held: drp/customers delivered 30 rows, 70% fewer than last time (100)"
    assert text.startswith(line) and "Outcome: held" in text and "volume drp/customers" in text
    assert "70% fewer than last time (100)" in html and "<table>" in html
    assert PASSWORD not in caplog.text


def test_email_with_a_wrong_password_fails_without_showing_it(
    sqlite_engine: Engine, smtp: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TEST_ALERT_SMTP_PASSWORD", "wrong-" + PASSWORD)
    with caplog.at_level(logging.DEBUG):
        [d] = notify_run(hub_config(_mail_channel(smtp)), sqlite_engine, add_run(sqlite_engine, "held", HELD))
    assert d.status == "failed" and d.attempts == 1 and "rejected the login" in (d.error or "")
    assert smtp.inbox.messages == []
    for text in (d.error or "", alert_rows(sqlite_engine)[0].error or "", caplog.text):
        assert PASSWORD not in text


def test_a_channel_that_is_down_does_not_keep_the_others_quiet(engine: Engine, receiver: Any, closed_port: int) -> None:
    config = hub_config(
        {"kind": "webhook", "name": "down", "url": f"http://127.0.0.1:{closed_port}/", "retries": 0},
        {"kind": "webhook", "name": "up", "url": receiver.url},
    )
    deliveries = notify_run(config, engine, _failed(engine, "Phone"))
    assert [(d.channel, d.status) for d in deliveries] == [("down", "failed"), ("up", "sent")]
    assert len(receiver.bodies) == 1


def test_a_store_that_cannot_be_read_never_raises(
    tmp_path: Path, receiver: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from hub.store.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'not-migrated.db'}")
    try:
        with caplog.at_level(logging.WARNING, logger="hub.alerts"):
            assert notify_run(hub_config({"kind": "webhook", "url": receiver.url}), engine, 1) == []
    finally:
        engine.dispose()
    assert "alerts of run 1 could not be worked out" in caplog.text and receiver.bodies == []
