"""Reconcile work over the store: party matching, order linking and discrepancy detection per
customer scope, golden records and the discrepancy lifecycle.

The pure rules live one level up (``hub.reconcile``); these modules read their inputs from the
store, run the rules and write crosswalk links, golden records and discrepancies. The reconcile
stage (``hub.pipeline.reconcile``) only calls :func:`hub.reconcile.store.run.run_reconcile`.
"""
