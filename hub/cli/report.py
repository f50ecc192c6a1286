"""``hub report``: write the reconciled report for a run (or a date range) to a folder, or e-mail it to the audiences."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from hub.cli.app import app, console, handle_errors, load
from hub.cli.store import _engine
from hub.errors import ConfigError


def _date(value: str | None, option: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} must be a date like 2026-03-31, not {value!r}", field=option) from None


def _report_config(config, pipeline: str | None, path: Path | None):
    from hub.report.config import ReportConfig, load_report_config

    if path is not None:
        return load_report_config(path), pipeline
    with_report = [n for n, p in config.pipelines.items() if p.report]
    if pipeline is None and len(with_report) == 1:
        pipeline = with_report[0]
    if pipeline is not None and config.pipeline(pipeline).report:
        return load_report_config(config.resolve(config.pipeline(pipeline).report)), pipeline
    if pipeline is None and len(with_report) > 1:
        raise ConfigError(f"several pipelines have reports ({', '.join(with_report)}): choose one with --pipeline")
    return ReportConfig(base_dir=config.base_dir), pipeline


@app.command()
@handle_errors
def report(
    run: str = typer.Option("latest", "--run", help="Run id, or 'latest' (newest succeeded run)."),
    to: Path = typer.Option(None, "--to", help="Folder to write into (default: the report config's output_dir)."),
    send: bool = typer.Option(False, "--send", help="E-mail each configured audience its sections (XLSX attached)."),
    audience: list[str] = typer.Option(None, "--audience", help="Only these audiences (with --send); repeatable."),
    pipeline: str = typer.Option(None, "--pipeline", "-p", help="Pipeline whose report config and runs to use."),
    date_from: str = typer.Option(None, "--from", help="First order/invoice date included (YYYY-MM-DD)."),
    date_to: str = typer.Option(None, "--until", help="Last order/invoice date included (YYYY-MM-DD)."),
    formats: str = typer.Option(
        None, "--format", help="Comma-separated formats (default: the config's, e.g. html,xlsx,csv)."
    ),
    report_config: Path = typer.Option(
        None, "--report-config", help="Report YAML (default: the pipeline's 'report:')."
    ),
) -> None:
    """Write the reconciled report (HTML, XLSX, CSV) for a run, or e-mail it to the audiences."""
    from hub.report.service import deliver, write_report

    config = load()
    cfg, pipeline = _report_config(config, pipeline, report_config)
    engine = _engine()
    out_dir = (to or cfg.default_output_dir()).resolve()
    start, end = _date(date_from, "--from"), _date(date_to, "--until")
    fmts = [f.strip() for f in formats.split(",") if f.strip()] if formats else None
    if send:
        result = deliver(
            engine, cfg, out_dir, run=run, pipeline=pipeline, date_from=start, date_to=end, audiences=audience or None
        )
        for m in result.mails:
            console.print(
                f"sent to {m['audience']} ({', '.join(m['to'])}): {m['subject']} [{', '.join(m['attachments'])}]",
                soft_wrap=True,
            )
    else:
        result = write_report(
            engine, cfg, out_dir, run=run, pipeline=pipeline, date_from=start, date_to=end, formats=fmts
        )
    for path in result.all_files:
        console.print(str(path), soft_wrap=True)
    html = [p for p in result.all_files if p.suffix == ".html"]
    if html:
        console.print(f"report: {html[0]}", soft_wrap=True)
