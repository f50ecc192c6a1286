"""The console inside Airflow 3: mounted by the api-server under ``/hub-console`` with a menu entry.

Airflow loads this through the ``airflow.plugins`` entry point. The app is built here but opens
the store only on its first request (``$HUB_CONFIG`` or ``$HUB_DATABASE_URL``, as the DAGs use),
so loading plugins in the scheduler or a worker costs nothing. Airflow's own login does not
cover plugin apps: the console keeps its own users, sessions and CSRF tokens, the same as
under ``hub serve``; the session cookie is scoped to ``/hub-console``.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from hub.console.app import create_app

URL_PREFIX = "/hub-console"


class ConsolePlugin(AirflowPlugin):
    """Stewardship console next to the DAG runs."""

    name = "channelhub_console"
    fastapi_apps = [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "ChannelHub stewardship console"}]
    external_views = [
        {
            "name": "ChannelHub console",
            "href": f"{URL_PREFIX}/discrepancies",
            "destination": "nav",
            "category": "browse",
        }
    ]
