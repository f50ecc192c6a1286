"""Alerts: a run that fails, is held or leaves something a person must see reaches the configured channels.

Public API::

    from hub.alerts import notify_run, notify_failure

    deliveries = notify_run(config, engine, run_id)      # after a run is finished; never raises
    notify_failure(config, engine, "channelco", reason)  # a run that failed before the store had a row of it

Channels are configured under ``alerts:`` in hub.yaml (:mod:`hub.alerts.config`); events are
derived from the finished run in the store (:mod:`hub.alerts.facts`, :mod:`hub.alerts.events`),
sent by :mod:`hub.alerts.channels` and deduplicated, retried and recorded by
:mod:`hub.alerts.dispatch`.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "notify_run",
    "notify_failure",
    "deliver",
    "Delivery",
    "Event",
    "EVENTS",
    "AlertChannel",
    "WebhookChannel",
    "EmailChannel",
]

_WHERE = {
    "notify_run": "hub.alerts.dispatch",
    "notify_failure": "hub.alerts.dispatch",
    "deliver": "hub.alerts.dispatch",
    "Delivery": "hub.alerts.dispatch",
    "Event": "hub.alerts.events",
    "EVENTS": "hub.alerts.config",
    "AlertChannel": "hub.alerts.config",
    "WebhookChannel": "hub.alerts.config",
    "EmailChannel": "hub.alerts.config",
}


def __getattr__(name: str) -> Any:  # lazy: importing hub.config (and so hub.alerts.config) stays cheap
    if name not in _WHERE:
        raise AttributeError(f"module 'hub.alerts' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_WHERE[name]), name)
