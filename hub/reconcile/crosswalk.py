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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, select, text, tuple_

from hub.clock import utcnow
from hub.store.bulk import upsert
from hub.store.jsontext import encoder
from hub.store.keyset import key_table
from hub.store.models import CrosswalkEvent, CrosswalkLink

__all__ = ["Member", "Cluster", "assign_ids", "canonical_ids", "write_crosswalk", "prune_crosswalk", "ID_PREFIX"]

Member = tuple[str, str]  # (system, external_id)

ID_PREFIX = {
    "party": "P",
    "sales_order": "O",
    "salesperson": "S",
    "product": "M",
    "contact": "C",
    "opportunity": "Y",
    "person": "H",
}


@dataclass(frozen=True)
class Cluster:
    """Records that are the same real-world thing, with why each member joined."""

    members: tuple[Member, ...]
    #: member -> (rule, score, explanation)
    why: Mapping[Member, tuple[str, float | None, dict[str, Any] | None]] = field(default_factory=dict)


def _new_id(entity: str, member: Member) -> str:
    digest = hashlib.blake2b(f"{member[0]}:{member[1]}".encode(), digest_size=6).hexdigest().upper()
    return f"{ID_PREFIX.get(entity, entity[:1].upper())}-{digest}"


def assign_ids(
    entity: str,
    clusters: Sequence[Cluster],
    existing: dict[Member, str],
    *,
    reserved: Iterable[str] = (),
    used: Callable[[set[str]], set[str]] | None = None,
) -> tuple[dict[Member, str], list[dict[str, Any]]]:
    """Canonical id for every member, plus merge/split events against ``existing``.

    ``reserved`` ids are held by records outside ``clusters`` (a partial write): no cluster
    keeps one. ``used(ids)`` returns which of ``ids`` the store already gives to other records,
    so a new id never collides with one outside ``existing``.
    """
    firsts = [min(cl.members) for cl in clusters]
    # old ids of each cluster's members, counted (most clusters: new records, no old id)
    none: Counter[str] = Counter()  # shared, never changed
    olds = [
        (Counter(existing[m] for m in cl.members if m in existing) or none) if existing else none for cl in clusters
    ]
    order = sorted(range(len(clusters)), key=firsts.__getitem__)
    reserved = set(reserved)
    votes: dict[str, list[tuple[int, Member, int]]] = defaultdict(list)  # old id -> [(-count, min member, cluster idx)]
    for i in order:
        for cid, n in olds[i].items():
            votes[cid].append((-n, firsts[i], i))
    # each old id goes to the cluster holding most of its old members (ties: smallest member)
    winner = {cid: min(v)[2] for cid, v in votes.items() if cid not in reserved}
    taken: set[str] = set(existing.values()) | reserved
    kept: dict[int, str] = {}
    fresh: list[int] = []
    for i in order:
        c = olds[i]
        mine = sorted((cid for cid in c if winner.get(cid) == i), key=lambda cid: (-c[cid], cid))
        if mine:
            kept[i] = mine[0]
        else:
            fresh.append(i)
    bases = {i: _new_id(entity, firsts[i]) for i in fresh}
    if used is not None and bases:
        taken |= used(set(bases.values()))
    result: dict[Member, str] = {}
    events: list[dict[str, Any]] = []
    for i in order:
        members = clusters[i].members
        c = olds[i]
        if i in kept:
            cid = kept[i]
            if len(c) > 1:
                events.append(
                    {
                        "kind": "merge",
                        "from_id": ",".join(sorted(x for x in c if x != cid)),
                        "to_id": cid,
                        "members": sorted(members),
                    }
                )
        else:
            base = cid = bases[i]
            n = 1
            while cid in taken or (used is not None and n > 1 and used({cid})):
                n += 1
                cid = f"{base}-{n}"
            taken.add(cid)
            if c:
                events.append(
                    {"kind": "split", "from_id": ",".join(sorted(c)), "to_id": cid, "members": sorted(members)}
                )
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


def load_existing(
    conn: Connection, entity: str, members: str | None = None
) -> dict[Member, tuple[str, str, float | None, Any, str | None]]:
    """Current crosswalk rows of ``entity``: member -> (canonical id, rule, score, explanation, scope);
    only the members listed in the key table ``members`` (columns system, external_id) when given.
    The explanation is as the driver returns it: parsed, or (SQLite) its stored JSON text, which
    :func:`_write_links` compares as text first."""
    cols = "c.system, c.external_id, c.canonical_id, c.rule, c.score, c.explanation, c.scope"
    if members is None:
        sql, params = f"SELECT {cols} FROM crosswalk c WHERE c.entity = :e", {"e": entity}
    else:
        sql = (
            f"SELECT {cols} FROM {members} k CROSS JOIN crosswalk c WHERE c.entity = :e AND c.system = k.system "
            "AND c.external_id = k.external_id"
        )
        params = {"e": entity}
    out = {}
    for s, e, cid, rule, score, expl, scope in conn.execute(text(sql), params):
        out[(s, e)] = (cid, rule, score, expl, scope)
    return out


def _held_elsewhere(conn: Connection, entity: str, members: str, cids: set[str]) -> set[str]:
    """Which of ``cids`` some record outside the key table ``members`` holds (one join, whatever their number)."""
    if not cids:
        return set()
    with key_table(conn, ("canonical_id",), ((c,) for c in sorted(cids))) as ids:
        sql = (
            f"SELECT DISTINCT c.canonical_id FROM {ids} x CROSS JOIN crosswalk c LEFT JOIN {members} k "
            "ON k.system = c.system AND k.external_id = c.external_id "
            "WHERE c.entity = :e AND c.canonical_id = x.canonical_id AND k.system IS NULL"
        )
        return {r[0] for r in conn.execute(text(sql), {"e": entity})}


def write_crosswalk(
    conn: Connection,
    entity: str,
    clusters: Iterable[Cluster],
    run_id: int,
    *,
    partial: bool = False,
    scope: Callable[[Cluster], str | None] | None = None,
) -> dict[str, int]:
    """Bring the crosswalk of ``entity`` in line with ``clusters``; returns change counts.

    By default ``clusters`` are every record of the entity: links of records not in them are
    removed. With ``partial`` they are one unit of work (a customer's orders, the records a
    change can affect): only their members' links are read and written, ids held by records
    outside keep their holders, and nothing else is removed. ``scope`` names the unit of work
    stored on each link.
    """
    clusters = list(clusters)
    if not partial:
        existing = canonical_ids(conn, entity)
        ids, events = assign_ids(entity, clusters, existing)
        # a first build (no link of the entity stored yet) has nothing to read back chunk by chunk
        changed = _write_links(conn, entity, clusters, ids, run_id, scope, None if existing else {})
        gone = [m for m in existing if m not in ids]
        del existing
    else:
        with key_table(conn, ("system", "external_id"), (m for cl in clusters for m in cl.members)) as members:
            current = load_existing(conn, entity, members)
            existing = {m: v[0] for m, v in current.items()}
            reserved = _held_elsewhere(conn, entity, members, set(existing.values()))
            ids, events = assign_ids(
                entity,
                clusters,
                existing,
                reserved=reserved,
                used=lambda cids: _held_elsewhere(conn, entity, members, cids),
            )
        changed = _write_links(conn, entity, clusters, ids, run_id, scope, current)
        gone = []
    t = CrosswalkLink.__table__
    for start in range(0, len(gone), 500):
        chunk = gone[start : start + 500]
        conn.execute(delete(t).where(t.c.entity == entity, tuple_(t.c.system, t.c.external_id).in_(chunk)))
    if events:
        now = utcnow()
        conn.execute(
            CrosswalkEvent.__table__.insert(),
            [{"run_id": run_id, "entity": entity, "at": now, **e} for e in events],
        )
    return {
        "links_changed": changed,
        "links_removed": len(gone),
        "merges": sum(e["kind"] == "merge" for e in events),
        "splits": sum(e["kind"] == "split" for e in events),
    }


_CHUNK = 10_000


def _write_links(
    conn: Connection,
    entity: str,
    clusters: list[Cluster],
    ids: dict[Member, str],
    run_id: int,
    scope: Callable[[Cluster], str | None] | None,
    loaded: dict[Member, tuple[str, str, float | None, Any, str | None]] | None = None,
) -> int:
    """Upsert the links whose id, rule, score, explanation or scope changed; a chunk of clusters
    at a time, so only one chunk's explanations are ever held (old and new). ``loaded``: the
    current rows of every member, when the caller has read them already (empty when none is stored)."""
    t = CrosswalkLink.__table__
    changed = 0
    start = 0
    while start < len(clusters):
        chunk, n = [], 0
        while start < len(clusters) and n < _CHUNK:
            chunk.append(clusters[start])
            n += len(clusters[start].members)
            start += 1
        if loaded is not None:
            current = loaded
        else:
            with key_table(conn, ("system", "external_id"), (m for cl in chunk for m in cl.members)) as members:
                current = load_existing(conn, entity, members)
        rows = []
        for cl in chunk:
            sc = scope(cl) if scope is not None else None
            for m in cl.members:
                rule, score, expl = cl.why.get(m, ("singleton", None, None))
                cid = ids[m]
                old = current.get(m)
                # the explanation is compared (in its stored JSON form) only when all else is equal
                if old is not None and old[0] == cid and old[1] == rule and _same_score(old[2], score) and old[4] == sc:
                    same, expl = _same_explanation(old[3], expl)
                    if same:
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
                        "scope": sc,
                        "first_run": run_id,
                        "changed_run": run_id,
                    }
                )
        changed += upsert(
            conn,
            t,
            rows,
            key=("entity", "system", "external_id"),
            change_column=None,
            update_columns=("canonical_id", "rule", "score", "explanation", "scope", "changed_run"),
        )
    return changed


def prune_crosswalk(conn: Connection, entity: str, source_table: str, systems: Sequence[str] | None = None) -> int:
    """Remove the links of ``entity`` whose source record is gone or deleted; returns how many."""
    where = ""
    params: dict[str, Any] = {"e": entity}
    if systems is not None:
        where = " AND c.system IN (" + ", ".join(f":s{i}" for i in range(len(systems))) + ")"
        params.update({f"s{i}": s for i, s in enumerate(systems)})
    where = where.replace("c.system", "crosswalk.system")
    sql = (
        f"DELETE FROM crosswalk WHERE entity = :e{where} AND NOT EXISTS (SELECT 1 FROM {source_table} r "
        "WHERE r.system = crosswalk.system AND r.external_id = crosswalk.external_id AND r.deleted = :f)"
    )
    params["f"] = False
    return conn.execute(text(sql), params).rowcount or 0


def _same_score(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) < 1e-9


#: ``json.dumps(value, sort_keys=True, default=str)`` with one encoder for every call
_sorted_json = encoder(sort_keys=True, default=str)


def _same_explanation(stored: Any, expl: Any) -> tuple[bool, Any]:
    """Whether a stored explanation (parsed, or its JSON text) equals ``expl``, and ``expl`` as it
    reads back from a JSON column. Text written from the same value is compared as text (no parse)."""
    if expl is None:
        return (json.loads(stored) if isinstance(stored, str) else stored) is None, None
    txt = _sorted_json(expl)
    if isinstance(stored, str) and stored == txt:
        return True, expl
    value = json.loads(txt)
    return (json.loads(stored) if isinstance(stored, str) else stored) == value, value
