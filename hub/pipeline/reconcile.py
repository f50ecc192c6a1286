"""Reconcile stage: link every configured entity, build golden records, detect discrepancies.

The work itself lives in :mod:`hub.reconcile.store.run`; this function gives it the run's store
and logs it as a stage. Each step commits on its own and recomputes from the canonical rows, so
re-running the stage after an interruption gives the same result.
"""

from __future__ import annotations

from hub.pipeline.context import StageContext
from hub.pipeline.runlog import StageCounts, stage
from hub.reconcile.config import LoadedRules
from hub.reconcile.store.run import Job, rules_file, run_reconcile

__all__ = ["reconcile", "reconcile_config"]


def reconcile_config(ctx: StageContext) -> LoadedRules:
    """The pipeline's reconciliation rules (an empty rule set when none are configured)."""
    pc = ctx.config.pipeline(ctx.pipeline)
    return rules_file(ctx.config.resolve(pc.reconcile) if pc.reconcile else None)


def reconcile(ctx: StageContext) -> StageCounts:
    """Link, build golden records and detect discrepancies; returns the stage counts.

    Work is skipped where nothing it reads changed since the last completed reconciliation
    (see :func:`~hub.reconcile.store.run.run_reconcile`).
    """
    loaded = reconcile_config(ctx)
    with stage(ctx.engine, ctx.run_id, "reconcile") as counts:
        run_reconcile(Job(ctx.engine, ctx.pipeline, ctx.run_id), loaded, counts)
        return counts
