"""The ``hub`` Typer application: global options, config loading and error presentation."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from hub.errors import HubError

app = typer.Typer(
    name="hub",
    help="ChannelHub: make the CRM and the DRP/ERP behave like one system.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

F = TypeVar("F", bound=Callable[..., Any])


class State:
    """Options given before the sub-command."""

    config_path: Path = Path(os.environ.get("HUB_CONFIG", "hub.yaml"))
    verbose: int = 0


state = State()


@app.callback()
def _main(
    config: Path = typer.Option(None, "-c", "--config", help="Hub config file (default: $HUB_CONFIG or ./hub.yaml)."),
    verbose: int = typer.Option(0, "-v", "--verbose", count=True, help="More log output (-vv for debug)."),
) -> None:
    if config is not None:
        state.config_path = config
    state.verbose = verbose
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def load() -> Any:
    """The validated config named by ``-c``."""
    from hub.config import load_config

    return load_config(state.config_path)


def handle_errors(func: F) -> F:
    """Show hub errors as one clear message and exit 2, without a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except HubError as exc:
            err_console.print(f"[bold red]error[/]: {type(exc).__name__}: {exc}", markup=True, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]
