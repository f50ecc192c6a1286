"""Airflow glue for the hub, laid out like a provider: DAG factory, stage tasks, hooks, secrets, callbacks.

Nothing here imports Airflow at ``import hub.airflow`` time: the embedded runner never needs it.
Modules:

- ``config``     where the DAGs find the hub config (``HUB_CONFIG`` env or the ``hub_config`` Variable)
- ``dag_factory`` one DAG per configured pipeline (TaskFlow API, ``airflow.sdk``)
- ``stages``     the task bodies: the same stage functions as the embedded runner, plus the
                 registry of optional stages (push, report) enabled by the pipeline config
- ``summaries``  per-task counts for XCom and the task log, quarantined records named in the log
- ``callbacks``  failure callbacks that record the failure in the hub's run log
- ``hooks``      Connection types (Salesforce, REST, SOAP, SFTP) and connection -> secrets
- ``plugin``     the ``prepare_secrets`` plugin that reads Airflow Connections ``hub_<system>``
- ``pools``      one pool per source system, as JSON for ``airflow pools import``
- ``assets``     the Asset a pipeline updates when the canonical store changes

A local CeleryExecutor stack for tests and the benchmark lives outside the product, in
``testkit.airflow_stack``.
"""
