"""Commands that run work: ``run``, ``plugins``."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.cli.app import app, console, handle_errors, load


@app.command()
@handle_errors
def run(pipeline: str = typer.Argument(..., help="Pipeline name from the config.")) -> None:
    """Run a pipeline in-process: extract, map, reconcile."""
    from hub.runner import open_store, run_pipeline
    from hub.store.engine import mask_url

    config = load()
    engine = open_store(config)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,} rows"),
                  TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal) as bars:
        tasks: dict[tuple[str, str, str], int] = {}

        def progress(stage: str, system: str, stream: str, rows: int) -> None:
            key = (stage, system, stream)
            if key not in tasks:
                tasks[key] = bars.add_task(f"{stage} {system}/{stream}", total=None)
            bars.update(tasks[key], completed=rows)

        result = run_pipeline(config, pipeline, engine=engine, progress=progress)
    table = Table(title=f"run {result.run_id} of {pipeline}: {result.status}")
    for col in ("stage", "system/stream", "rows in", "changed", "quarantined"):
        table.add_column(col, justify="right" if col[0] in "rcq" and col != "stage" else "left")
    for s in result.stages:
        where = f"{s['system']}/{s['stream']}" if s["system"] else "-"
        table.add_row(s["stage"], where, f"{s['rows_in']:,}", f"{s['rows_changed']:,}", f"{s['rows_quarantined']:,}")
    console.print(table)
    console.print(f"changes: {result.changes:,}   quarantined: {result.quarantined:,}   store: {mask_url(str(engine.url))}")


@app.command()
def plugins() -> None:
    """List installed plugins and the connector kinds, transforms and renderers they provide."""
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
