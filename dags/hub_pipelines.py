"""ChannelHub pipelines as Airflow DAGs: one DAG per pipeline of the hub config.

The config path comes from the environment variable ``HUB_CONFIG`` (or the Airflow Variable
``hub_config``). Parsing this file reads the config and builds the DAG objects; it touches no
source system and no store. See ``hub/airflow/dag_factory.py`` and ``dags/README.md``.
"""

from hub.airflow.dag_factory import build_dags

globals().update(build_dags())
