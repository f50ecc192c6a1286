"""Reconcile stage: link every configured entity, build golden records, detect discrepancies.

The work itself lives in :mod:`hub.reconcile.store.run`; this function gives it the run's store
and logs it as a stage. Each step commits on its own and recomputes from the canonical rows, so
re-running the stage after an interruption gives the same result.

When nothing the stage reads changed since the pipeline's last reconciliation (no extract, map
or push stage of any run changed a row or ended uncleanly, no review decision was recorded, the
rules are the same), the stage is skipped whole: it is logged with ``unchanged_since`` naming
the run that last reconciled, at the cost of a few reads of the run log.
"""

from __future__ import annotations

from typing import Any

from hub.helper import default_workers, stop_helpers
from hub.pipeline.context import StageContext
from hub.pipeline.runlog import StageCounts, stage
from hub.reconcile.config import LoadedRules
from hub.reconcile.store.run import Job, rules_file, run_reconcile
from hub.store.changes import CANONICAL_STAGES, change_marker, decided_since, last_stage

__all__ = ["reconcile", "reconcile_config", "SKIPPED"]

#: stages whose changes the stage reads: canonical rows, and the links push binds to records it created
INPUT_STAGES = (*CANONICAL_STAGES, "push")

#: golden record counts of an entity whose golden records were not rebuilt
GOLDEN_UNCHANGED = {"golden_changed": 0, "golden_removed": 0, "lineage_changed": 0}

#: what a skipped entity or finding step says in the stage detail (as the reconciliation itself says it)
SKIPPED = "no change since the last reconciliation"


def reconcile_config(ctx: StageContext) -> LoadedRules:
    """The pipeline's reconciliation rules (an empty rule set when none are configured)."""
    pc = ctx.config.pipeline(ctx.pipeline)
    return rules_file(ctx.config.resolve(pc.reconcile) if pc.reconcile else None)


def reconcile(ctx: StageContext) -> StageCounts:
    """Link, build golden records and detect discrepancies; returns the stage counts.

    Work is skipped where nothing it reads changed since the last completed reconciliation
    (here for the whole stage, within it see :func:`~hub.reconcile.store.run.run_reconcile`).
    """
    loaded = reconcile_config(ctx)
    with ctx.engine.connect() as conn:
        inputs = change_marker(conn, INPUT_STAGES)
        unchanged = _unchanged_since(conn, ctx.pipeline, loaded, inputs)
    with stage(ctx.engine, ctx.run_id, "reconcile") as counts:
        if unchanged is not None:
            counts.detail.update(_skipped_detail(loaded, unchanged))
        else:
            workers = ctx.config.pipeline(ctx.pipeline).workers or default_workers()
            try:
                run_reconcile(Job(ctx.engine, ctx.pipeline, ctx.run_id, workers), loaded, counts)
            finally:
                if workers > 1:
                    stop_helpers()
        counts.detail["inputs"] = inputs
        return counts


def _unchanged_since(conn: Any, pipeline: str, loaded: LoadedRules, inputs: list[int]) -> int | None:
    """The run that last reconciled ``pipeline`` when nothing the stage reads changed since (else None)."""
    last = last_stage(conn, pipeline, "reconcile")
    if last is None:
        return None
    run_id, started_at, detail = last
    if detail.get("inputs") != inputs or detail.get("rules_signature") != loaded.signature:
        return None
    if decided_since(conn, started_at):
        return None
    return int(detail.get("unchanged_since") or run_id)


def _skipped_detail(loaded: LoadedRules, since: int) -> dict[str, Any]:
    cfg = loaded.config
    detail: dict[str, Any] = {"rules_signature": loaded.signature, "unchanged_since": since}
    for entity, rules in cfg.entities.items():
        if not (entity == "sales_order" and rules.link == "orders"):
            detail[entity] = {"skipped": SKIPPED}
    if loaded.rules is not None:
        detail["discrepancies"] = {"skipped": SKIPPED}
    for entity in cfg.survivorship:  # no golden record rebuilt, as a run of every step would report
        detail.setdefault(entity, {}).update(GOLDEN_UNCHANGED)
    return detail
