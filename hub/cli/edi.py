"""``hub edi inspect`` and ``hub edi ack``: look into an EDI file the way a trading partner would."""

from __future__ import annotations

from pathlib import Path

import typer

from hub.cli.app import app, console, handle_errors

edi_app = typer.Typer(help="Inspect X12/EDIFACT files and write the acknowledgements a partner receives.", no_args_is_help=True)
app.add_typer(edi_app, name="edi")


@edi_app.command("inspect")
@handle_errors
def inspect(path: Path = typer.Argument(..., exists=True, dir_okay=False, help="An X12 or EDIFACT file.")) -> None:
    """Envelopes, groups, sets and segment counts; or the error with its segment number and reason."""
    from connectors.edi import cli as edi_cli

    code, text = edi_cli.inspect(path)
    console.print(text, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@edi_app.command("ack")
@handle_errors
def ack(path: Path = typer.Argument(..., exists=True, dir_okay=False), out: Path = typer.Option(..., "--out", help="Folder for the 997/CONTRL.")) -> None:
    """Write the 997 (X12) or CONTRL (EDIFACT) acknowledgement for every group of the file."""
    from connectors.edi import cli as edi_cli

    for written in edi_cli.ack(path, out):
        console.print(str(written), markup=False)
