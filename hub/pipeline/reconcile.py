"""Reconcile stage: link records of every configured entity across systems into the crosswalk."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from hub.canonical import fields_of
from hub.pipeline.context import StageContext
from hub.pipeline.golden import build_entity_goldens
from hub.pipeline.runlog import StageCounts, stage
from hub.reconcile.config import ReconcileConfig, load_reconcile_config
from hub.reconcile.crosswalk import write_crosswalk
from hub.reconcile.keys import link_by_keys
from hub.store.models import GOLDEN, MODELS


def reconcile_config(ctx: StageContext) -> ReconcileConfig:
    """The pipeline's reconciliation rules (an empty rule set when none are configured)."""
    pc = ctx.config.pipeline(ctx.pipeline)
    return load_reconcile_config(ctx.config.resolve(pc.reconcile)) if pc.reconcile else ReconcileConfig()


def load_records(conn: Connection, entity: str, systems: list[str], fields: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Live (not deleted) records of ``entity`` per system, with only the named fields."""
    t = MODELS[entity].__table__
    cols = [t.c.system, t.c.external_id] + [t.c[f] for f in fields if f != "external_id"]
    out: dict[str, list[dict[str, Any]]] = {s: [] for s in systems}
    q = select(*cols).where(t.c.system.in_(systems), t.c.system != GOLDEN, t.c.deleted.is_(False))
    for row in conn.execute(q).mappings():
        out[row["system"]].append(dict(row))
    return out


def reconcile(ctx: StageContext) -> StageCounts:
    """Link every configured entity and write the crosswalk; returns the stage counts."""
    cfg = reconcile_config(ctx)
    with stage(ctx.engine, ctx.run_id, "reconcile") as counts:
        for entity, rules in cfg.entities.items():
            wanted = {k.left.field for k in rules.keys} | {k.right.field for k in rules.keys}
            fields = sorted(wanted & set(fields_of(entity)))
            with ctx.engine.begin() as conn:
                records = load_records(conn, entity, rules.systems, fields)
                clusters = link_by_keys(records, rules.key_rules())
                result = write_crosswalk(conn, entity, clusters, ctx.run_id)
            counts.rows_in += sum(len(v) for v in records.values())
            counts.rows_changed += result["links_changed"] + result["links_removed"]
            counts.detail[entity] = {"records": sum(len(v) for v in records.values()),
                                     "linked_clusters": sum(1 for c in clusters if len(c.members) > 1), **result}
        for entity, rules in cfg.survivorship.items():
            with ctx.engine.begin() as conn:
                result = build_entity_goldens(conn, entity, rules, ctx.run_id, set(cfg.entities))
            counts.rows_changed += result["golden_changed"] + result["golden_removed"]
            counts.detail.setdefault(entity, {}).update(result)
        return counts
