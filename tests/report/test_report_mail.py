"""E-mail delivery to a real SMTP server on 127.0.0.1 (aiosmtpd): STARTTLS or SSL, AUTH, per-audience content."""

from __future__ import annotations

import io
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from report_store import AS_OF
from smtp_server import SmtpServer
from sqlalchemy import Engine

from hub.errors import AuthError, ConfigError, SourceError
from hub.report.config import ReportConfig
from hub.report.service import deliver

PASSWORD = "s3cret-Passw0rd"


@pytest.fixture
def smtp(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path, "reports@channelco.example", PASSWORD)
    server.start(getattr(request, "param", "starttls"))
    try:
        yield server
    finally:
        server.stop()


def _config(server: SmtpServer, security: str = "starttls", ca: bool = True) -> ReportConfig:
    return ReportConfig.model_validate(
        {
            "title": "ChannelCo report",
            "as_of": AS_OF,
            "smtp": {
                "host": "127.0.0.1",
                "port": server.port,
                "security": security,
                "username": server.user,
                "password_env": "TEST_HUB_SMTP_PASSWORD",
                "sender": "ChannelHub <reports@channelco.example>",
                "ca_file": str(server.cert) if ca else None,
                "timeout": 10,
            },
            "audiences": {
                "finance": {
                    "to": ["finance@channelco.example"],
                    "sections": ["summary", "receivables"],
                    "subject": "{title}: receivables, run {run} ({as_of})",
                },
                "east_sales": {
                    "to": ["east@channelco.example"],
                    "cc": ["director@channelco.example"],
                    "sections": ["sales", "receivables"],
                    "teams": ["华东大区"],
                },
            },
        }
    )


def _parse(raw: bytes) -> Any:
    return message_from_bytes(raw, policy=policy.default)


def _xlsx(msg: Any) -> Any:
    from openpyxl import load_workbook

    (att,) = [p for p in msg.iter_attachments()]
    assert att.get_filename() == "report.xlsx"
    assert att.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(att.get_content()))


@pytest.mark.parametrize("smtp", ["starttls", "ssl"], indirect=True)
def test_each_audience_gets_its_mail(
    smtp: SmtpServer,
    small_sqlite: Engine,
    renderers: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    security = request.node.callspec.params["smtp"]
    monkeypatch.setenv("TEST_HUB_SMTP_PASSWORD", PASSWORD)
    result = deliver(small_sqlite, _config(smtp, security), tmp_path / "out", run="latest", renderers=renderers)
    assert [m["sent"] for m in result.mails] == [True, True]
    assert smtp.inbox.logins == [smtp.user]  # one session for both mails
    assert len(smtp.inbox.messages) == 2
    (f_from, f_rcpt, f_raw), (e_from, e_rcpt, e_raw) = smtp.inbox.messages
    assert f_from == e_from == "reports@channelco.example"
    assert f_rcpt == ["finance@channelco.example"]
    assert e_rcpt == ["east@channelco.example", "director@channelco.example"]

    finance, east = _parse(f_raw), _parse(e_raw)
    assert finance["Subject"] == "ChannelCo report: receivables, run 2 (2026-03-31)"
    assert east["Subject"] == "ChannelCo report: east_sales, run 2 (2026-03-31)"
    assert east["Cc"] == "director@channelco.example"
    f_html = finance.get_body(("html",)).get_content()
    e_html = east.get_body(("html",)).get_content()
    # finance sees all receivables (15,500.00), the East team only its customers (10,500.00)
    assert 'data-figure="receivables.open_receivables"' in f_html and "15,500.00" in f_html
    assert "10,500.00" in e_html and "15,500.00" not in e_html
    assert "Open discrepancies" in f_html and "Open discrepancies" not in e_html  # summary only for finance
    assert "Open receivables: 15,500.00" in finance.get_body(("plain",)).get_content()

    wb = _xlsx(east)
    assert wb.sheetnames == [
        "Key figures",
        "Receivables - Credit",
        "Receivables - Aging",
        "Receivables - Unapplied",
        "Sales - Salespeople",
        "Sales - Teams",
        "Sales - Commission periods",
    ]
    sales = wb["Sales - Salespeople"]
    assert [c.value for c in sales[1]][:3] == ["Team", "Salesperson code", "Salesperson"]
    assert [r[1] for r in sales.iter_rows(min_row=2, values_only=True)] == ["S1"]
    fin = _xlsx(finance)
    assert fin["Receivables - Aging"]["D2"].value == 7000  # C1's open amount
    assert (tmp_path / "out" / "finance" / "report.xlsx").exists()


def test_wrong_password_is_an_auth_error_without_the_password(
    smtp: SmtpServer, small_sqlite: Engine, renderers: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_HUB_SMTP_PASSWORD", "wrong-" + PASSWORD)
    with pytest.raises(AuthError) as info:
        deliver(small_sqlite, _config(smtp), tmp_path / "out", renderers=renderers)
    assert "wrong-" not in str(info.value) and PASSWORD not in repr(info.value.to_dict())
    assert info.value.status == 535 and smtp.inbox.messages == []


def test_tls_certificates_are_verified(
    smtp: SmtpServer, small_sqlite: Engine, renderers: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_HUB_SMTP_PASSWORD", PASSWORD)
    with pytest.raises(SourceError, match="TLS"):
        deliver(small_sqlite, _config(smtp, ca=False), tmp_path / "out", renderers=renderers)
    assert smtp.inbox.messages == []


def test_missing_password_variable_names_the_variable(
    small_sqlite: Engine, renderers: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_HUB_SMTP_PASSWORD", raising=False)
    cfg = ReportConfig.model_validate(
        {
            "as_of": AS_OF,
            "smtp": {
                "host": "127.0.0.1",
                "port": 9,
                "username": "u",
                "password_env": "TEST_HUB_SMTP_PASSWORD",
                "sender": "a@b.c",
            },
            "audiences": {"x": {"to": ["x@b.c"]}},
        }
    )
    with pytest.raises(ConfigError, match="TEST_HUB_SMTP_PASSWORD is not set"):
        deliver(small_sqlite, cfg, tmp_path / "out", renderers=renderers)


def test_unknown_audience_and_missing_smtp(small_sqlite: Engine, renderers: Any, tmp_path: Path) -> None:
    cfg = ReportConfig.model_validate({"as_of": AS_OF, "audiences": {"x": {"to": ["x@b.c"]}}})
    with pytest.raises(ConfigError, match="unknown audience"):
        deliver(small_sqlite, cfg, tmp_path, audiences=["nobody"], renderers=renderers)
    with pytest.raises(ConfigError, match="smtp"):
        deliver(small_sqlite, cfg, tmp_path, renderers=renderers)
    written = deliver(small_sqlite, cfg, tmp_path / "o", send=False, renderers=renderers)
    assert [p.name for p in written.all_files] == ["report.xlsx"] and written.mails[0]["sent"] is False
