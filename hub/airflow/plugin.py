"""The hub plugin of the Airflow glue: connector secrets from the Airflow Connection ``hub_<system>``.

Implements the ``prepare_secrets`` hook. It imports Airflow only when it is called, and only
when Airflow is already loaded in the process (a DAG task, the dag-processor) or the Connection
is given through the environment (``AIRFLOW_CONN_HUB_<SYSTEM>``); otherwise it returns None and
the hub reads the environment variables named in the config, as without Airflow. A system
without a Connection also falls back to those variables. Registered ``trylast`` so another
secret backend plugin can take precedence.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any

from hub.hookspecs import hookimpl

__all__ = ["prepare_secrets", "connection_secrets"]


def _env_name(conn_id: str) -> str:
    return "AIRFLOW_CONN_" + conn_id.upper()


def connection_secrets(system: str) -> dict[str, str] | None:
    """Secrets from the Connection of ``system``, or None when it has none."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    from hub.airflow.hooks import conn_id_for, secrets_from_connection

    try:
        conn = BaseHook.get_connection(conn_id_for(system))
    except AirflowNotFoundException:
        return None
    return secrets_from_connection(conn)


@hookimpl(trylast=True)
def prepare_secrets(system: str, kind: str, config: dict[str, Any]) -> dict[str, str] | None:
    """Secrets of ``system`` from its Airflow Connection, when running under Airflow."""
    in_airflow = "airflow.sdk" in sys.modules
    if not in_airflow and _env_name(f"hub_{system}") not in os.environ:
        return None
    if not in_airflow and importlib.util.find_spec("airflow") is None:
        return None
    return connection_secrets(system) or None
