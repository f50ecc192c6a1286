"""Commands that check before running: ``validate`` (every config file at once) and ``check`` (connections)."""

from __future__ import annotations

import typer
from rich.table import Table

from hub.cli.app import app, console, handle_errors, load


@app.command()
@handle_errors
def validate() -> None:
    """Validate the config, every connector's settings and every mapping and rule file."""
    from hub.pipeline.connect import build_connector
    from hub.pipeline.context import StageContext
    from hub.pipeline.reconcile import reconcile_config

    config = load()
    for system in config.systems:
        build_connector(config, system).close()
    for name in config.pipelines:
        ctx = StageContext(config=config, engine=None, pipeline=name, run_id=0)  # type: ignore[arg-type]
        ctx.mappings
        reconcile_config(ctx)
    console.print(f"[green]ok[/]: {config.path}: {len(config.systems)} system(s), {len(config.pipelines)} pipeline(s)")


@app.command()
@handle_errors
def check(system: str = typer.Argument(None, help="Only this system.")) -> None:
    """Test the connection to each source (login, version, access per stream)."""
    from hub.errors import HubError
    from hub.pipeline.connect import build_connector

    config = load()
    failed = False
    for name in [system] if system else list(config.systems):
        table = Table(title=f"{name} ({config.system(name).connector})")
        table.add_column("check")
        table.add_column("ok")
        table.add_column("detail")
        try:
            connector = build_connector(config, name)
            try:
                checks = connector.check()
            finally:
                connector.close()
        except HubError as exc:
            from hub.connector import Check

            checks = [Check("connect", False, str(exc))]
        for c in checks:
            failed |= not c.ok
            table.add_row(c.name, "[green]yes[/]" if c.ok else "[red]no[/]", c.detail)
        console.print(table)
    if failed:
        raise typer.Exit(1)
