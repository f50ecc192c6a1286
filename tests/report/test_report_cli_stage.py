"""``hub report`` on a ChannelCo store, the pipeline's report stage, and the report config file."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from smtp_server import SmtpServer
from sqlalchemy import select
from typer.testing import CliRunner

from hub.errors import ConfigError
from hub.report.config import describe, load_report_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "channelco"


def test_cli_writes_the_report(
    channelco: dict[str, Any], use_renderers: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hub.cli.report  # noqa: F401  (registers the command until hub.cli imports it)
    from hub.cli.app import app

    for k, v in channelco["env"].items():
        monkeypatch.setenv(k, v)
    out = tmp_path / "rep"
    args = [
        "-c",
        str(EXAMPLE / "hub.yaml"),
        "report",
        "--run",
        "latest",
        "--to",
        str(out),
        "--report-config",
        str(EXAMPLE / "report.yaml"),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (out / "report.html").exists() and (out / "report.xlsx").exists() and (out / "summary-matching.csv").exists()
    assert f"report: {out / 'report.html'}" in result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f'data-report-run="{channelco["run_id"]}"' in html

    bad = CliRunner().invoke(app, args[:3] + ["--run", "999", "--to", str(out), "--report-config", args[-1]])
    assert bad.exit_code == 2 and "no run 999" in bad.output
    bad = CliRunner().invoke(app, args + ["--from", "2026-13-01"])
    assert bad.exit_code == 2 and "--from must be a date" in bad.output


def test_report_stage_writes_and_sends(
    channelco: dict[str, Any], use_renderers: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.pipeline.context import StageContext
    from hub.pipeline.report import report
    from hub.store.models import StageLog

    server = SmtpServer(tmp_path, "hub", "pw-123")
    server.start("starttls")
    try:
        cfg_file = tmp_path / "report.yaml"
        cfg_file.write_text(
            textwrap.dedent(f"""\
            title: Stage report
            as_of: 2026-03-31
            formats: [html, xlsx]
            output_dir: {tmp_path / "reports"}
            send_after_run: true
            smtp: {{host: 127.0.0.1, port: {server.port}, username: hub, password_env: TEST_STAGE_PW,
                    sender: hub@channelco.example, ca_file: {server.cert}}}
            audiences:
              finance: {{to: [finance@channelco.example], sections: [receivables]}}
            """),
            encoding="utf-8",
        )
        monkeypatch.setenv("TEST_STAGE_PW", "pw-123")
        config = channelco["config"].model_copy(deep=True)
        config.pipelines["channelco"] = config.pipelines["channelco"].model_copy(update={"report": str(cfg_file)})
        ctx = StageContext(config=config, engine=channelco["engine"], pipeline="channelco", run_id=channelco["run_id"])
        counts = report(ctx)
    finally:
        server.stop()
    run_dir = tmp_path / "reports" / f"run-{channelco['run_id']}"
    assert (run_dir / "report.html").exists() and (run_dir / "report.xlsx").exists()
    assert (run_dir / "audiences" / "finance" / "report.xlsx").exists()
    assert counts.rows_changed == 3 and counts.detail["mails"] == [
        {
            "audience": "finance",
            "subject": f"Stage report: finance, run {channelco['run_id']} (2026-03-31)",
            "sent": True,
        }
    ]
    assert [rcpt for _, rcpt, _ in server.inbox.messages] == [["finance@channelco.example"]]
    with channelco["engine"].connect() as c:
        logged = c.execute(
            select(StageLog.stage, StageLog.status, StageLog.rows_changed).where(
                StageLog.run_id == channelco["run_id"], StageLog.stage == "report"
            )
        ).all()
    assert logged[-1] == ("report", "succeeded", 3)  # the pipeline run itself logged one before


def test_stage_without_report_config_is_a_config_error(channelco: dict[str, Any]) -> None:
    from hub.pipeline.context import StageContext
    from hub.pipeline.report import report

    config = channelco["config"].model_copy(deep=True)
    config.pipelines["channelco"] = config.pipelines["channelco"].model_copy(update={"report": None})
    ctx = StageContext(config=config, engine=channelco["engine"], pipeline="channelco", run_id=1)
    with pytest.raises(ConfigError, match="no 'report:' file"):
        report(ctx)


def test_example_report_config_is_valid() -> None:
    cfg = load_report_config(EXAMPLE / "report.yaml")
    assert set(cfg.audiences) == {"finance", "east_sales", "data_stewards"}
    assert cfg.audiences["east_sales"].teams == ["华东大区"]
    assert describe(cfg)["smtp"]["password_env"] == "***"


def test_config_errors_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "report.yaml"
    bad.write_text(
        textwrap.dedent("""\
        title: x
        sections: [summary, nonsense]
        smtp:
          host: h
          sender: a@b.c
          username: someone
        audiences:
          team:
            to: [not-an-address]
        """),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_report_config(bad)
    text = str(info.value)
    assert f"{bad}:2: sections: unknown section(s) nonsense" in text
    assert f"{bad}:4: smtp:" in text or f"{bad}:3: smtp" in text
    assert "password_env" in text
    assert f"{bad}:9: audiences.team.to" in text


def test_config_needs_env_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOT_SET_REPORT_VAR", raising=False)
    f = tmp_path / "r.yaml"
    f.write_text("title: ${NOT_SET_REPORT_VAR}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="NOT_SET_REPORT_VAR is not set"):
        load_report_config(f)
