"""The alerts: section of hub.yaml: defaults, and every mistake reported with file:line through load_config."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.alerts.config import EVENTS, EmailChannel, WebhookChannel
from hub.config import load_config
from hub.errors import ConfigError

BAD = """\
systems:
  crm: {connector: csv}
alerts:
  - kind: webhook
    url: https://hooks.example.com/x
    events: [run_failed, run_exploded]
  - kind: webhook
    url: ftp://x
    headers: {Authorization: "Bearer abc-literal-secret"}
  - kind: email
    to: [not-an-address]
    smtp: {host: h, sender: a@b, usernam: x}
    window_minutes: -1
  - kind: pager
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hub.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_mistake_is_reported_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, BAD)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    problems = str(info.value).splitlines()[1:]
    expected = [
        (6, "alerts[0].events[1]: Input should be 'run_failed'"),
        (8, "alerts[1].url: must be an http(s) URL with a host"),
        (9, "alerts[1].headers: header(s) Authorization carry credentials"),
        (11, "alerts[2].to: not an e-mail address: 'not-an-address'"),
        (12, "alerts[2].smtp.usernam: unknown key 'usernam'"),
        (13, "alerts[2].window_minutes: Input should be greater than or equal to 0"),
        (14, "alerts[3]: kind must be one of webhook, email (got 'pager')"),
    ]
    for line, text in expected:
        assert any(p.strip().startswith(f"{path}:{line}: {text}") for p in problems), (line, text, problems)
    assert len(problems) == len(expected)
    assert "abc-literal-secret" not in str(info.value)


def test_two_channels_of_one_name_are_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "systems: {}\nalerts:\n  - {kind: webhook, name: ops, url: 'http://h/'}\n"
        "  - {kind: email, name: ops, to: [a@b.c], smtp: {host: h, sender: a@b.c}}\n",
    )
    with pytest.raises(ConfigError, match=rf"{path}:2: alerts: channel name\(s\) used twice: ops"):
        load_config(path)


def test_defaults_and_env_interpolation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_ALERT_HOOK", "https://hooks.example.com/services/T01/B02/abcdefghijklmnop1234")
    path = _write(
        tmp_path,
        """\
systems: {}
alerts:
  - kind: webhook
    url: ${TEST_ALERT_HOOK}
    secrets: {Authorization: OPS_HOOK_AUTH}
    headers: {X-Source: channelhub}
  - kind: email
    smtp: {host: smtp.example.com, username: hub, password_env: HUB_SMTP_PASSWORD, sender: hub@example.com}
    to: [ops@example.com]
    events: [run_failed, run_held]
""",
    )
    hook, mail = load_config(path).alerts
    assert isinstance(hook, WebhookChannel) and isinstance(mail, EmailChannel)
    assert (hook.name, mail.name) == ("webhook-1", "email-2")
    assert hook.url.endswith("abcdefghijklmnop1234") and "abcdefghijklmnop1234" not in repr(hook)
    assert hook.events == list(EVENTS) and mail.events == ["run_failed", "run_held"]
    assert (
        hook.window_minutes,
        hook.timeout_seconds,
        hook.retries,
        hook.stale_hours,
        hook.quarantine_spike_rows,
        hook.quarantine_spike_factor,
        hook.min_severity,
    ) == (60, 5, 2, 24, 100, 5.0, "high")


def test_secrets_must_name_variables(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "systems: {}\nalerts:\n  - kind: webhook\n    url: http://h/\n    secrets: {Authorization: 'Bearer xyz-123'}\n",
    )
    with pytest.raises(ConfigError, match=rf"{path}:5: alerts\[0\]\.secrets: secrets of Authorization must name "):
        load_config(path)
