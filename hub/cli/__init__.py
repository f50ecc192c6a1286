"""The ``hub`` command line (Typer + Rich); core sub-command modules register on import, plugins through a hook.

The core never imports a connector: connector commands (``hub edi ...``) arrive through the
``register_commands`` hook, installed by :func:`main` exactly as a third-party plugin's would be.
"""

from __future__ import annotations

from hub.cli import console as _console  # noqa: F401
from hub.cli import match as _match  # noqa: F401
from hub.cli import push as _push  # noqa: F401
from hub.cli import reconcile as _reconcile  # noqa: F401
from hub.cli import report as _report  # noqa: F401
from hub.cli import run as _run  # noqa: F401
from hub.cli import store as _store  # noqa: F401
from hub.cli import validate as _validate  # noqa: F401
from hub.cli.app import app


def main() -> None:
    """Console-script entry point: add plugin commands (``register_commands``), refuse name clashes, run."""
    from hub.cli.app import report_error
    from hub.errors import HubError
    from hub.plugins import check_registrations, install_commands

    try:
        install_commands(app)
        check_registrations()
    except HubError as exc:
        raise SystemExit(report_error(exc)) from None
    app()
