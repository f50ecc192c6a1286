"""Resolve a record-matched entity (persons) inside the reconcile stage: match, crosswalk, review queue.

The same machinery as parties: review decisions win over the matcher, every member keeps its
explanation, mid-score pairs open review items, clusters become canonical ids in the crosswalk
(golden records and lineage follow from the survivorship rules like any entity). The matcher's
blocking statistics (blocks, candidate pairs, oversize blocks skipped, pairs per rule) are
returned for the stage's counts detail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, select

from hub.canonical import fields_of
from hub.errors import MappingRuleError
from hub.reconcile.compare.config import (
    RecordMatchConfig,
    load_record_match_config,
    record_match_config_of,
)
from hub.reconcile.compare.engine import match_records, prepare
from hub.reconcile.compare.weights import Weights, read_weights
from hub.reconcile.crosswalk import Cluster, Member, prune_crosswalk, write_crosswalk
from hub.reconcile.matcher import PairMatch, decision_key, gc_paused
from hub.reconcile.persons.scope import changed_records
from hub.reconcile.store.parties import open_review_row
from hub.reconcile.train import train
from hub.store.bulk import upsert
from hub.store.models import GOLDEN, MODELS, ReviewItem

__all__ = ["RecordMatch", "load_entity_records", "load_record_match", "resolve_entity"]


@dataclass(frozen=True)
class RecordMatch:
    """A record match configuration with its weights (None when every comparison is hand-weighted)."""

    config: RecordMatchConfig
    weights: Weights | None
    weights_path: Path | None = None


def load_record_match(
    match: str | Mapping[str, Any],
    base_dir: Path,
    file: Any = None,
    where: tuple[Any, ...] = (),
    require_weights: bool = False,
) -> RecordMatch:
    """The configuration (a file relative to ``base_dir``, or the inline section ``where`` of
    ``file``) and its weights file. Without the file (before the first ``hub match train``) the
    stage trains on the records it matches; ``require_weights`` makes that an error instead."""
    if isinstance(match, str):
        path = base_dir / match
        cfg = load_record_match_config(path)
        base = path.parent
    else:
        cfg = record_match_config_of(file, where)
        base = base_dir
    wpath = base / cfg.weights if cfg.weights else None
    weights = None
    if wpath is not None and wpath.exists():
        weights = read_weights(wpath)
    elif require_weights and any(c.weights is None for c in cfg.comparisons):
        what = f"weights file {wpath} does not exist" if wpath else "no weights file is named (weights:)"
        raise MappingRuleError(
            f"{cfg.entity}: {what} and not every comparison has hand-set weights: run `hub match train {cfg.entity}`"
        )
    return RecordMatch(cfg, weights, wpath)


def load_entity_records(
    conn: Connection, entity: str, systems: list[str], fields: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """Live records of ``entity`` in ``systems`` as plain mappings (canonical field names; only
    ``fields`` when given, e.g. those a match configuration reads)."""
    t = MODELS[entity].__table__
    names = ["system", "external_id", *(fields_of(entity) if fields is None else sorted(set(fields)))]
    q = (
        select(*[t.c[n] for n in names])
        .where(t.c.system.in_(systems), t.c.system != GOLDEN, t.c.deleted.is_(False))
        .order_by(t.c.system, t.c.external_id)
    )
    return [dict(zip(names, ["" if v is None else v for v in row])) for row in conn.execute(q)]


def _read_fields(cfg: RecordMatchConfig) -> set[str]:
    """The fields a match configuration compares or blocks on."""
    out = {f for c in cfg.comparisons for f in c.reads}
    out.update(k.field for rule in cfg.blocking for k in rule.keys)
    return out


def _decisions(conn: Connection, entity: str) -> dict[tuple[str, str, str, str], bool]:
    r = ReviewItem.__table__
    q = select(r.c.system_a, r.c.id_a, r.c.system_b, r.c.id_b, r.c.status).where(
        r.c.entity == entity, r.c.status.in_(("accepted", "rejected"))
    )
    return {decision_key((sa, ia), (sb, ib)): st == "accepted" for sa, ia, sb, ib, st in conn.execute(q)}


def _explain(
    pm: PairMatch, me: tuple[str, str], signals: dict[int, dict[str, Any]]
) -> tuple[str, float, dict[str, Any]]:
    """A member's link as the crosswalk stores it: the partner, the decision and the signals that
    carried weight (``hub explain`` words them; the one-line form would repeat the same facts).
    ``signals`` memoises the signal mapping per pair (both members of a pair share it)."""
    other = pm.b if pm.a == me else pm.a
    sig = signals.get(id(pm))
    if sig is None:
        sig = signals[id(pm)] = {s.name: {"level": s.level, "weight": s.weight} for s in pm.signals if s.weight}
    return (pm.rule, float(pm.score), {"with": f"{other[0]}:{other[1]}", "decision": pm.decision, "signals": sig})


def _write_review(
    conn: Connection, entity: str, review: tuple[PairMatch, ...], run_id: int, touched: set[Member] | None = None
) -> None:
    """Open the review items the matcher proposes; drop open ones it no longer proposes (when
    only some records were matched again: those with a record in ``touched``)."""
    r = ReviewItem.__table__
    decided = {
        tuple(k)
        for k in conn.execute(
            select(r.c.system_a, r.c.id_a, r.c.system_b, r.c.id_b).where(r.c.entity == entity, r.c.status != "open")
        )
    }
    rows = []
    for pm in review:
        (sa, ia), (sb, ib) = sorted((pm.a, pm.b))
        if (sa, ia, sb, ib) not in decided:
            rows.append(open_review_row(entity, pm, run_id))
    current = {(x["system_a"], x["id_a"], x["system_b"], x["id_b"]) for x in rows}
    for sa, ia, sb, ib in list(
        conn.execute(
            select(r.c.system_a, r.c.id_a, r.c.system_b, r.c.id_b).where(r.c.entity == entity, r.c.status == "open")
        )
    ):
        if (sa, ia, sb, ib) not in current and (touched is None or (sa, ia) in touched or (sb, ib) in touched):
            conn.execute(
                delete(r).where(
                    r.c.entity == entity, r.c.system_a == sa, r.c.id_a == ia, r.c.system_b == sb, r.c.id_b == ib
                )
            )
    upsert(
        conn,
        r,
        rows,
        key=("entity", "system_a", "id_a", "system_b", "id_b"),
        change_column=("score", "explanation"),
        update_columns=("score", "explanation", "last_run"),
    )


def resolve_entity(
    engine: Engine,
    entity: str,
    systems: list[str],
    rm: RecordMatch,
    run_id: int,
    since: int | None = None,
    since_at: Any = None,
) -> tuple[int, list[Cluster], dict[str, int], dict[str, Any]]:
    """Match ``entity`` over ``systems`` and write its crosswalk and review queue: (records,
    clusters, crosswalk change counts, extra counts: review, duplicates, blocking statistics).

    With ``since`` (the last reconciled run) and weights that are not learned in this run,
    only the records a change since then can affect are matched again (see ``scope``)."""
    with gc_paused(), engine.begin() as conn:  # records, pairs and explanations: long-lived, acyclic
        records = load_entity_records(conn, entity, systems, _read_fields(rm.config))
        p = prepare(records, rm.config)
        weights, trained = rm.weights, False
        if weights is None and any(c.weights is None for c in rm.config.comparisons):
            weights, trained = train(p, rm.config).weights, True  # no weights file yet: learn them now
        touched = None if since is None or trained else changed_records(conn, entity, systems, since, since_at)
        decisions = _decisions(conn, entity)
        result = match_records(records, rm.config, weights, decisions, prepared=p, only=touched)
        best: dict[tuple[str, str], PairMatch] = {}
        for pm in list(result.links) + list(result.duplicates):
            for m in (pm.a, pm.b):
                cur = best.get(m)
                if cur is None or (pm.score, pm.b, pm.a) > (cur.score, cur.b, cur.a):
                    best[m] = pm
        signals: dict[int, dict[str, Any]] = {}
        clusters = [
            Cluster(members=c, why={m: _explain(best[m], m, signals) for m in c if m in best}) for c in result.clusters
        ]
        if touched is None:
            counts = write_crosswalk(conn, entity, clusters, run_id)
        else:
            touched.update(m for c in result.clusters for m in c)  # every record matched again
            counts = write_crosswalk(conn, entity, clusters, run_id, partial=True)
            counts["links_removed"] += prune_crosswalk(conn, entity, MODELS[entity].__tablename__, systems)
        _write_review(conn, entity, result.review, run_id, touched)
    st = result.stats
    extra = {
        "weights": "trained in this run (no weights file yet: hub match train)" if trained else "file",
        "review": st.get("review", 0),
        "duplicates": st.get("duplicates", 0),
        "blocking": {
            "blocks": st["blocks"],
            "candidate_pairs": st["candidate_pairs"],
            "oversize_blocks_skipped": st["blocks_skipped"],
            "rules": st["rules"],
        },
        **({"rematched": st["rematched"]} if "rematched" in st else {}),
    }
    return len(records), clusters, counts, extra
