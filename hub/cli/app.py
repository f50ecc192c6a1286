"""The ``hub`` Typer application: global options, config loading and error presentation."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
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
    from hub.redact import install_log_filter

    install_log_filter()  # every log record of the process has configured secrets replaced by ***


def load() -> Any:
    """The validated config named by ``-c``."""
    from hub.config import load_config

    return load_config(state.config_path)


#: documented exit codes (README "When something is wrong")
EXIT_FAILED, EXIT_CONFIG, EXIT_HELD, EXIT_BUSY = 1, 2, 3, 4


def exit_code(exc: BaseException) -> int:
    """The exit code of an error: 2 configuration or usage, 3 held, 4 another run in progress, else 1."""
    from hub.errors import ConfigError, DiscoveryError, HoldError, NotFoundError, RunInProgressError

    if isinstance(exc, HoldError):
        return EXIT_HELD
    if isinstance(exc, RunInProgressError):
        return EXIT_BUSY
    if isinstance(exc, (ConfigError, DiscoveryError, NotFoundError)) or type(exc) is HubError:
        return EXIT_CONFIG
    return EXIT_FAILED


def as_hub_error(exc: BaseException) -> HubError:
    """An unexpected exception as a hub error, root cause first (see :mod:`hub.failure`)."""
    from hub.failure import as_hub_error as describe

    return describe(exc)


def report_error(exc: BaseException) -> int:
    """Print an error as one clear message (the trace only with -v) and return its exit code."""
    from hub.errors import StoreError
    from hub.redact import redact

    err = as_hub_error(exc)
    code = (
        exit_code(err)
        if err is exc
        else (EXIT_FAILED if isinstance(err, StoreError) or type(err) is HubError else exit_code(err))
    )
    if state.verbose:
        import traceback

        err_console.print(redact("".join(traceback.format_exception(exc))), markup=False, soft_wrap=True)
    label = "held" if code == EXIT_HELD else "error"
    err_console.print(
        f"[bold red]{label}[/]: {type(err).__name__}: " + redact(str(err)).replace("[", "\\["),
        markup=True,
        soft_wrap=True,
    )
    return code


def handle_errors(func: F) -> F:
    """Show errors as one clear message without a traceback and exit with the documented code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, click.exceptions.ClickException, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:
            raise typer.Exit(report_error(exc)) from None

    return wrapper  # type: ignore[return-value]
