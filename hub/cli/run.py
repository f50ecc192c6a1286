"""Commands that run work: ``run``, ``plugins``."""

from __future__ import annotations

import typer

from hub.cli.app import app, console, err_console, handle_errors, load


@app.command()
@handle_errors
def run(
    pipeline: str = typer.Argument(..., help="Pipeline name from the config."),
    only: list[str] = typer.Option(
        [], "--only", help="Read only SYSTEM or SYSTEM/STREAM (repeatable); reconcile still runs."
    ),
    accept: list[str] = typer.Option(
        [], "--accept", help="Accept SYSTEM or SYSTEM/STREAM although a guard trips (a real change)."
    ),
    full_refresh: list[str] = typer.Option(
        [], "--full-refresh", help="Read SYSTEM or SYSTEM/STREAM from the start, ignoring its cursor ('*': all)."
    ),
    wait: float = typer.Option(0, "--wait", help="Seconds to wait for another run of the pipeline to finish."),
) -> None:
    """Run a pipeline in-process: extract, map, reconcile (push, report). Exit 0 succeeded, 1 failed, 2 config error, 3 held, 4 busy."""
    from hub.cli.app import EXIT_HELD, exit_code, report_error, state
    from hub.cli.progress import RunProgress
    from hub.cli.runalerts import alert_unrecorded_failure, alerts_of_broken_config
    from hub.runner import RunFailed, RunOptions, open_store, run_pipeline
    from hub.store.engine import mask_url

    try:
        config = load()
    except Exception as exc:  # a broken hub.yaml still alerts, when its alerts section can be read
        alert_unrecorded_failure(alerts_of_broken_config(state.config_path), None, pipeline, exc)
        raise
    try:
        engine = open_store(config)
    except Exception as exc:
        alert_unrecorded_failure(config, None, pipeline, exc)
        raise
    options = RunOptions(only=tuple(only), accept=tuple(accept), full_refresh=tuple(full_refresh), wait=wait)
    failure: BaseException | None = None
    before = _latest_run(engine, pipeline)
    with RunProgress(console, err_console) as progress:
        try:
            result = run_pipeline(config, pipeline, engine=engine, progress=progress, options=options)
        except Exception as exc:
            failure = exc
            result = getattr(exc, "result", None) or _last_result(engine, pipeline, after=before)
    if result is not None:
        print_result(pipeline, result)
    elif failure is not None:  # no run was recorded (config error, store down, another run in progress)
        alert_unrecorded_failure(config, engine, pipeline, failure)
    console.print(f"store: {mask_url(str(engine.url))}")
    if failure is not None:
        if (
            result is not None
            and result.culprits
            and result.run_id == getattr(getattr(failure, "result", result), "run_id", None)
        ):
            if state.verbose:
                report_error(failure)
            raise typer.Exit(1 if isinstance(failure, RunFailed) else exit_code(failure))
        raise typer.Exit(report_error(failure))
    if result.status == "held":
        console.print(
            "[yellow]held[/]: nothing downstream ran; the store keeps its previous state. "
            "Fix the source, or accept a real change with [bold]hub run "
            f"{pipeline} --accept SYSTEM/STREAM[/]."
        )
        raise typer.Exit(EXIT_HELD)


def _latest_run(engine, pipeline: str) -> int:
    from sqlalchemy import func, select

    from hub.store.models import Run

    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.max(Run.id)).where(Run.pipeline == pipeline)).scalar() or 0)
    except Exception:
        return 0


def _last_result(engine, pipeline: str, after: int):
    """The result of the run that raised, as the store recorded it (None when the run never started)."""
    from sqlalchemy import select

    from hub.runner import RunResult
    from hub.store.models import Run

    try:
        with engine.connect() as conn:
            row = conn.execute(
                select(Run.id, Run.status, Run.summary)
                .where(Run.pipeline == pipeline, Run.id > after)
                .order_by(Run.id.desc())
                .limit(1)
            ).first()
    except Exception:
        return None
    if row is None or row.status == "running":
        return None
    summary = row.summary or {}
    return RunResult(
        run_id=row.id,
        status=row.status,
        stages=summary.get("stages", []),
        culprits=summary.get("culprits", []),
        report=summary.get("report"),
    )


def print_result(pipeline: str, result) -> None:
    """The run table (streams with nothing to do folded into one line), culprits, mapped counts and the report."""
    from rich.table import Table

    colour = {"succeeded": "green", "held": "yellow"}.get(result.status, "red")
    table = Table(title=f"run {result.run_id} of {pipeline}: [{colour}]{result.status}[/]")
    for col in ("stage", "system/stream", "status", "rows in", "changed", "quarantined"):
        table.add_column(col, justify="right" if col in ("rows in", "changed", "quarantined") else "left")
    idle: dict[str, int] = {}
    for s in result.stages:
        status = s.get("status") or ("accepted" if s.get("accepted") else "ok")
        if s.get("unchanged_since") and status == "ok":
            status = f"unchanged since run {s['unchanged_since']}"
        nothing = not (s["rows_in"] or s["rows_changed"] or s["rows_quarantined"]) and status == "ok" and s["system"]
        if nothing:
            idle[s["stage"]] = idle.get(s["stage"], 0) + 1
            continue
        where = f"{s['system']}/{s['stream']}" if s["system"] else "-"
        table.add_row(
            s["stage"], where, status, f"{s['rows_in']:,}", f"{s['rows_changed']:,}", f"{s['rows_quarantined']:,}"
        )
    for stage_name, n in idle.items():
        table.add_row(stage_name, f"{n} stream(s)", "nothing to do", "0", "0", "0")
    console.print(table)
    mapped = result.mapped
    if mapped:
        console.print("mapped: " + ", ".join(f"{e} {n:,}" for e, n in sorted(mapped.items())))
    console.print(f"changes: {result.changes:,}   quarantined: {result.quarantined:,}")
    for c in result.culprits:
        label = "held" if result.status == "held" else "failed"
        console.print(f"[{colour}]{label}[/]: " + str(c.get("message", "")).replace("[", "\\["), soft_wrap=True)
    if result.report:
        since = next((s.get("unchanged_since") for s in result.stages if s["stage"] == "report"), None)
        console.print(f"report: {result.report}" + (f" (unchanged since run {since})" if since else ""))


@app.command()
def plugins() -> None:
    """List installed plugins and the connector kinds, transforms and renderers they provide."""
    from rich.table import Table

    from hub.plugins import connector_specs, get_plugin_manager, renderers, transforms

    pm = get_plugin_manager()
    table = Table(title="plugins")
    table.add_column("plugin")
    table.add_column("module")
    table.add_column("hooks")
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda x: x[0]):
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        table.add_row(name, getattr(plugin, "__name__", type(plugin).__name__), ", ".join(hooks))
    console.print(table)
    kinds = Table(title="connector kinds")
    kinds.add_column("kind")
    kinds.add_column("plugin")
    kinds.add_column("description")
    for kind, spec in sorted(connector_specs().items()):
        kinds.add_row(kind, spec.plugin, spec.description)
    console.print(kinds)
    console.print("transforms: " + ", ".join(sorted(transforms())))
    console.print("renderers: " + (", ".join(sorted(renderers())) or "-"))
