"""Pipeline stages as plain functions over the store: extract, map, reconcile, export.

The embedded runner (``hub.runner``) and the Airflow DAGs call the same functions; each one is
idempotent and commits in batches, so a killed stage can simply be run again.
"""
