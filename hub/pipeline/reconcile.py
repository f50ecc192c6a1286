"""Reconcile stage: link every configured entity, build golden records, detect discrepancies.

Order of work: parties (blocked matcher or exact keys), then the other key-linked entities
(salespeople, products), then orders (linked within linked customers) together with the
discrepancy rules, then golden records. Each step commits on its own; every step recomputes
from the canonical rows, so re-running the stage after an interruption gives the same result.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from hub.canonical import fields_of
from hub.pipeline.context import StageContext
from hub.pipeline.golden import REF_ENTITY, build_entity_goldens
from hub.pipeline.lifecycle import write_findings
from hub.pipeline.runlog import StageCounts, stage
from hub.reconcile.config import LoadedRules, ReconcileConfig, load_reconcile_rules
from hub.reconcile.crosswalk import write_crosswalk
from hub.reconcile.keys import link_by_keys
from hub.store.models import GOLDEN, MODELS, ReviewItem, Run, StageLog

DUPLICATE_KIND = "duplicate_customer"


def reconcile_config(ctx: StageContext) -> LoadedRules:
    """The pipeline's reconciliation rules (an empty rule set when none are configured)."""
    pc = ctx.config.pipeline(ctx.pipeline)
    if not pc.reconcile:
        return LoadedRules(ReconcileConfig(), {}, None)
    return load_reconcile_rules(ctx.config.resolve(pc.reconcile))


def load_records(conn: Connection, entity: str, systems: list[str], fields: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Live (not deleted) records of ``entity`` per system, with only the named fields."""
    t = MODELS[entity].__table__
    cols = [t.c.system, t.c.external_id] + [t.c[f] for f in fields if f != "external_id"]
    out: dict[str, list[dict[str, Any]]] = {s: [] for s in systems}
    q = select(*cols).where(t.c.system.in_(systems), t.c.system != GOLDEN, t.c.deleted.is_(False))
    for row in conn.execute(q).mappings():
        out[row["system"]].append(dict(row))
    return out


def _link_by_keys(ctx: StageContext, entity: str, rules: Any, counts: StageCounts) -> None:
    wanted = {k.left.field for k in rules.keys} | {k.right.field for k in rules.keys}
    with ctx.engine.begin() as conn:
        records = load_records(conn, entity, rules.systems, sorted(wanted & set(fields_of(entity))))
        clusters = link_by_keys(records, rules.key_rules())
        result = write_crosswalk(conn, entity, clusters, ctx.run_id)
    _note(counts, entity, sum(len(v) for v in records.values()), clusters, result)


def _note(counts: StageCounts, entity: str, n: int, clusters: list[Any], result: dict[str, int], **extra: Any) -> None:
    counts.rows_in += n
    counts.rows_changed += result["links_changed"] + result["links_removed"]
    counts.detail[entity] = {"records": n, "linked_clusters": sum(1 for c in clusters if len(c.members) > 1), **result, **extra}


def last_reconciled(conn: Connection, pipeline: str) -> tuple[int | None, Any]:
    """Run id and start time of the pipeline's last completed reconcile stage (None before the first)."""
    row = conn.execute(
        select(StageLog.run_id, StageLog.started_at).join(Run, Run.id == StageLog.run_id)
        .where(StageLog.stage == "reconcile", StageLog.status == "succeeded", Run.pipeline == pipeline)
        .order_by(StageLog.run_id.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def changed_since(conn: Connection, entities: Iterable[str], since: int | None) -> set[str]:
    """The entities with a source row inserted, changed or deleted after run ``since``."""
    if since is None:
        return set(entities)
    out = set()
    for entity in entities:
        t = MODELS[entity].__table__
        if conn.execute(select(t.c.external_id).where(t.c.run_id > since, t.c.system != GOLDEN).limit(1)).first():
            out.add(entity)
    return out


def _decided_since(conn: Connection, at: Any) -> bool:
    if at is None:
        return True
    return conn.execute(select(ReviewItem.id_a).where(ReviewItem.decided_at > at).limit(1)).first() is not None


#: entities the order and discrepancy rules read
FINDING_INPUTS = ("party", "sales_order", "order_line", "location", "inventory", "invoice", "payment", "remittance_line", "product")


def reconcile(ctx: StageContext) -> StageCounts:
    """Link, build golden records and detect discrepancies; returns the stage counts.

    Work is skipped where nothing it reads changed since the last completed reconciliation:
    a rerun over unchanged data re-matches nothing and rebuilds no golden record.
    """
    loaded = reconcile_config(ctx)
    cfg = loaded.config
    with stage(ctx.engine, ctx.run_id, "reconcile") as counts:
        with ctx.engine.connect() as conn:
            since, since_at = last_reconciled(conn, ctx.pipeline)
            dirty = changed_since(conn, set(FINDING_INPUTS) | set(cfg.entities), since)
            decided = _decided_since(conn, since_at)
        relinked: set[str] = set()
        duplicates: list[Any] | None = None
        for entity, rules in cfg.entities.items():
            if entity == "sales_order" and rules.link == "orders":
                continue
            if entity not in dirty and not (entity in loaded.match and decided):
                counts.detail[entity] = {"skipped": "no change since the last reconciliation"}
                continue
            if entity in loaded.match:
                from hub.pipeline.parties import link_parties

                with ctx.engine.begin() as conn:
                    clusters, duplicates, stats = link_parties(conn, rules.systems, loaded.match[entity], ctx.run_id)
                    result = write_crosswalk(conn, entity, clusters, ctx.run_id)
                _note(counts, entity, stats.get("records", 0), clusters, result, review=stats.get("review", 0),
                      duplicates=stats.get("duplicates", 0))
            else:
                _link_by_keys(ctx, entity, rules, counts)
            if counts.detail[entity]["links_changed"] or counts.detail[entity]["links_removed"]:
                relinked.add(entity)
        findings_stale = bool(dirty & set(FINDING_INPUTS)) or bool(relinked & {"party", "product"}) or duplicates is not None
        if loaded.rules is not None and not findings_stale:
            counts.detail["discrepancies"] = {"skipped": "no change since the last reconciliation"}
        elif loaded.rules is not None:
            from hub.pipeline.findings import Roles, link_and_detect
            from hub.reconcile.rules_config import RULE_KINDS

            roles = Roles(cfg.roles.crm, cfg.roles.drp, cfg.roles.edi)
            with ctx.engine.begin() as conn:
                found = link_and_detect(conn, loaded.rules, roles, duplicates or [])
                if "sales_order" in cfg.entities and cfg.entities["sales_order"].link == "orders":
                    result = write_crosswalk(conn, "sales_order", found.clusters, ctx.run_id)
                    _note(counts, "sales_order", sum(len(c.members) for c in found.clusters), found.clusters, result, **found.stats)
                    if result["links_changed"] or result["links_removed"]:
                        relinked.add("sales_order")
                kinds = set(RULE_KINDS) | ({DUPLICATE_KIND} if duplicates is not None else set())
                life = write_findings(conn, found.findings, ctx.run_id, kinds)
            counts.rows_changed += sum(life.values())
            counts.detail["discrepancies"] = life
        elif duplicates:
            with ctx.engine.begin() as conn:
                life = write_findings(conn, duplicates, ctx.run_id, {DUPLICATE_KIND})
            counts.rows_changed += sum(life.values())
            counts.detail["discrepancies"] = life
        for entity, rules in cfg.survivorship.items():
            # a re-linked referenced entity changes the canonical ids this entity's golden rows point at
            full = any(REF_ENTITY[f] in relinked for f in fields_of(entity) if f in REF_ENTITY)
            with ctx.engine.begin() as conn:
                result = build_entity_goldens(conn, entity, rules, ctx.run_id, set(cfg.entities), None if full else since)
            counts.rows_changed += result["golden_changed"] + result["golden_removed"]
            counts.detail.setdefault(entity, {}).update(result)
        return counts
