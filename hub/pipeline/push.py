"""Push stage: write the golden records into every target of the pipeline's push rules.

``push(ctx)`` runs after reconcile when the pipeline config has ``push:``. Each target entity
rule goes through its exporter (``hub.push.exporter``); one target failing does not stop the
others (the stage fails at the end naming it). Field conflicts of the whole push are written as
``field_conflict`` discrepancies in one go, so ones no longer found are resolved. A target
whose circuit breaker trips is held (its changes wait in the outbox as ``held``) until
``hub push --approve RUN``; a dry run writes nothing, to the targets or to the store: it opens
no stage row (and needs no run), it only reads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from hub.errors import HubError, PushError
from hub.pipeline.connect import build_connector
from hub.pipeline.context import StageContext
from hub.pipeline.runlog import StageCounts, stage
from hub.reconcile.store.lifecycle import write_findings

__all__ = ["push", "push_rules", "PLAN_LIMIT"]

log = logging.getLogger(__name__)

#: field-level diffs kept per target in a dry run's stage detail
PLAN_LIMIT = 1000


def push_rules(ctx: StageContext) -> Any:
    """The pipeline's push rules (None when the pipeline has no ``push:``)."""
    from hub.push.config import load_push_rules

    pc = ctx.config.pipeline(ctx.pipeline)
    if not pc.push:
        return None
    return load_push_rules(ctx.config.resolve(pc.push), set(ctx.config.systems))


def _mapping(ctx: StageContext, system: str, stream: str, entity: str) -> Any:
    for m in ctx.mappings.for_stream(system, stream):
        if m.entity == entity:
            return m
    return None


def _plan_detail(res: Any) -> list[dict[str, Any]]:
    return [
        {"canonical_id": c.canonical_id, "external_id": c.external_id, "op": c.op, "diff": c.diff_json()}
        for c in res.changes[:PLAN_LIMIT]
    ]


def _carried_conflicts(conn: Any, systems: set[str]) -> list[Any]:
    """Open field conflicts of targets not evaluated in this push: kept as they are."""
    from hub.push.conflicts import KIND, FieldConflict
    from hub.reconcile.discrepancy import split_key
    from hub.store.models import Discrepancy

    d = Discrepancy.__table__
    rows = conn.execute(select(d).where(d.c.kind == KIND, d.c.status != "resolved", d.c.system.in_(sorted(systems))))
    return [FieldConflict(KIND, r.severity, split_key(r.key), r.system, r.message or "", r.details or {}) for r in rows]


@contextmanager
def _unlogged() -> Iterator[StageCounts]:
    """Counts of a dry run: kept in memory only, no stage row."""
    yield StageCounts()


def push(ctx: StageContext, dry_run: bool = False, approve_run: int | None = None) -> StageCounts:
    """Push golden values into every configured target; returns the stage counts (per-target detail)."""
    from hub.push.calls import describe_calls
    from hub.push.columns import build_columns
    from hub.push.conflicts import KIND
    from hub.push.exporter import Exporter

    rules = push_rules(ctx)
    with _unlogged() if dry_run else stage(ctx.engine, ctx.run_id, "push") as counts:
        if rules is None:
            counts.detail["note"] = "the pipeline has no push rules"
            return counts
        counts.detail.update(targets={}, held=[], failed={}, dry_run=dry_run)
        findings: list[Any] = []
        evaluated: set[str] = set()
        touched: set[str] = set()
        for system, target in rules.targets.items():
            sc = ctx.config.system(system)
            touched.add(system)
            try:
                connector = build_connector(ctx.config, system)
            except HubError as exc:
                counts.detail["failed"][system] = str(exc)
                continue
            ok = True
            try:
                for entity, rule in target.entities.items():
                    label = f"{system}/{rule.stream}"
                    try:
                        columns = build_columns(
                            entity, rule, _mapping(ctx, system, rule.mapping_stream or rule.stream, entity), system
                        )
                        exporter = Exporter(
                            ctx.engine,
                            ctx.run_id,
                            system,
                            target,
                            entity,
                            rule,
                            connector,
                            columns,
                            describe_calls,
                            sc.rate_limit,
                        )
                        res = exporter.run(dry_run, approve_run, sc.connector, sc.config)
                    except HubError as exc:
                        ok = False
                        counts.detail["failed"][label] = str(exc)
                        log.error("push %s failed: %s", label, exc)
                        continue
                    findings.extend(res.conflicts)
                    counts.rows_in += res.live
                    counts.rows_changed += res.counts.get("written", 0)
                    counts.detail["targets"][label] = {**res.summary(), "calls": res.calls}
                    if dry_run:
                        counts.detail["targets"][label]["plan"] = _plan_detail(res)
                        counts.detail["targets"][label]["conflict_list"] = [
                            f.message for f in res.conflicts[:PLAN_LIMIT]
                        ]
                    if res.trip and res.trip.tripped:
                        counts.detail["held"].append(label)
                        log.warning("push %s held by the circuit breaker: %s", label, res.trip.describe())
                    ctx.progress("push", system, rule.stream, res.live)
            finally:
                connector.close()
            if ok:
                evaluated.add(system)
        if rules.flows is not None and counts.detail["held"]:
            # the flows act on the reconciled truth the held push would bring into the targets: they wait for approval
            counts.detail["flows"] = {"skipped": "the circuit breaker holds " + ", ".join(counts.detail["held"])}
        elif rules.flows is not None:  # orders with the credit check, tasks, commission (hub.push.flows)
            from hub.push.flows import run_flows

            counts.detail["flows"], flow_failed = run_flows(
                ctx.engine,
                ctx.run_id,
                rules,
                lambda s: build_connector(ctx.config, s),
                dry_run,
                approve_run is not None,
            )
            counts.detail["failed"].update(flow_failed)
        if not dry_run:
            with ctx.engine.begin() as conn:
                findings.extend(_carried_conflicts(conn, touched - evaluated))
                counts.detail["discrepancies"] = write_findings(conn, findings, ctx.run_id, {KIND})
        if counts.detail["failed"]:
            failed = counts.detail["failed"]
            raise PushError("push failed for " + "; ".join(f"{k}: {v}" for k, v in failed.items()))
        return counts
