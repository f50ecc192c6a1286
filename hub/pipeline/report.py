"""Report stage: after a run, write the reconciled report for that run and e-mail the audiences if configured.

The Airflow DAGs call :func:`report` as the last task of a pipeline whose config has ``report:``
set; the embedded runner can call it the same way. The report goes to the report config's
``output_dir`` under ``run-<id>/``; audiences are mailed when the config says
``send_after_run: true`` (or the stage is given ``options["send"]``).
"""

from __future__ import annotations

from pathlib import Path

from hub.errors import ConfigError
from hub.pipeline.context import StageContext
from hub.pipeline.runlog import StageCounts, stage

__all__ = ["report"]


def report(ctx: StageContext) -> StageCounts:
    """Write (and optionally send) the report of ``ctx.run_id``; returns the stage counts."""
    from hub.report.config import load_report_config
    from hub.report.service import deliver, write_report

    pc = ctx.config.pipeline(ctx.pipeline)
    if not pc.report:
        raise ConfigError(f"pipeline {ctx.pipeline!r} has no 'report:' file configured", file=str(ctx.config.path))
    cfg = load_report_config(ctx.config.resolve(pc.report))
    out_root = Path(ctx.options["report_dir"]) if ctx.options.get("report_dir") else cfg.default_output_dir()
    out_dir = out_root / f"run-{ctx.run_id}"
    send = bool(ctx.options.get("send", cfg.send_after_run)) and bool(cfg.audiences)
    with stage(ctx.engine, ctx.run_id, "report") as counts:
        full = write_report(ctx.engine, cfg, out_dir, run=ctx.run_id)
        files = list(full.all_files)
        mails: list[dict[str, object]] = []
        if send:
            sent = deliver(ctx.engine, cfg, out_dir / "audiences", run=ctx.run_id)
            files += sent.all_files
            mails = sent.mails
        counts.rows_in = len(cfg.sections)
        counts.rows_changed = len(files)
        counts.detail.update(
            {
                "out_dir": str(out_dir),
                "files": [str(p) for p in files],
                "mails": [{k: m[k] for k in ("audience", "subject", "sent")} for m in mails],
            }
        )
        return counts
