"""Build a system's connector from the config: validate its settings, resolve its secrets."""

from __future__ import annotations

import os

from pydantic import ValidationError

from hub.config import HubConfig, mask_secrets
from hub.connector import Connector, ConnectorContext
from hub.errors import ConfigError
from hub.plugins import connector_spec, get_plugin_manager


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
    return secrets


def build_connector(config: HubConfig, system: str) -> Connector:
    """A ready connector for ``system``; invalid settings are a ConfigError naming every field."""
    sc = config.system(system)
    spec = connector_spec(sc.connector)
    try:
        settings = spec.config_model.model_validate(sc.config)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(
            f"invalid {sc.connector} settings:\n  " + "\n  ".join(problems), system=system, file=str(config.path)
        ) from None
    context = ConnectorContext(system=system, base_dir=str(config.base_dir), secrets=resolve_secrets(config, system))
    return spec.factory(settings, context)
