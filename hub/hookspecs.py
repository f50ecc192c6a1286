"""Hook specifications: every extension point of the hub is a hook declared here.

Built-in connectors, transforms, report renderers and commands register through these same hooks
(as ``trylast`` plugins) that a third-party package uses through the ``hub.plugins`` entry-point
group (see ``hub.plugins`` and ``docs/plugins.md``).

The ``register_*`` hooks hand the plugin a ``register`` callback instead of asking for a return
value, so the core owns names and clashes: two plugins registering the same name is a
ConfigError naming both, unless one replaces a built-in with ``override=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import pluggy

if TYPE_CHECKING:
    import typer
    from pydantic import BaseModel

    from hub.connector import Connector, ConnectorContext
    from hub.report.model import Report

__all__ = [
    "hookspec",
    "hookimpl",
    "TransformFunc",
    "Renderer",
    "RegisterConnector",
    "RegisterTransform",
    "RegisterRenderer",
]

hookspec = pluggy.HookspecMarker("hub")
hookimpl = pluggy.HookimplMarker("hub")

#: the config model of one connector kind; its factory takes an instance of exactly that model
ConfigT = TypeVar("ConfigT", bound="BaseModel")

#: a mapping transform: ``func(value, *args)`` with ``arity`` extra arguments
TransformFunc = Callable[..., Any]
#: a report renderer: ``render(report, out_dir) -> [written paths]``
Renderer = Callable[["Report", Path], list[Path]]


class RegisterConnector(Protocol):
    """The callback ``register_connectors`` receives."""

    def __call__(
        self,
        kind: str,
        config_model: type[ConfigT],
        factory: Callable[[ConfigT, ConnectorContext], Connector],
        description: str = "",
        *,
        override: bool = False,
        read_apart: bool = False,
    ) -> None: ...


class RegisterTransform(Protocol):
    """The callback ``register_transforms`` receives."""

    def __call__(self, name: str, func: TransformFunc, arity: int = 0, *, override: bool = False) -> None: ...


class RegisterRenderer(Protocol):
    """The callback ``register_renderers`` receives."""

    def __call__(self, fmt: str, render: Renderer, *, override: bool = False) -> None: ...


@hookspec
def register_connectors(register: RegisterConnector) -> None:
    """Register connector kinds: ``register(kind, config_model, factory, description="", override=False,
    read_apart=False)``; ``read_apart``: reads have no side effect a second read would repeat
    differently and batches pickle, so the extract stage may read the kind's streams in a helper."""


@hookspec
def register_transforms(register: RegisterTransform) -> None:
    """Register mapping transforms: ``register(name, func, arity=0, override=False)``; ``func(value, *args)``."""


@hookspec
def register_renderers(register: RegisterRenderer) -> None:
    """Register report renderers: ``register(fmt, render, override=False)``; ``render(report, out_dir) -> [paths]``."""


@hookspec
def register_commands(app: typer.Typer) -> None:
    """Add sub-commands (or a sub-application) to the ``hub`` Typer application; a name already taken is an error."""


@hookspec(firstresult=True)
def prepare_secrets(system: str, kind: str, config: dict[str, Any]) -> dict[str, str] | None:
    """Return credentials for ``system`` from a secret backend (e.g. Airflow Connections), or None."""
