"""The plugin manager: loads built-in and third-party plugins once, lazily, and owns registered names.

Entry points: third-party packages declare their plugin module in the neutral ``hub.plugins``
group (one group for every kind of extension: connectors, transforms, renderers, commands,
secrets); the older ``hub.connectors`` group is still read. Built-ins are the modules of
:data:`BUILTIN_PLUGINS` (the one list of them) and register through the same hooks. Set
``HUB_DISABLE_PLUGINS=name1,name2`` (or ``*``) to block installed plugins by entry-point name;
built-ins always load. Nothing is imported at module import time (this matters for Airflow DAG
parsing).

Names: two plugins registering the same connector kind, transform, renderer format or command
is a ConfigError naming both plugins and the name. A plugin replaces a built-in only by saying
so (``register(..., override=True)``); see ``docs/plugins.md``.
"""

from __future__ import annotations

import importlib
import os
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy

from hub import hookspecs
from hub.connector import ConnectorFactory, ConnectorSpec
from hub.errors import ConfigError

if TYPE_CHECKING:
    import typer
    from pydantic import BaseModel

__all__ = [
    "ENTRY_POINT_GROUP",
    "LEGACY_ENTRY_POINT_GROUPS",
    "BUILTIN_PLUGINS",
    "get_plugin_manager",
    "load_plugins",
    "reset_plugin_manager",
    "connector_specs",
    "connector_spec",
    "transforms",
    "renderers",
    "check_registrations",
    "install_commands",
]

#: the entry-point group third-party plugins declare their module in
ENTRY_POINT_GROUP = "hub.plugins"
#: groups read for backward compatibility (plugins written before ``hub.plugins``)
LEGACY_ENTRY_POINT_GROUPS = ("hub.connectors",)

#: modules of the plugins that ship with the hub (the one list of built-ins)
BUILTIN_PLUGINS = (
    "connectors.csv",
    "connectors.edi",
    "connectors.rest",
    "connectors.salesforce",
    "connectors.soap",
    "connectors.tryton",
    "connectors.djangocrm",
    "hub.mapping.transforms",
    "hub.report.renderers",
    "hub.airflow.plugin",
)

T = TypeVar("T")

_lock = threading.Lock()
_pm: pluggy.PluginManager | None = None


def get_plugin_manager() -> pluggy.PluginManager:
    """Return the process-wide plugin manager, loading plugins on first use."""
    global _pm
    with _lock:
        if _pm is None:
            _pm = _new_manager()
            load_plugins(_pm)
        return _pm


def _new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("hub")
    pm.add_hookspecs(hookspecs)
    return pm


def load_plugins(pm: pluggy.PluginManager) -> None:
    """Register built-ins, then installed entry points (minus the blocked ones); idempotent."""
    blocked = {n.strip() for n in os.environ.get("HUB_DISABLE_PLUGINS", "").split(",") if n.strip()}
    for name in BUILTIN_PLUGINS:
        if pm.get_plugin(name) is None:
            pm.register(importlib.import_module(name), name=name)
    if "*" not in blocked:
        from importlib.metadata import entry_points

        for group in (ENTRY_POINT_GROUP, *LEGACY_ENTRY_POINT_GROUPS):
            for ep in entry_points(group=group):
                if ep.name in blocked or ep.value in BUILTIN_PLUGINS or pm.get_plugin(ep.name) is not None:
                    continue
                try:
                    plugin = ep.load()
                except Exception as exc:
                    raise ConfigError(
                        f"plugin {ep.name!r} (entry point {group}: {ep.value}) failed to load: "
                        f"{type(exc).__name__}: {exc}; block it with HUB_DISABLE_PLUGINS={ep.name}"
                    ) from exc
                if not pm.is_registered(plugin):
                    pm.register(plugin, name=ep.name)
    pm.check_pending()


def reset_plugin_manager() -> None:
    """Forget the loaded plugins (tests use this after registering fakes)."""
    global _pm
    with _lock:
        _pm = None


# -- names: collected from the register_* hooks, clashes refused ------------------------------
def _resolve(what: str, name: str, found: list[tuple[str, bool, T]]) -> T:
    """The one registration of ``name``, or the override of a built-in; any other clash is a ConfigError."""
    if len(found) == 1:
        return found[0][2]
    builtin = [f for f in found if f[0] in BUILTIN_PLUGINS]
    others = [f for f in found if f[0] not in BUILTIN_PLUGINS]
    if len(builtin) == 1 and len(others) == 1 and others[0][1]:
        return others[0][2]
    # name the two plugins that clash: two add-ons if there are two, else the built-in and the add-on
    first, second = sorted(others if len(others) >= 2 else found, key=lambda f: (f[0] not in BUILTIN_PLUGINS, f[0]))[:2]
    if first[0] == second[0]:
        raise ConfigError(f"{what} {name!r} is registered twice by plugin {first[0]!r}")
    if first[0] in BUILTIN_PLUGINS and second[0] not in BUILTIN_PLUGINS and not second[1] and len(found) == 2:
        hint = f"pass override=True to register() in {second[0]!r} to replace the built-in"
    else:
        hint = "uninstall one of them or block one with HUB_DISABLE_PLUGINS=<entry-point name>"
    raise ConfigError(f"{what} {name!r} is registered by both plugin {first[0]!r} and plugin {second[0]!r}; {hint}")


def _collect(
    hook_name: str, what: str, build: Callable[..., T], pm: pluggy.PluginManager | None = None
) -> dict[str, T]:
    """Call every implementation of a ``register_*`` hook with a ``register`` callback; refuse clashes."""
    pm = pm or get_plugin_manager()
    found: dict[str, list[tuple[str, bool, T]]] = {}
    for impl in getattr(pm.hook, hook_name).get_hookimpls():
        plugin_name = pm.get_name(impl.plugin) or repr(impl.plugin)

        def register(name: str, *args: Any, override: bool = False, _plugin: str = plugin_name, **kwargs: Any) -> None:
            found.setdefault(name, []).append((_plugin, bool(override), build(name, _plugin, *args, **kwargs)))

        impl.function(register=register)
    return {name: _resolve(what, name, regs) for name, regs in found.items()}


def connector_specs(pm: pluggy.PluginManager | None = None) -> dict[str, ConnectorSpec]:
    """All registered connector kinds by name."""

    def build(
        kind: str,
        plugin: str,
        config_model: type[BaseModel],
        factory: ConnectorFactory,
        description: str = "",
        read_apart: bool = False,
    ) -> ConnectorSpec:
        return ConnectorSpec(
            kind=kind,
            config_model=config_model,
            factory=factory,
            description=description,
            plugin=plugin,
            read_apart=read_apart,
        )

    return _collect("register_connectors", "connector kind", build, pm)


def connector_spec(kind: str) -> ConnectorSpec:
    """The spec of one connector kind, or a ConfigError listing the known kinds."""
    specs = connector_specs()
    if kind not in specs:
        raise ConfigError(f"unknown connector kind {kind!r}; installed kinds: {', '.join(sorted(specs))}")
    return specs[kind]


def transforms(pm: pluggy.PluginManager | None = None) -> dict[str, tuple[hookspecs.TransformFunc, int]]:
    """All registered mapping transforms: name -> (function, number of arguments)."""

    def build(
        name: str, plugin: str, func: hookspecs.TransformFunc, arity: int = 0
    ) -> tuple[hookspecs.TransformFunc, int]:
        return (func, arity)

    return _collect("register_transforms", "transform", build, pm)


def renderers(pm: pluggy.PluginManager | None = None) -> dict[str, hookspecs.Renderer]:
    """All registered report renderers by format name."""

    def build(fmt: str, plugin: str, render: hookspecs.Renderer) -> hookspecs.Renderer:
        return render

    return _collect("register_renderers", "report renderer", build, pm)


def check_registrations(pm: pluggy.PluginManager | None = None) -> None:
    """Collect every registered name once so a clash between plugins fails fast (the CLI calls this)."""
    connector_specs(pm)
    transforms(pm)
    renderers(pm)


# -- commands: plugins add them to the Typer app; a taken name is refused ----------------------
#: per Typer app, which plugin added each command name ("hub" for the core's own)
_installed: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()
#: per Typer app, the plugins whose register_commands already ran on it
_done: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def _name_of_command(c: Any) -> str:
    return c.name or (c.callback.__name__.lower().replace("_", "-") if c.callback else "")


def _name_of_group(g: Any) -> str:
    return g.name or (g.typer_instance.info.name if g.typer_instance else None) or ""


def _names(commands: list[Any], groups: list[Any]) -> list[str]:
    names = [_name_of_command(c) for c in commands] + [_name_of_group(g) for g in groups]
    return [n for n in names if isinstance(n, str) and n]


def install_commands(app: typer.Typer, pm: pluggy.PluginManager | None = None) -> None:
    """Let every plugin add its commands to ``app`` through ``register_commands``, once per app and plugin."""
    pm = pm or get_plugin_manager()
    owners = _installed.setdefault(app, {})
    for name in _names(app.registered_commands, app.registered_groups):
        owners.setdefault(name, "hub")
    done = _done.setdefault(app, set())
    for impl in pm.hook.register_commands.get_hookimpls():  # trylast built-ins come first
        plugin_name = pm.get_name(impl.plugin) or repr(impl.plugin)
        if plugin_name in done:
            continue
        commands, groups = list(app.registered_commands), list(app.registered_groups)
        impl.function(app=app)
        added = _names(
            [c for c in app.registered_commands if not any(c is o for o in commands)],
            [g for g in app.registered_groups if not any(g is o for o in groups)],
        )
        clash = next((n for n in added if n in owners or added.count(n) > 1), None)
        if clash is not None:
            app.registered_commands[:], app.registered_groups[:] = commands, groups  # leave the app as it was
            other = owners.get(clash, plugin_name)
            where = "the hub itself" if other == "hub" else f"plugin {other!r}"
            raise ConfigError(
                f"command {clash!r} is added by both {where} and plugin {plugin_name!r}; "
                "uninstall one of them or block one with HUB_DISABLE_PLUGINS=<entry-point name>"
            )
        owners.update({n: plugin_name for n in added})
        done.add(plugin_name)
