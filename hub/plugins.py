"""The plugin manager: loads built-in and third-party plugins once, lazily.

Third-party plugins are found through the ``hub.connectors`` entry-point group. Set
``HUB_DISABLE_PLUGINS=name1,name2`` (or ``*``) to block installed plugins by entry-point name;
built-ins always load. Nothing is imported at module import time (this matters for Airflow DAG
parsing).
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from typing import Any

import pluggy

from hub import hookspecs
from hub.connector import ConnectorSpec
from hub.errors import ConfigError

ENTRY_POINT_GROUP = "hub.connectors"

#: modules of the plugins that ship with the hub
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

        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in blocked or ep.value in BUILTIN_PLUGINS:
                continue
            if pm.get_plugin(ep.value) is None and pm.get_plugin(ep.name) is None:
                pm.register(ep.load(), name=ep.name)
    pm.check_pending()


def reset_plugin_manager() -> None:
    """Forget the loaded plugins (tests use this after registering fakes)."""
    global _pm
    with _lock:
        _pm = None


def _collect(hook_name: str, build: Callable[..., Any], pm: pluggy.PluginManager | None = None) -> dict[str, Any]:
    pm = pm or get_plugin_manager()
    found: dict[str, Any] = {}
    hook = getattr(pm.hook, hook_name)
    # pluggy calls the most recently registered / tryfirst plugins first; the first
    # registration of a name wins, so a third-party plugin can override a built-in.
    for impl in hook.get_hookimpls()[::-1]:
        plugin_name = pm.get_name(impl.plugin) or ""

        def register(name: str, *args: Any, _plugin: str = plugin_name, **kwargs: Any) -> None:
            if name in found:
                return
            found[name] = build(name, _plugin, *args, **kwargs)

        impl.function(register=register)
    return found


def connector_specs(pm: pluggy.PluginManager | None = None) -> dict[str, ConnectorSpec]:
    """All registered connector kinds by name."""

    def build(kind: str, plugin: str, config_model: Any, factory: Any, description: str = "") -> ConnectorSpec:
        return ConnectorSpec(kind=kind, config_model=config_model, factory=factory, description=description, plugin=plugin)

    return _collect("register_connectors", build, pm)


def connector_spec(kind: str) -> ConnectorSpec:
    """The spec of one connector kind, or a ConfigError listing the known kinds."""
    specs = connector_specs()
    if kind not in specs:
        raise ConfigError(f"unknown connector kind {kind!r}; installed kinds: {', '.join(sorted(specs))}")
    return specs[kind]


def transforms(pm: pluggy.PluginManager | None = None) -> dict[str, tuple[Callable[..., Any], int]]:
    """All registered mapping transforms: name -> (function, number of arguments)."""

    def build(name: str, plugin: str, func: Callable[..., Any], arity: int = 0) -> tuple[Callable[..., Any], int]:
        return (func, arity)

    return _collect("register_transforms", build, pm)


def renderers(pm: pluggy.PluginManager | None = None) -> dict[str, Callable[..., Any]]:
    """All registered report renderers by format name."""

    def build(fmt: str, plugin: str, render: Callable[..., Any]) -> Callable[..., Any]:
        return render

    return _collect("register_renderers", build, pm)
