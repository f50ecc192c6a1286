"""Hook specifications: every extension point of the hub is a hook declared here.

Built-in connectors, transforms and report renderers register through these same hooks
(as ``trylast`` plugins) so a third-party package can add or override them through the
``hub.connectors`` entry-point group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("hub")
hookimpl = pluggy.HookimplMarker("hub")


@hookspec
def register_connectors(register: Callable[..., None]) -> None:
    """Register connector kinds: ``register(kind, config_model, factory, description="")``."""


@hookspec
def register_transforms(register: Callable[..., None]) -> None:
    """Register mapping transforms: ``register(name, func, arity=0)``; ``func(value, *args)``."""


@hookspec
def register_renderers(register: Callable[..., None]) -> None:
    """Register report renderers: ``register(fmt, render)``; ``render(report, out_dir) -> [paths]``."""


@hookspec
def register_commands(app: Any) -> None:
    """Add sub-commands to the ``hub`` Typer application."""


@hookspec(firstresult=True)
def prepare_secrets(system: str, kind: str, config: dict[str, Any]) -> dict[str, str] | None:
    """Return credentials for ``system`` from a secret backend (e.g. Airflow Connections), or None."""
