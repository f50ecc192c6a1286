"""The reconcile run over the store: link every configured entity, build golden records, detect discrepancies.

Order of work: parties (blocked matcher or exact keys), then the other key-linked entities
(salespeople, products), then orders (linked within linked customers) together with the
discrepancy rules, then golden records. Each step commits on its own; every step recomputes
from the canonical rows, so re-running the stage after an interruption gives the same result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, select

from hub.canonical import fields_of
from hub.reconcile.config import LoadedRules, ReconcileConfig, load_reconcile_rules
from hub.reconcile.crosswalk import canonical_ids, prune_crosswalk, write_crosswalk
from hub.reconcile.keys import link_by_keys
from hub.reconcile.store.golden import build_entity_goldens
from hub.reconcile.store.lifecycle import write_findings
from hub.store.keyset import key_table
from hub.store.models import GOLDEN, MODELS, CrosswalkLink, Discrepancy, MatchKey, ReviewItem, Run, StageLog
from hub.store.stats import analyze

__all__ = ["Job", "Counts", "rules_file", "run_reconcile", "last_reconciled", "changed_since", "load_records"]

DUPLICATE_KIND = "duplicate_customer"


class Counts(Protocol):
    """What the run reports into (the stage's counters)."""

    rows_in: int
    rows_changed: int
    detail: dict[str, Any]


@dataclass(frozen=True)
class Job:
    """The run a reconciliation belongs to."""

    engine: Engine
    pipeline: str
    run_id: int
    #: processes the stage may use (2: a helper takes its share of the order links and rules, and of the golden records)
    workers: int = 1


def rules_file(path: Path | None) -> LoadedRules:
    """The reconciliation rules of ``path`` (an empty rule set when the pipeline configures none)."""
    if path is None:
        return LoadedRules(ReconcileConfig(), {}, None)
    return load_reconcile_rules(path)


def load_records(
    conn: Connection, entity: str, systems: list[str], fields: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Live (not deleted) records of ``entity`` per system, with only the named fields."""
    t = MODELS[entity].__table__
    cols = [t.c.system, t.c.external_id] + [t.c[f] for f in fields if f != "external_id"]
    out: dict[str, list[dict[str, Any]]] = {s: [] for s in systems}
    q = select(*cols).where(t.c.system.in_(systems), t.c.system != GOLDEN, t.c.deleted.is_(False))
    for row in conn.execute(q).mappings():
        out[row["system"]].append(dict(row))
    return out


def _link_by_keys(job: Job, entity: str, rules: Any, counts: Counts) -> None:
    wanted = {k.left.field for k in rules.keys} | {k.right.field for k in rules.keys}
    with job.engine.begin() as conn:
        records = load_records(conn, entity, rules.systems, sorted(wanted & set(fields_of(entity))))
        clusters = link_by_keys(records, rules.key_rules())
        result = write_crosswalk(conn, entity, clusters, job.run_id)
    _note(counts, entity, sum(len(v) for v in records.values()), clusters, result)


def _note(counts: Counts, entity: str, n: int, clusters: list[Any], result: dict[str, int], **extra: Any) -> None:
    counts.rows_in += n
    counts.rows_changed += result["links_changed"] + result["links_removed"]
    counts.detail[entity] = {
        "records": n,
        "linked_clusters": sum(1 for c in clusters if len(c.members) > 1),
        **result,
        **extra,
    }


def last_reconciled(conn: Connection, pipeline: str) -> tuple[int | None, Any, str | None]:
    """Run id, start time and rules signature of the pipeline's last completed reconcile stage
    (Nones before the first)."""
    row = conn.execute(
        select(StageLog.run_id, StageLog.started_at, StageLog.detail)
        .join(Run, Run.id == StageLog.run_id)
        .where(StageLog.stage == "reconcile", StageLog.status == "succeeded", Run.pipeline == pipeline)
        .order_by(StageLog.run_id.desc())
        .limit(1)
    ).first()
    if not row:
        return None, None, None
    detail = row[2] if isinstance(row[2], dict) else {}
    return row[0], row[1], detail.get("rules_signature")


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
FINDING_INPUTS = (
    "party",
    "sales_order",
    "order_line",
    "location",
    "inventory",
    "invoice",
    "payment",
    "remittance_line",
    "product",
)


def _relinked_ids(before: dict[tuple[str, str], str], after: dict[tuple[str, str], str]) -> set[str]:
    """Canonical ids that gained or lost a member between two crosswalk states."""
    out: set[str] = set()
    for m in before.keys() | after.keys():
        old, new = before.get(m), after.get(m)
        if old != new:
            out.update(x for x in (old, new) if x is not None)
    return out


#: share of customers above which an incremental run re-checks everything (cheaper than the bookkeeping)
FULL_RECHECK_SHARE = 0.5

#: tables of the stage's own that it reads back while it writes them
LINK_TABLES = (CrosswalkLink.__tablename__, Discrepancy.__tablename__)


def _analyze_inputs(job: Job, entities: Iterable[str]) -> None:
    """Fresh planner statistics for every table the stage reads: extract and map have just
    filled them in bulk, and without statistics PostgreSQL plans the per-customer queries
    as if they were empty (nested loops that cost minutes instead of hash joins)."""
    tables = [MODELS[e].__tablename__ for e in sorted(set(entities)) if e in MODELS]
    with job.engine.begin() as conn:
        analyze(conn, [*tables, *LINK_TABLES, MatchKey.__tablename__, ReviewItem.__tablename__])


def run_reconcile(job: Job, loaded: LoadedRules, counts: Counts) -> None:
    """Link, build golden records and detect discrepancies, reporting into ``counts``.

    Work is skipped where nothing it reads changed since the last completed reconciliation:
    a rerun over unchanged data re-matches nothing and rebuilds no golden record, and a rerun
    after a few changes re-checks only the customers they touch. A changed rule file makes
    the next run a full one.
    """
    cfg = loaded.config
    counts.detail["rules_signature"] = loaded.signature
    _analyze_inputs(job, [*FINDING_INPUTS, *cfg.entities, *cfg.survivorship])
    with job.engine.connect() as conn:
        since, since_at, signature = last_reconciled(conn, job.pipeline)
        if since is not None and signature != loaded.signature:
            since, since_at = None, None
        dirty = changed_since(conn, set(FINDING_INPUTS) | set(cfg.entities), since)
        decided = _decided_since(conn, since_at)
    relinked: set[str] = set()
    parties: _PartyLinks | None = None
    for entity, rules in cfg.entities.items():
        if entity == "sales_order" and rules.link == "orders":
            continue
        if entity not in dirty and not (entity in loaded.match and decided):
            counts.detail[entity] = {"skipped": "no change since the last reconciliation"}
            continue
        if entity in loaded.match and entity != "party":  # persons and other record-matched entities
            from hub.reconcile.persons.resolve import resolve_entity

            n, clusters, result, extra = resolve_entity(
                job.engine, entity, rules.systems, loaded.match[entity], job.run_id, since, since_at
            )
            _note(counts, entity, n, clusters, result, **extra)
            del clusters  # not read again: not held through order linking and golden records
        elif entity in loaded.match:
            parties = _link_parties(job, entity, rules.systems, loaded, since, since_at, counts)
        else:
            _link_by_keys(job, entity, rules, counts)
        if counts.detail[entity]["links_changed"] or counts.detail[entity]["links_removed"]:
            relinked.add(entity)
    if relinked:  # the order and golden queries join the links just written
        with job.engine.begin() as conn:
            analyze(conn, LINK_TABLES)
    life: dict[str, int] = {}
    if parties is not None:
        with job.engine.begin() as conn:
            life = parties.write_duplicates(conn, job.run_id)
    relinked_parties = set() if parties is None else parties.relinked
    del parties
    if loaded.rules is not None:
        life = _add(life, _findings(job, loaded, since, dirty, relinked, relinked_parties, counts))
    if life:
        counts.rows_changed += sum(life.values())
        counts.detail["discrepancies"] = life
    if "sales_order" in relinked and cfg.survivorship:
        with job.engine.begin() as conn:
            analyze(conn, LINK_TABLES)
    from hub.reconcile.matcher import gc_paused

    ref_ids: dict[str, dict[tuple[str, str], str]] = {}  # the crosswalk is final by now: read once per entity
    for entity, surv in cfg.survivorship.items():
        # clusters with a changed member or link, or pointing at a record whose link changed;
        # golden rows and lineage are long-lived and acyclic: no collector scans while building
        with gc_paused(), job.engine.begin() as conn:
            result = build_entity_goldens(
                conn, entity, surv, job.run_id, set(cfg.entities), since, ref_ids, workers=job.workers
            )
        counts.rows_changed += result["golden_changed"] + result["golden_removed"]
        counts.detail.setdefault(entity, {}).update(result)


@dataclass
class _PartyLinks:
    """What the later steps of the stage read of the party links: the customers whose canonical
    id changed, and the duplicates found with their scopes (not the clusters, their explanations
    or every record's id, which are dropped once written)."""

    relinked: set[str]
    duplicates: list[Any]
    scope: dict[tuple[str, str], str | None]
    #: the customers a partial re-match re-decided the duplicates of (None: all of them)
    scopes: set[str] | None

    def write_duplicates(self, conn: Connection, run_id: int) -> dict[str, int]:
        def scope_of(f: Any) -> str | None:
            return self.scope.get((f.system, f.key[0]))

        if self.scopes is None:
            return write_findings(conn, self.duplicates, run_id, {DUPLICATE_KIND}, scope_of=scope_of)
        with key_table(conn, ("scope",), ((x,) for x in self.scopes)) as t:
            within: tuple[str, dict[str, Any]] = (f"d.scope IN (SELECT scope FROM {t})", {})
            return write_findings(conn, self.duplicates, run_id, {DUPLICATE_KIND}, scope_of=scope_of, within=within)


def _link_parties(
    job: Job,
    entity: str,
    systems: list[str],
    loaded: LoadedRules,
    since: int | None,
    since_at: Any,
    counts: Counts,
) -> _PartyLinks:
    """Match and link the customers and write their crosswalk (:func:`link_parties`)."""
    from hub.reconcile.store.parties import link_parties

    with job.engine.begin() as conn:
        before = canonical_ids(conn, entity)
        pl = link_parties(conn, systems, loaded.match[entity], job.run_id, since, since_at, loaded.config.roles)
        if pl.partial:
            result = write_crosswalk(conn, entity, pl.clusters, job.run_id, partial=True)
            result["links_removed"] += prune_crosswalk(conn, entity, entity, systems)
        else:
            result = write_crosswalk(conn, entity, pl.clusters, job.run_id)
        after = canonical_ids(conn, entity)
    # a partial re-match re-decides the duplicates of the customers it re-matched
    scopes = None if not pl.partial else pl.prior_ids | {cid for cl in pl.clusters if (cid := after.get(cl.members[0]))}
    out = _PartyLinks(
        _relinked_ids(before, after),
        pl.duplicates,
        {(f.system, f.key[0]): after.get((f.system, f.key[0])) for f in pl.duplicates},
        scopes,
    )
    _note(
        counts,
        entity,
        pl.stats.get("records", 0),
        pl.clusters,
        result,
        review=pl.stats.get("review", 0),
        duplicates=pl.stats.get("duplicates", 0),
        **({"rematched": pl.stats["rematched"]} if pl.partial else {}),
    )
    return out


def _add(a: dict[str, int], b: dict[str, int] | None) -> dict[str, int]:
    if b is None:
        return a
    return {k: a.get(k, 0) + b.get(k, 0) for k in a.keys() | b.keys()}


def _findings(
    job: Job,
    loaded: LoadedRules,
    since: int | None,
    dirty: set[str],
    relinked: set[str],
    relinked_parties: set[str],
    counts: Counts,
) -> dict[str, int] | None:
    """Link orders and run the discrepancy rules over every customer, or (incremental) over the
    customers the changes since run ``since`` touch; None when nothing they read changed."""
    from hub.reconcile.store.findings import detect
    from hub.reconcile.store.scopes import customer_scopes, dirty_scopes

    cfg = loaded.config
    link = "sales_order" in cfg.entities and cfg.entities["sales_order"].link == "orders"
    roles = cfg.roles
    full = since is None or "product" in relinked
    scopes: set[str] | None = None
    changed_pos: set[str] = set()
    inventory = full or bool(dirty & {"location", "inventory"})
    if not full and not (dirty & set(FINDING_INPUTS)) and not relinked_parties:
        counts.detail["discrepancies"] = {"skipped": "no change since the last reconciliation"}
        return None
    with job.engine.connect() as conn:
        known = customer_scopes(conn, roles)  # the party links are final by now
        d = None if full else dirty_scopes(conn, roles, since, relinked_parties, known)  # type: ignore[arg-type]
    if d is not None and len(d.scopes) <= FULL_RECHECK_SHARE * max(len(set(known.values())), 1):
        scopes, changed_pos = d.scopes, d.edi_orders
    else:
        full = True
    with job.engine.begin() as conn:
        found = detect(
            conn,
            loaded.rules,
            roles,
            job.run_id,
            link=link,
            scopes=None if full else scopes,
            changed_pos=changed_pos,
            inventory=inventory,
            known=known,
            workers=job.workers,
        )
    xw = found["crosswalk"]
    if link:
        n = found["orders"].get("order_links", 0)
        counts.rows_changed += xw.get("links_changed", 0) + xw.get("links_removed", 0)
        counts.detail["sales_order"] = {
            "links_changed": xw.get("links_changed", 0),
            "links_removed": xw.get("links_removed", 0),
            "merges": xw.get("merges", 0),
            "splits": xw.get("splits", 0),
            **found["orders"],
        }
        if n and (xw.get("links_changed") or xw.get("links_removed")):
            relinked.add("sales_order")
    counts.detail["recheck"] = "all customers" if full else f"{len(scopes or ())} customers"
    return found["discrepancies"]
