"""Alerts for runs that fail before the store has a row of them (a broken config, an unreachable store)."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["alert_unrecorded_failure", "alerts_of_broken_config"]


def alerts_of_broken_config(path: Path) -> Any:
    """The ``alerts:`` section of a config file that failed to load, when that section alone is valid (else None)."""
    try:
        from pydantic import TypeAdapter

        from hub.alerts.config import AlertChannels
        from hub.configfile import interpolate_env, load_yaml

        text, _unset = interpolate_env(path.read_text(encoding="utf-8"), str(path))
        data = load_yaml(text, [])
        raw = data.get("alerts") if isinstance(data, dict) else None
        if not raw:
            return None
        return SimpleNamespace(alerts=TypeAdapter(AlertChannels).validate_python(raw))
    except Exception:  # the config is broken: alert if we can, never add a second error
        return None


def alert_unrecorded_failure(config: Any, engine: Any, pipeline: str, exc: BaseException) -> None:
    """Send ``run_failed`` for a run that never opened (config error, store down); never raises."""
    if config is None or not getattr(config, "alerts", None):
        return
    try:
        from hub.alerts import notify_failure
        from hub.cli.app import as_hub_error

        notify_failure(config, engine, pipeline, str(as_hub_error(exc)))
    except Exception as alert_exc:
        log.warning("could not send the alerts of the failed %s run: %s", pipeline, alert_exc)
