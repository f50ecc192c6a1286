"""Push-back: write the reconciled truth into each target system safely (the OCA *exporter* role).

Modules, one job each: ``config`` (push rules), ``columns`` (target columns: parse live values,
format values to send), ``desired`` (golden records as target column values), ``computed``
(aggregated columns), ``changeset`` (pure field-level diff), ``conflicts`` (pre-export check),
``echo`` (per-field sync state), ``breaker`` (circuit breaker), ``outbox`` (durable intent log),
``live`` (fetching the target's live records), ``bind`` (binding created records), ``exporter``
(one target stream end to end). The pipeline stage is ``hub.pipeline.push.push``.
"""
