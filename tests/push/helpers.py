"""Running a pipeline and its push stage against the live test servers."""

from __future__ import annotations

from typing import Any

PIPELINE = "channelco_live"
WRITES = ("POST", "PATCH", "DELETE", "PUT")


def run(
    live: Any, engine: Any, dry_run: bool = False, approve: int | None = None, pipeline: bool = True
) -> tuple[int, Any]:
    """Extract, map and reconcile (unless ``pipeline`` is False), then push; returns (run id, push counts)."""
    from hub.pipeline.context import StageContext
    from hub.pipeline.push import push
    from hub.pipeline.runlog import start_run

    config = live.config()
    if pipeline:
        run_id = run_without_push(config, engine)
    else:
        run_id = start_run(engine, PIPELINE, trigger="push")
    ctx = StageContext(config=config, engine=engine, pipeline=PIPELINE, run_id=run_id)
    return run_id, push(ctx, dry_run=dry_run, approve_run=approve)


def run_without_push(config: Any, engine: Any) -> int:
    """Extract, map and reconcile; the runner's own push stage (default options) is left out."""
    from hub.runner import run_pipeline

    pc = config.pipelines[PIPELINE].model_copy(update={"push": None})
    staged = config.model_copy(update={"pipelines": {**config.pipelines, PIPELINE: pc}})
    return run_pipeline(staged, PIPELINE, engine=engine).run_id


def sf_writes(sf: Any) -> list[tuple[str, str]]:
    """Write calls in the Salesforce server's request log (the OAuth token POST is a login, not a write)."""
    return [(m, p) for m, p in sf.app.requests if m in WRITES and not p.startswith("/services/oauth2")]


def drp_writes(drp: Any) -> list[Any]:
    return [e for e in drp.calls() if e.operation in ("CreateCustomer", "UpdateCreditLimit", "UpdateOrderStatus")]


def target(counts: Any, label: str) -> dict[str, Any]:
    return counts.detail["targets"][label]
