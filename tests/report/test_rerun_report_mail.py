"""An unchanged report is not built again, but the audiences are still mailed after every run.

``send_after_run: true`` means a mail per audience after each run (a daily report stays daily);
the full report of an unchanged run is the previous one, linked into the run's folder.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from smtp_server import SmtpServer

from hub.runner import run_pipeline
from testkit.world import generate
from tests.helpers.channelco import channelco_store


def test_audiences_are_mailed_after_a_run_whose_report_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_renderers: None
) -> None:
    generate(tmp_path / "world", seed=9, customers=30)
    server = SmtpServer(tmp_path, "hub", "pw-123")
    server.start("starttls")
    try:
        report_file = tmp_path / "report.yaml"
        report_file.write_text(
            textwrap.dedent(f"""\
            title: Mailed report
            as_of: 2026-03-31
            formats: [html, xlsx]
            output_dir: {tmp_path / "reports"}
            send_after_run: true
            smtp: {{host: 127.0.0.1, port: {server.port}, username: hub, password_env: TEST_RERUN_PW,
                    sender: hub@channelco.example, ca_file: {server.cert}}}
            audiences:
              finance: {{to: [finance@channelco.example], sections: [receivables]}}
            """),
            encoding="utf-8",
        )
        monkeypatch.setenv("TEST_RERUN_PW", "pw-123")
        config, engine = channelco_store(monkeypatch, tmp_path / "world", f"sqlite:///{tmp_path / 'hub.db'}")
        pipelines = dict(config.pipelines)
        pipelines["channelco"] = pipelines["channelco"].model_copy(update={"report": str(report_file)})
        config = config.model_copy(update={"pipelines": pipelines})
        first = run_pipeline(config, "channelco", engine=engine)
        second = run_pipeline(config, "channelco", engine=engine)
        engine.dispose()
    finally:
        server.stop()
    stage = next(s for s in second.stages if s["stage"] == "report")
    assert stage["unchanged_since"] == first.run_id
    assert [m["sent"] for m in stage["mails"]] == [True]
    assert [rcpt for _, rcpt, _ in server.inbox.messages] == [["finance@channelco.example"]] * 2
    run_dir = tmp_path / "reports" / f"run-{second.run_id}"
    assert (run_dir / "report.html").read_bytes() == (
        tmp_path / "reports" / f"run-{first.run_id}" / "report.html"
    ).read_bytes()
    assert (run_dir / "audiences" / "finance" / "report.xlsx").is_file()
    assert stage["rows_changed"] == 1  # the audience's attachment was written; the full report was linked
