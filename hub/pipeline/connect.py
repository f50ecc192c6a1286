"""Build a system's connector from the config: validate its settings, resolve its secrets."""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel, ValidationError

from hub.config import SECRET_WORDS, HubConfig, mask_secrets
from hub.configfile import ConfigFile, pydantic_problems, read_config_file
from hub.connector import Connector, ConnectorContext, ConnectorSpec
from hub.errors import ConfigError
from hub.plugins import connector_specs, get_plugin_manager

__all__ = ["config_lines", "connector_kind", "connector_settings", "resolve_secrets", "build_connector"]


def config_lines(config: HubConfig) -> ConfigFile:
    """The config file as written, with the line of every key (no lines when it was not read from a file)."""
    source = str(config.path) if config.path else "the config"
    if config.path is None:
        return ConfigFile(source, None)
    try:
        return read_config_file(config.path, "config file")
    except ConfigError:
        return ConfigFile(source, None)


def connector_kind(config: HubConfig, system: str, lines: ConfigFile | None = None) -> ConnectorSpec:
    """The spec of ``system``'s connector kind; an unknown kind names the ``connector:`` line and the known kinds."""
    kind = config.system(system).connector
    specs = connector_specs()
    if kind not in specs:
        lines = config_lines(config) if lines is None else lines
        raise ConfigError(
            f"unknown connector kind {kind!r}; known kinds: {', '.join(sorted(specs))}",
            system=system, file=str(config.path) if config.path else None,
            line=lines.line(("systems", system, "connector")),
        )  # fmt: skip
    return specs[kind]


def connector_settings(config: HubConfig, system: str, lines: ConfigFile | None = None) -> BaseModel:
    """``system``'s validated connector settings; a ConfigError lists every bad field with its line."""
    spec = connector_kind(config, system, lines)
    sc = config.system(system)
    try:
        return spec.config_model.model_validate(sc.config)
    except ValidationError as exc:
        lines = config_lines(config) if lines is None else lines
        problems = pydantic_problems(exc, lines, ("systems", system, "config"))
        raise ConfigError(
            f"invalid {sc.connector} settings of system {system!r}:\n  " + "\n  ".join(problems),
            system=system, file=str(config.path) if config.path else None, problems=problems,
        ) from None  # fmt: skip


def resolve_secrets(config: HubConfig, system: str) -> dict[str, str]:
    """Secrets of ``system``: a secret backend plugin (e.g. Airflow Connections) first, then env vars."""
    sc = config.system(system)
    found = get_plugin_manager().hook.prepare_secrets(system=system, kind=sc.connector, config=mask_secrets(sc.config))
    secrets = dict(found or {})
    missing = []
    for name, env in sc.secrets.items():
        if name in secrets:
            continue
        value = os.environ.get(env)
        if value is None:
            missing.append(f"{name} (environment variable {env})")
        else:
            secrets[name] = value
    if missing:
        raise ConfigError(f"secrets not set: {', '.join(missing)}", system=system, file=str(config.path))
    from hub.redact import register_secret

    for name, value in secrets.items():  # user names are not secrets: redacting them would blot out common words
        if any(word in name.lower() for word in SECRET_WORDS) or not any(
            w in name.lower() for w in ("user", "login", "client_id", "account")
        ):
            register_secret(value)
    return secrets


def build_connector(config: HubConfig, system: str, settings: Any = None) -> Connector:
    """A ready connector for ``system``; invalid settings are a ConfigError naming every field.

    ``settings`` replaces the validated settings (a probe read may turn side effects off).
    """
    spec = connector_kind(config, system)
    settings = connector_settings(config, system) if settings is None else settings
    context = ConnectorContext(system=system, base_dir=str(config.base_dir), secrets=resolve_secrets(config, system))
    return spec.factory(settings, context)
