"""Commands over the store: ``status``, ``export``, ``db upgrade``, ``db vacuum``, ``quarantine list/show``."""

from __future__ import annotations

from pathlib import Path

import typer

from hub.cli.app import app, console, handle_errors, load

db_app = typer.Typer(help="Store schema management.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Records that could not be read or mapped.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(quarantine_app, name="quarantine")


def _engine(migrate: bool = True):
    from hub.runner import open_store

    return open_store(load(), migrate=migrate)


@db_app.command("upgrade")
@handle_errors
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply schema migrations to the store."""
    from hub.store.engine import mask_url
    from hub.store.migrate import upgrade

    engine = _engine(migrate=False)
    at = upgrade(engine, revision)
    console.print(f"store {mask_url(str(engine.url))} is at revision {at}")


@db_app.command("vacuum")
@handle_errors
def db_vacuum(
    full: bool = typer.Option(
        False, "--full", help="PostgreSQL: VACUUM FULL, rewriting each table (locks it while it is rewritten)."
    ),
    wait: float = typer.Option(0, "--wait", help="Wait up to SECONDS for a running pipeline run to finish."),
) -> None:
    """Reclaim the store's free space (after an upgrade or large deletions) and refresh planner statistics."""
    from contextlib import ExitStack

    from rich.table import Table
    from sqlalchemy import select

    from hub.cli.app import err_console
    from hub.pipeline.runlock import run_lock
    from hub.store.engine import mask_url
    from hub.store.models import RunLock
    from hub.store.vacuum import check_free_space, vacuum

    config = load()
    engine = _engine()
    check_free_space(engine)  # before anything else; checked again when the vacuum starts
    with engine.connect() as conn:
        held = set(conn.execute(select(RunLock.pipeline)).scalars())
    pg = engine.dialect.name == "postgresql"
    if full and not pg:
        console.print("[yellow]note[/]: --full is for PostgreSQL; a SQLite VACUUM always rewrites the whole file")
    with ExitStack() as locks:
        # no run beside the vacuum, and none starts until it is done: every pipeline's run lock is held
        for pipeline in sorted(set(config.pipelines) | held):
            locks.enter_context(run_lock(engine, pipeline, wait=wait))
        if full and pg:
            err_console.print(
                "[yellow]warning[/]: VACUUM FULL locks each table against reads and writes while it rewrites it: "
                "the console and reports wait until it is done"
            )
        console.print(f"vacuuming store {mask_url(str(engine.url))} ...")
        result = vacuum(engine, full=full)
    t = Table(title=f"store vacuum · {result.dialect}" + (" · full" if result.full else ""))
    for col in ("", "bytes", "MB"):
        t.add_column(col, justify="right" if col else "left")
    label = "tables" if pg else "file + WAL"
    rows = [(f"before ({label})", result.before), (f"after ({label})", result.after)]
    rows.append(("reclaimed", result.before - result.after))
    for name, n in rows:
        t.add_row(name, f"{n:,}", f"{n / 1e6:,.1f}")
    console.print(t)
    extra = f", {len(result.tables)} tables vacuumed and analysed" if pg else ""
    console.print(f"done in {result.seconds:.1f}s{extra}")
    if pg and not full:
        console.print(
            "the space of deleted and rewritten rows is free for the store's next writes; "
            "hub db vacuum --full returns it to the operating system (it locks each table while rewriting it)"
        )


@app.command()
@handle_errors
def status(limit: int = typer.Option(5, help="How many recent runs to show.")) -> None:
    """Recent runs with per-stage counts and timings, and open quarantine counts."""
    from rich.table import Table
    from sqlalchemy import func, select

    from hub.store.models import Quarantine, Run, StageLog

    engine = _engine()
    with engine.connect() as conn:
        runs = conn.execute(select(Run).order_by(Run.id.desc()).limit(limit)).all()
        for run in runs:
            took = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
            t = Table(
                title=f"run {run.id} · {run.pipeline} · {run.status} · {run.trigger}"
                + (f" {run.external_ref}" if run.external_ref else "")
                + f" · started {run.started_at:%Y-%m-%d %H:%M:%S} UTC"
                + (f" · {took:.1f}s" if took is not None else "")
            )
            for col in ("stage", "system/stream", "status", "rows in", "changed", "quarantined", "seconds"):
                t.add_column(col)
            idle: dict[str, int] = {}
            for s in conn.execute(select(StageLog).where(StageLog.run_id == run.id).order_by(StageLog.id)).all():
                secs = (s.finished_at - s.started_at).total_seconds() if s.finished_at else None
                if s.system and s.status == "succeeded" and not (s.rows_in or s.rows_changed or s.rows_quarantined):
                    idle[s.stage] = idle.get(s.stage, 0) + 1
                    continue
                t.add_row(
                    s.stage,
                    f"{s.system}/{s.stream}" if s.system else "-",
                    s.status,
                    f"{s.rows_in:,}",
                    f"{s.rows_changed:,}",
                    f"{s.rows_quarantined:,}",
                    f"{secs:.2f}" if secs is not None else "-",
                )
            for stage_name, n in idle.items():
                t.add_row(stage_name, f"{n} stream(s)", "nothing to do", "0", "0", "0", "-")
            console.print(t)
            summary = run.summary or {}
            culprits = summary.get("culprits") or []
            for c in culprits:
                label = "held" if run.status == "held" else "failed"
                colour = "yellow" if run.status == "held" else "red"
                console.print(f"[{colour}]{label}[/]: " + str(c.get("message", "")).replace("[", "\\["), soft_wrap=True)
            if run.error and not culprits:
                console.print("[red]error[/]: " + run.error.replace("[", "\\["), soft_wrap=True)
            if summary.get("mapped"):
                console.print("mapped: " + ", ".join(f"{k} {v:,}" for k, v in sorted(summary["mapped"].items())))
            if summary.get("report"):
                console.print(f"report: {summary['report']}")
        q = conn.execute(
            select(Quarantine.system, Quarantine.stream, Quarantine.error_type, func.count())
            .where(Quarantine.resolved_run.is_(None))
            .group_by(Quarantine.system, Quarantine.stream, Quarantine.error_type)
            .order_by(Quarantine.system, Quarantine.stream)
        ).all()
    if not runs:
        console.print("no runs yet")
    qt = Table(title="open quarantine")
    for col in ("system", "stream", "error", "records"):
        qt.add_column(col)
    for system, stream, etype, n in q:
        qt.add_row(system, stream, etype, f"{n:,}")
    console.print(qt if q else "quarantine: empty")


@app.command()
@handle_errors
def schema(
    target: str = typer.Argument(..., help="SYSTEM or SYSTEM/STREAM."),
    changes: int = typer.Option(20, help="How many recent schema changes to show."),
) -> None:
    """The columns each stream delivered (types, first and last run) and the history of their changes."""
    from rich.table import Table
    from sqlalchemy import select

    from hub.store.models import SchemaChange, StreamColumn

    system, _, stream = target.partition("/")
    config = load()
    config.system(system)
    sc, ch = StreamColumn.__table__, SchemaChange.__table__
    with _engine().connect() as conn:
        q = select(sc).where(sc.c.system == system).order_by(sc.c.stream, sc.c.first_run, sc.c.column)
        qc = select(ch).where(ch.c.system == system).order_by(ch.c.id.desc()).limit(changes)
        if stream:
            q, qc = q.where(sc.c.stream == stream), qc.where(ch.c.stream == stream)
        cols, events = conn.execute(q).all(), conn.execute(qc).all()
    if not cols and not events:
        console.print(f"no schema recorded for {target} yet: it is recorded when the stream is read")
        return
    t = Table(title=f"observed schema of {target}")
    for col in ("stream", "column", "types", "first run", "last run", "status"):
        t.add_column(col)
    for r in cols:
        t.add_row(
            r.stream,
            r.column,
            r.types or "-",
            str(r.first_run),
            str(r.last_run),
            f"removed in run {r.removed_run}" if r.removed_run else "present",
        )
    console.print(t)
    if events:
        e = Table(title="schema changes (newest first)")
        for col in ("run", "stream", "change", "column", "action", "where", "detail"):
            e.add_column(col, overflow="fold")
        for r in events:
            e.add_row(str(r.run_id), r.stream, r.change, r.column, r.action, r.location or "-", r.detail or "")
        console.print(e)


@app.command()
@handle_errors
def export(out: Path = typer.Option(..., "--out", help="Folder for crosswalk.csv and discrepancies.csv.")) -> None:
    """Write crosswalk.csv and discrepancies.csv (the ChannelCo scorer's formats)."""
    from hub.export import export as do_export

    config = load()
    systems = None
    for pc in config.pipelines.values():
        if pc.export_systems:
            systems = sorted(set(systems or []) | set(pc.export_systems))
    counts = do_export(_engine(), out, systems)
    console.print(
        f"wrote {out / 'crosswalk.csv'} ({counts['crosswalk']:,} rows) and "
        f"{out / 'discrepancies.csv'} ({counts['discrepancies']:,} rows)"
    )


@quarantine_app.command("list")
@handle_errors
def quarantine_list(
    system: str = typer.Option(None, help="Only this system."),
    stream: str = typer.Option(None, help="Only this stream."),
    all_: bool = typer.Option(False, "--all", help="Include resolved entries."),
    limit: int = typer.Option(50),
) -> None:
    """Quarantined records with where and why."""
    from rich.table import Table
    from sqlalchemy import select

    from hub.store.models import Quarantine

    q = select(Quarantine).order_by(Quarantine.system, Quarantine.stream, Quarantine.location)
    if system:
        q = q.where(Quarantine.system == system)
    if stream:
        q = q.where(Quarantine.stream == stream)
    if not all_:
        q = q.where(Quarantine.resolved_run.is_(None))
    with _engine().connect() as conn:
        rows = conn.execute(q.limit(limit)).all()
    t = Table(title="quarantine")
    for col in ("id", "system/stream", "stage", "location", "field", "reason"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(r.record_key, f"{r.system}/{r.stream}", r.stage, r.location or "-", r.field or "-", r.reason)
    console.print(t if rows else "quarantine: empty")


@quarantine_app.command("show")
@handle_errors
def quarantine_show(
    record: str = typer.Argument(..., help="Record id or location from `hub quarantine list`."),
) -> None:
    """One quarantined record in full, with its raw content."""
    from sqlalchemy import select

    from hub.errors import HubError
    from hub.store.models import Quarantine

    with _engine().connect() as conn:
        rows = conn.execute(select(Quarantine).where(Quarantine.record_key == record)).all()
    if not rows:
        raise HubError(f"no quarantined record {record!r}")
    for r in rows:
        for label, value in (
            ("system", r.system),
            ("stream", r.stream),
            ("stage", r.stage),
            ("location", r.location),
            ("error", r.error_type),
            ("field", r.field),
            ("reason", r.reason),
            ("first run", r.first_run),
            ("last run", r.last_run),
            ("resolved in run", r.resolved_run),
            ("raw", r.raw),
        ):
            console.print(f"[bold]{label}[/]: {value if value is not None else '-'}", soft_wrap=True)
