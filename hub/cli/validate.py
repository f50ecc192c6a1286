"""Commands that check before running: ``validate`` (every config file at once) and ``check`` (connections, store)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from hub.cli.app import app, console, handle_errors, load, state

if TYPE_CHECKING:
    from rich.table import Table


@app.command()
@handle_errors
def validate(
    sources: bool = typer.Option(
        False, "--sources", help="Also read the first batch of every mapped stream and check the columns mappings read."
    ),
    pipeline: list[str] = typer.Option(
        None, "--pipeline", "-p", help="Only this pipeline and its systems (repeatable)."
    ),
) -> None:
    """Validate the config, every connector's settings and every mapping and rule file; list every problem (exit 2)."""
    from hub.validation import validate as run_validation

    result = run_validation(state.config_path, pipelines=pipeline or None, sources=sources)
    for problem in result.problems:
        console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    if result.problems:
        console.print(
            f"{len(result.problems)} problem(s) in {state.config_path} and the files it names",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    read = f", first batch of {result.streams_read} stream(s) read" if sources else ""
    console.print(
        f"[green]ok[/]: {state.config_path}: {result.systems} system(s), {result.pipelines} pipeline(s), "
        f"{result.mappings} mapping(s), {result.rule_files} rule file(s){read}",
        soft_wrap=True,
    )


def _table(title: str) -> Table:
    from rich.table import Table

    table = Table(title=title)
    table.add_column("check")
    table.add_column("ok")
    table.add_column("detail")
    return table


@app.command()
@handle_errors
def check(system: str = typer.Argument(None, help="Only this system.")) -> None:
    """Test the connection to each source (login, version, access per stream) and to the store."""
    from hub.connector import Check
    from hub.errors import HubError
    from hub.pipeline.connect import build_connector
    from hub.validation.store import store_checks

    config = load()
    failed = False
    for name in [system] if system else list(config.systems):
        table = _table(f"{name} ({config.system(name).connector})")
        try:
            connector = build_connector(config, name)
            try:
                checks = connector.check()
            finally:
                connector.close()
        except HubError as exc:
            checks = [Check("connect", False, str(exc))]
        for c in checks:
            failed |= not c.ok
            table.add_row(c.name, "[green]yes[/]" if c.ok else "[red]no[/]", c.detail)
        console.print(table)
    table = _table("store")
    for c in store_checks(config):
        failed |= not c.ok
        table.add_row(c.name, "[green]yes[/]" if c.ok else "[red]no[/]", c.detail)
    console.print(table)
    if failed:
        raise typer.Exit(1)
