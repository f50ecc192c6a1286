"""The ``hub`` command line (Typer + Rich); sub-command modules register on import."""

from __future__ import annotations

from hub.cli import run as _run  # noqa: F401
from hub.cli import edi as _edi  # noqa: F401
from hub.cli import push as _push  # noqa: F401
from hub.cli import reconcile as _reconcile  # noqa: F401
from hub.cli import report as _report  # noqa: F401
from hub.cli import store as _store  # noqa: F401
from hub.cli import validate as _validate  # noqa: F401
from hub.cli.app import app


def main() -> None:
    """Console-script entry point; plugins may add commands through ``register_commands``."""
    from hub.plugins import get_plugin_manager

    get_plugin_manager().hook.register_commands(app=app)
    app()
