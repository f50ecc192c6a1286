"""Celery settings for the hub's workers: Airflow's defaults, with the hub's modules imported up front.

Point ``[celery] celery_config_options`` (``AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS``) at
``hub.airflow.celery_config.CELERY_CONFIG``. Importing this module loads the DAG factory and
the stage code into the worker before its pool forks, so each task process (forked from it)
finds them already imported instead of spending about half a second importing them again.
"""

from __future__ import annotations

import importlib

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

__all__ = ["CELERY_CONFIG", "PRELOAD"]

#: modules every hub task needs; connectors are imported lazily by the plugin manager anyway
PRELOAD = (
    "hub.airflow.dag_factory",
    "hub.pipeline.extract",
    "hub.pipeline.mapstage",
    "hub.pipeline.reconcile",
    "hub.mapping",
)

for _name in PRELOAD:
    importlib.import_module(_name)

CELERY_CONFIG = dict(DEFAULT_CELERY_CONFIG)
