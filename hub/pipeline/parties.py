"""Party identity resolution inside the reconcile stage: matcher, review queue, duplicate findings.

Loads the parties of the configured systems, applies the review decisions people made
(`hub review accept/reject`), runs the blocked matcher, and returns clusters for the binder
with each member's strongest explained link. Mid-confidence pairs go to the review queue;
within-system duplicates become ``duplicate_customer`` discrepancies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection, delete, select

from hub.reconcile.crosswalk import Cluster, Member
from hub.reconcile.match_config import MatchConfig
from hub.reconcile.matcher import PairMatch, PartyRecord, decision_key, match_parties
from hub.store.bulk import upsert
from hub.store.models import GOLDEN, MODELS, ReviewItem

_PARTY_FIELDS = [f.name for f in fields(PartyRecord) if f.name not in ("system", "external_id")]


@dataclass(frozen=True)
class DuplicateFinding:
    """Two records of one system that are the same party."""

    kind: str
    severity: str
    key: tuple[str, ...]
    system: str
    message: str
    details: Mapping[str, Any]


def load_parties(conn: Connection, systems: list[str]) -> list[PartyRecord]:
    """Live party records of ``systems`` as matcher input (blank strings for missing values)."""
    t = MODELS["party"].__table__
    q = select(t.c.system, t.c.external_id, *[t.c[f] for f in _PARTY_FIELDS]).where(
        t.c.system.in_(systems), t.c.system != GOLDEN, t.c.deleted.is_(False)
    ).order_by(t.c.system, t.c.external_id)
    out = []
    for row in conn.execute(q):
        values = {f: "" if v is None else str(v) for f, v in zip(_PARTY_FIELDS, row[2:])}
        out.append(PartyRecord(row[0], row[1], **values))
    return out


def load_decisions(conn: Connection, entity: str = "party") -> dict[tuple[str, str, str, str], bool]:
    """Review decisions that win over the matcher: accepted -> True, rejected -> False."""
    r = ReviewItem.__table__
    q = select(r.c.system_a, r.c.id_a, r.c.system_b, r.c.id_b, r.c.status).where(
        r.c.entity == entity, r.c.status.in_(("accepted", "rejected")))
    return {decision_key((sa, ia), (sb, ib)): status == "accepted" for sa, ia, sb, ib, status in conn.execute(q)}


def _explain(pm: PairMatch, me: Member) -> tuple[str, float, dict[str, Any]]:
    other = pm.b if pm.a == me else pm.a
    return (pm.rule, float(pm.score), {
        "with": f"{other[0]}:{other[1]}", "decision": pm.decision, "explain": pm.explain(),
        "signals": {s.name: {"level": s.level, "weight": s.weight} for s in pm.signals if s.weight},
    })


def link_parties(conn: Connection, systems: list[str], config: MatchConfig, run_id: int) -> tuple[list[Cluster], list[DuplicateFinding], dict[str, Any]]:
    """Match the parties of ``systems``; update the review queue; return clusters and duplicate findings."""
    records = load_parties(conn, systems)
    result = match_parties(records, config, load_decisions(conn))
    best: dict[Member, PairMatch] = {}
    for pm in list(result.links) + list(result.duplicates):
        for m in (pm.a, pm.b):
            cur = best.get(m)
            if cur is None or (pm.score, pm.b, pm.a) > (cur.score, cur.b, cur.a):
                best[m] = pm
    clusters = [Cluster(members=c, why={m: _explain(best[m], m) for m in c if m in best}) for c in result.clusters]
    _write_review(conn, result.review, run_id)
    dups = []
    for pm in result.duplicates:
        (system, a), (_, b) = sorted((pm.a, pm.b))
        dups.append(DuplicateFinding("duplicate_customer", "medium", (a, b), system,
                                     f"{system} records {a} and {b} are the same customer ({pm.rule}, score {pm.score:g})",
                                     {"explain": pm.explain()}))
    return clusters, dups, dict(result.stats)


def _write_review(conn: Connection, review: tuple[PairMatch, ...], run_id: int) -> None:
    r = ReviewItem.__table__
    decided = {
        (sa, ia, sb, ib)
        for sa, ia, sb, ib in conn.execute(select(r.c.system_a, r.c.id_a, r.c.system_b, r.c.id_b)
                                           .where(r.c.entity == "party", r.c.status != "open"))
    }
    rows = []
    for pm in review:
        (sa, ia), (sb, ib) = sorted((pm.a, pm.b))
        if (sa, ia, sb, ib) in decided:
            continue
        rows.append({"entity": "party", "system_a": sa, "id_a": ia, "system_b": sb, "id_b": ib, "score": float(pm.score),
                     "explanation": {"explain": pm.explain(), "decision": pm.decision}, "status": "open",
                     "decided_by": None, "decided_at": None, "first_run": run_id, "last_run": run_id})
    current = {(x["system_a"], x["id_a"], x["system_b"], x["id_b"]) for x in rows}
    stale = [k for k in conn.execute(select(r.c.system_a, r.c.id_a, r.c.system_b, r.c.id_b)
                                     .where(r.c.entity == "party", r.c.status == "open")) if tuple(k) not in current]
    for sa, ia, sb, ib in stale:
        conn.execute(delete(r).where(r.c.entity == "party", r.c.system_a == sa, r.c.id_a == ia, r.c.system_b == sb, r.c.id_b == ib))
    upsert(conn, r, rows, key=("entity", "system_a", "id_a", "system_b", "id_b"), change_column=("score", "explanation"),
           update_columns=("score", "explanation", "last_run"))
