"""Report stage: after a run, write the reconciled report for that run and e-mail the audiences if configured.

The Airflow DAGs call :func:`report` as the last task of a pipeline whose config has ``report:``
set; the embedded runner can call it the same way. The report goes to the report config's
``output_dir`` under ``run-<id>/``; audiences are mailed when the config says
``send_after_run: true`` (or the stage is given ``options["send"]``).

A run that changed nothing the report reads does not build it again: when the report's
fingerprint (:mod:`hub.report.reuse`) equals the one of the pipeline's last report, that
report's files are linked into ``run-<id>/`` and the stage detail says ``unchanged_since``
(the run that built them). Audiences are still built and mailed after every run when sending
is on, changed or not, as the config's ``send_after_run`` says.
"""

from __future__ import annotations

from pathlib import Path

from hub.errors import ConfigError
from hub.pipeline.context import StageContext
from hub.pipeline.runlog import StageCounts, stage

__all__ = ["report"]


def report(ctx: StageContext) -> StageCounts:
    """Write (and optionally send) the report of ``ctx.run_id``; returns the stage counts."""
    from hub.report.build import make_scope
    from hub.report.config import load_report_config
    from hub.report.reuse import fingerprint, link_files, relative_files, reusable
    from hub.report.service import available_renderers, deliver, write_report

    pc = ctx.config.pipeline(ctx.pipeline)
    if not pc.report:
        raise ConfigError(f"pipeline {ctx.pipeline!r} has no 'report:' file configured", file=str(ctx.config.path))
    cfg = load_report_config(ctx.config.resolve(pc.report))
    out_root = Path(ctx.options["report_dir"]) if ctx.options.get("report_dir") else cfg.default_output_dir()
    out_dir = out_root / f"run-{ctx.run_id}"
    send = bool(ctx.options.get("send", cfg.send_after_run)) and bool(cfg.audiences)
    with stage(ctx.engine, ctx.run_id, "report") as counts:
        renderers = available_renderers()
        scope = make_scope(ctx.engine, cfg, ctx.run_id)
        with ctx.engine.connect() as conn:
            key = fingerprint(conn, cfg, scope.as_of, {f: renderers.get(f) for f in cfg.formats})
            previous = reusable(conn, ctx.pipeline, ctx.run_id, key)
        if previous is not None:
            built_in, source, names = previous
            report_files = link_files(source, names, out_dir)
            counts.detail["unchanged_since"] = built_in
            written: list[Path] = []
        else:
            report_files = write_report(ctx.engine, cfg, out_dir, run=ctx.run_id, renderers=renderers).all_files
            written = list(report_files)
        files = list(report_files)
        mails: list[dict[str, object]] = []
        if send:
            sent = deliver(ctx.engine, cfg, out_dir / "audiences", run=ctx.run_id, renderers=renderers)
            files += sent.all_files
            written += sent.all_files
            mails = sent.mails
        counts.rows_in = len(cfg.sections)
        counts.rows_changed = len(written)
        counts.detail.update(
            {
                "out_dir": str(out_dir),
                "files": [str(p) for p in files],
                "report_files": relative_files(out_dir, report_files),
                "fingerprint": key,
                "mails": [{k: m[k] for k in ("audience", "subject", "sent")} for m in mails],
            }
        )
        return counts
