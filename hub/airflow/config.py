"""Where the Airflow side finds the hub config: ``HUB_CONFIG`` env, else the ``hub_config`` Airflow Variable."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from hub.config import HubConfig, load_config
from hub.errors import ConfigError

__all__ = ["ENV_VAR", "VARIABLE", "config_path", "hub_config"]

ENV_VAR = "HUB_CONFIG"
VARIABLE = "hub_config"


def config_path() -> Path:
    """The config file path: ``$HUB_CONFIG``, else the Airflow Variable ``hub_config``.

    ``AIRFLOW_VAR_HUB_CONFIG`` also works (Airflow resolves Variables from the environment first,
    without a database round trip).
    """
    value = os.environ.get(ENV_VAR)
    if not value:
        from airflow.sdk import Variable

        value = Variable.get(VARIABLE, default=None)
    if not value:
        raise ConfigError(
            f"no hub config for the DAGs: set the environment variable {ENV_VAR} or the Airflow Variable "
            f"{VARIABLE} to the path of hub.yaml"
        )
    return Path(value)


@lru_cache(maxsize=8)
def _load(path: str, mtime: float, env: frozenset[tuple[str, str]]) -> HubConfig:
    return load_config(path)


def hub_config(path: str | Path | None = None) -> HubConfig:
    """The loaded config (cached per process while the file and the environment are unchanged)."""
    p = Path(path) if path is not None else config_path()
    try:
        mtime = p.stat().st_mtime
    except OSError:
        raise ConfigError("cannot read the hub config file", file=str(p)) from None
    return _load(str(p), mtime, frozenset(os.environ.items()))
