"""The binder: turn clusters of linked records into stable canonical ids in the crosswalk.

Canonical ids survive re-runs: a cluster keeps the id most of its members already had; when two
clusters merge the larger keeps its id, when one splits the part holding most of the old
members keeps it, and every merge or split is written to ``crosswalk_event``. New ids are
derived from the cluster's smallest member key, so an interrupted and re-run stage assigns
exactly the ids an uninterrupted one would.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, select, tuple_

from hub.clock import utcnow
from hub.store.bulk import upsert
from hub.store.models import CrosswalkEvent, CrosswalkLink

__all__ = ["Member", "Cluster", "assign_ids", "canonical_ids", "write_crosswalk", "ID_PREFIX"]

Member = tuple[str, str]  # (system, external_id)

ID_PREFIX = {"party": "P", "sales_order": "O", "salesperson": "S", "product": "M", "contact": "C", "opportunity": "Y"}


@dataclass(frozen=True)
class Cluster:
    """Records that are the same real-world thing, with why each member joined."""

    members: tuple[Member, ...]
    #: member -> (rule, score, explanation)
    why: dict[Member, tuple[str, float | None, dict[str, Any] | None]] = field(default_factory=dict)


def _new_id(entity: str, member: Member) -> str:
    digest = hashlib.blake2b(f"{member[0]}:{member[1]}".encode(), digest_size=6).hexdigest().upper()
    return f"{ID_PREFIX.get(entity, entity[:1].upper())}-{digest}"


def assign_ids(entity: str, clusters: Sequence[Cluster], existing: dict[Member, str]) -> tuple[dict[Member, str], list[dict[str, Any]]]:
    """Canonical id for every member, plus merge/split events against ``existing``."""
    order = sorted(range(len(clusters)), key=lambda i: min(clusters[i].members))
    votes: dict[str, list[tuple[int, int, Member]]] = defaultdict(list)  # old id -> [(-count, min member, cluster idx)]
    for i in order:
        c = Counter(existing[m] for m in clusters[i].members if m in existing)
        for cid, n in c.items():
            votes[cid].append((-n, min(clusters[i].members), i))  # type: ignore[arg-type]
    # each old id goes to the cluster holding most of its old members (ties: smallest member)
    winner = {cid: min(v)[2] for cid, v in votes.items()}
    taken: set[str] = set(existing.values())
    result: dict[Member, str] = {}
    events: list[dict[str, Any]] = []
    for i in order:
        members = clusters[i].members
        c = Counter(existing[m] for m in members if m in existing)
        mine = sorted((cid for cid in c if winner[cid] == i), key=lambda cid: (-c[cid], cid))
        if mine:
            cid = mine[0]
            if len(c) > 1:
                events.append({"kind": "merge", "from_id": ",".join(sorted(x for x in c if x != cid)), "to_id": cid, "members": sorted(members)})
        else:
            base = cid = _new_id(entity, min(members))
            n = 1
            while cid in taken:
                n += 1
                cid = f"{base}-{n}"
            taken.add(cid)
            if c:
                events.append({"kind": "split", "from_id": ",".join(sorted(c)), "to_id": cid, "members": sorted(members)})
        for m in members:
            result[m] = cid
    return result, events


def canonical_ids(conn: Connection, entity: str, system: str | None = None) -> dict[Member, str]:
    """(system, external id) -> canonical id for ``entity`` (optionally one system only)."""
    t = CrosswalkLink.__table__
    q = select(t.c.system, t.c.external_id, t.c.canonical_id).where(t.c.entity == entity)
    if system is not None:
        q = q.where(t.c.system == system)
    return {(s, e): c for s, e, c in conn.execute(q)}


def load_existing(conn: Connection, entity: str) -> dict[Member, tuple[str, str, float | None, Any]]:
    """Current crosswalk rows of ``entity``: member -> (canonical id, rule, score, explanation)."""
    t = CrosswalkLink.__table__
    rows = conn.execute(
        select(t.c.system, t.c.external_id, t.c.canonical_id, t.c.rule, t.c.score, t.c.explanation).where(t.c.entity == entity)
    )
    return {(s, e): (cid, rule, score, expl) for s, e, cid, rule, score, expl in rows}


def write_crosswalk(conn: Connection, entity: str, clusters: Iterable[Cluster], run_id: int) -> dict[str, int]:
    """Bring the crosswalk of ``entity`` in line with ``clusters``; returns change counts."""
    clusters = list(clusters)
    current = load_existing(conn, entity)
    ids, events = assign_ids(entity, clusters, {m: v[0] for m, v in current.items()})
    rows = []
    for cl in clusters:
        for m in cl.members:
            rule, score, expl = cl.why.get(m, ("singleton", None, None))
            expl = _jsonable(expl)
            cid = ids[m]
            old = current.get(m)
            if old is not None and old[0] == cid and old[1] == rule and _same_score(old[2], score) and old[3] == expl:
                continue
            rows.append(
                {
                    "entity": entity,
                    "system": m[0],
                    "external_id": m[1],
                    "canonical_id": cid,
                    "rule": rule,
                    "score": score,
                    "explanation": expl,
                    "first_run": run_id,
                    "changed_run": run_id,
                }
            )
    t = CrosswalkLink.__table__
    changed = 0
    for start in range(0, len(rows), 10_000):
        changed += upsert(
            conn, t, rows[start : start + 10_000], key=("entity", "system", "external_id"), change_column=None,
            update_columns=("canonical_id", "rule", "score", "explanation", "changed_run"),
        )
    gone = [m for m in current if m not in ids]
    for start in range(0, len(gone), 500):
        chunk = gone[start : start + 500]
        conn.execute(delete(t).where(t.c.entity == entity, tuple_(t.c.system, t.c.external_id).in_(chunk)))
    if events:
        now = utcnow()
        conn.execute(
            CrosswalkEvent.__table__.insert(),
            [{"run_id": run_id, "entity": entity, "at": now, **e} for e in events],
        )
    return {"links_changed": changed, "links_removed": len(gone), "merges": sum(e["kind"] == "merge" for e in events),
            "splits": sum(e["kind"] == "split" for e in events)}


def _same_score(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) < 1e-9


def _jsonable(value: Any) -> Any:
    """The value as it reads back from a JSON column (tuples become lists, keys strings)."""
    return None if value is None else json.loads(json.dumps(value, sort_keys=True, default=str))
