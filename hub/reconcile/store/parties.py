"""Party identity resolution inside the reconcile stage: matcher, review queue, duplicate findings.

Loads the parties of the configured systems, applies the review decisions people made
(`hub review accept/reject`), runs the blocked matcher, and returns clusters for the binder
with each member's strongest explained link. Mid-confidence pairs go to the review queue;
within-system duplicates become ``duplicate_customer`` discrepancies.

The matcher also weighs what the orders say (``order_evidence``: CRM orders carrying the
numbers of a DRP customer's orders). Every record's blocking keys and order evidence are
stored (``match_key``), so an incremental run re-matches only the records a change can
affect: changed ones, those sharing a block with them before or after the change, those
whose order evidence changed, and everyone in their clusters.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from dataclasses import field as dataclass_field
from typing import Any

from sqlalchemy import Connection, delete, func, select, text

from hub.reconcile.crosswalk import Cluster, Member
from hub.reconcile.match_config import MatchConfig
from hub.reconcile.matcher import BLOCK_SEP, PairMatch, PartyRecord, block_keys, decision_key, key_caps, match_parties
from hub.reconcile.wording import comparisons_of, duplicate_message
from hub.store.bulk import upsert
from hub.store.keyset import key_table
from hub.store.models import GOLDEN, MODELS, MatchKey, ReviewItem

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


def open_review_row(entity: str, pm: Any, run_id: int) -> dict[str, Any]:
    """A review-queue row for a mid-confidence pair, its two records in sorted order (parties and persons alike)."""
    (sa, ia), (sb, ib) = sorted((pm.a, pm.b))
    return {
        "entity": entity,
        "system_a": sa,
        "id_a": ia,
        "system_b": sb,
        "id_b": ib,
        "score": float(pm.score),
        "explanation": {"explain": pm.explain(), "decision": pm.decision},
        "status": "open",
        "decided_by": None,
        "decided_at": None,
        "first_run": run_id,
        "last_run": run_id,
    }


def load_parties(conn: Connection, systems: list[str], only: set[tuple[str, str]] | None = None) -> list[PartyRecord]:
    """Live party records of ``systems`` as matcher input (blank strings for missing values);
    only the ``only`` records (system, external id) when given."""
    return list(iter_parties(conn, systems, only))


def iter_parties(
    conn: Connection, systems: list[str], only: set[tuple[str, str]] | None = None
) -> Iterator[PartyRecord]:
    """:func:`load_parties`, streamed (the matcher keeps its own compact form of each record)."""
    rows: Iterable[Sequence[Any]]
    if only is not None:
        with key_table(conn, ("system", "external_id"), only) as k:
            cols = ", ".join(f"p.{f}" for f in _PARTY_FIELDS)
            marks = ", ".join(f":s{i}" for i in range(len(systems)))
            sql = (
                f"SELECT p.system, p.external_id, {cols} FROM {k} k CROSS JOIN party p WHERE k.system = p.system "
                f"AND k.external_id = p.external_id AND p.system IN ({marks}) AND p.deleted = :f ORDER BY p.system, p.external_id"
            )
            rows = list(conn.execute(text(sql), {"f": False, **{f"s{i}": s for i, s in enumerate(systems)}}))
    else:
        t = MODELS["party"].__table__
        q = (
            select(t.c.system, t.c.external_id, *[t.c[f] for f in _PARTY_FIELDS])
            .where(t.c.system.in_(systems), t.c.system != GOLDEN, t.c.deleted.is_(False))
            .order_by(t.c.system, t.c.external_id)
        )
        rows = conn.execute(q)
    for row in rows:
        values = {f: "" if v is None else str(v) for f, v in zip(_PARTY_FIELDS, row[2:])}
        yield PartyRecord(row[0], row[1], **values)


def load_decisions(conn: Connection, entity: str = "party") -> dict[tuple[str, str, str, str], bool]:
    """Review decisions that win over the matcher: accepted -> True, rejected -> False."""
    r = ReviewItem.__table__
    q = select(r.c.system_a, r.c.id_a, r.c.system_b, r.c.id_b, r.c.status).where(
        r.c.entity == entity, r.c.status.in_(("accepted", "rejected"))
    )
    return {decision_key((sa, ia), (sb, ib)): status == "accepted" for sa, ia, sb, ib, status in conn.execute(q)}


class _Why(Mapping[Member, tuple[str, float, dict[str, Any]]]):
    """Each member's explanation, made when the crosswalk writer asks for it (holding them all
    for a whole store would cost more memory than the matcher itself)."""

    def __init__(self, best: dict[Member, PairMatch]) -> None:
        self._best = best

    def __getitem__(self, m: Member) -> tuple[str, float, dict[str, Any]]:
        return _explain(self._best[m], m)

    def __iter__(self) -> Iterator[Member]:
        return iter(self._best)

    def __len__(self) -> int:
        return len(self._best)


def _explain(pm: PairMatch, me: Member) -> tuple[str, float, dict[str, Any]]:
    other = pm.b if pm.a == me else pm.a
    return (
        pm.rule,
        float(pm.score),
        {
            "with": f"{other[0]}:{other[1]}",
            "decision": pm.decision,
            "explain": pm.explain(),
            "signals": {s.name: {"level": s.level, "weight": s.weight} for s in pm.signals if s.weight},
        },
    )


@dataclass
class PartyLinks:
    """What party matching produced: clusters (all records, or the re-matched part), the
    duplicate findings among them, stats, and whether the clusters are only a part."""

    clusters: list[Cluster]
    duplicates: list[DuplicateFinding]
    stats: dict[str, Any]
    partial: bool = False
    #: canonical ids the re-matched records had before (their duplicate findings are re-decided)
    prior_ids: set[str] = dataclass_field(default_factory=set)


def order_evidence(conn: Connection, crm: str, drp: str) -> dict[tuple[Member, Member], int]:
    """(CRM account, DRP customer) -> how many of the account's orders carry, as ERP order no,
    the number of one of the customer's DRP orders (the ``orders`` transaction evidence)."""
    sql = (
        "SELECT co.party_ref, dp.party_ref, count(*) FROM sales_order co JOIN sales_order dp ON dp.system = :drp "
        "AND dp.external_id = UPPER(TRIM(co.erp_order_no)) WHERE co.system = :crm AND co.deleted = :f AND dp.deleted = :f "
        "AND co.erp_order_no IS NOT NULL AND co.party_ref IS NOT NULL AND dp.party_ref IS NOT NULL "
        "GROUP BY co.party_ref, dp.party_ref"
    )
    return {((crm, a), (drp, b)): n for a, b, n in conn.execute(text(sql), {"crm": crm, "drp": drp, "f": False})}


EVIDENCE_MARK = "~orders"


def _evidence_entries(evidence: dict[tuple[Member, Member], int]) -> dict[Member, set[str]]:
    """Each record's order evidence as stored text entries (kept with its blocking keys, so the
    next run sees whose evidence changed): ``~orders``, the partner's system and id, the count."""
    out: dict[Member, set[str]] = {}
    for (a, b), n in evidence.items():
        out.setdefault(a, set()).add(BLOCK_SEP.join((EVIDENCE_MARK, b[0], b[1], str(n))))
        out.setdefault(b, set()).add(BLOCK_SEP.join((EVIDENCE_MARK, a[0], a[1], str(n))))
    return out


def _partner(entry: str) -> Member:
    _mark, system, ext, _n = entry.split(BLOCK_SEP)
    return (system, ext)


def link_parties(
    conn: Connection,
    systems: list[str],
    config: MatchConfig,
    run_id: int,
    since: int | None = None,
    since_at: Any = None,
    roles: Any = None,
) -> PartyLinks:
    """Match the parties of ``systems``; update the review queue; return clusters and duplicate findings.

    With ``since`` (the last reconciled run) only the records a change can affect are
    re-matched: the changed ones and those sharing a block with them, before or after the
    change (from the blocking keys stored last time), with everyone in their clusters.
    """
    orders = (
        roles is not None
        and {roles.crm, roles.drp} <= set(systems)
        and any(
            c.comparison == "transactions" and c.field == "orders" for c in list(config.fields) + list(config.rules)
        )
    )
    evidence = order_evidence(conn, roles.crm, roles.drp) if orders else None
    if since is not None:
        part = _affected(conn, systems, config, since, since_at, evidence)
        if part is not None:
            return _link(conn, part, systems, config, run_id, partial=True, evidence=evidence)
    return _link(conn, None, systems, config, run_id, partial=False, evidence=evidence)


def _link(
    conn: Connection,
    part: set[tuple[str, str]] | None,
    systems: list[str],
    config: MatchConfig,
    run_id: int,
    partial: bool,
    evidence: dict[tuple[Member, Member], int] | None = None,
) -> PartyLinks:
    """Match ``part`` (None: every record); ``evidence`` is the order evidence of the whole store."""
    keys: dict[tuple[str, str], str] = {}
    within = (
        None
        if evidence is None
        else {"orders": {p: n for p, n in evidence.items() if part is None or (p[0] in part and p[1] in part)}}
    )
    result = match_parties(
        iter_parties(conn, systems, part), config, load_decisions(conn), keys_out=keys, evidence=within
    )
    for rec, entries in _evidence_entries(evidence or {}).items():
        if rec in keys:
            keys[rec] = "\n".join([keys[rec], *sorted(entries)]) if keys[rec] else "\n".join(sorted(entries))
    best: dict[Member, PairMatch] = {}
    for pm in list(result.links) + list(result.duplicates):
        for m in (pm.a, pm.b):
            cur = best.get(m)
            if cur is None or (pm.score, pm.b, pm.a) > (cur.score, cur.b, cur.a):
                best[m] = pm
    clusters = [Cluster(members=c, why=_Why(best)) for c in result.clusters]
    _write_review(conn, result.review, run_id, part)
    _write_keys(conn, keys, partial)
    dups = []
    # names of the duplicates' records, for messages people read (only those records are read)
    names = (
        {p.key: p.name for p in load_parties(conn, systems, {m for pm in result.duplicates for m in (pm.a, pm.b)})}
        if result.duplicates
        else {}
    )
    for pm in result.duplicates:
        (system, a), (_, b) = sorted((pm.a, pm.b))
        message = duplicate_message(
            system,
            (a, names.get((system, a))),
            (b, names.get((system, b))),
            pm.score,
            pm.rule,
            pm.decision,
            pm.signals,
            comparisons_of(config),
            config.thresholds.duplicate_cut,
        )
        dups.append(
            DuplicateFinding("duplicate_customer", "medium", (a, b), system, message, {"explain": pm.explain()})
        )
    prior: set[str] = set()
    if part is not None:
        with key_table(conn, ("system", "external_id"), part) as k:
            prior = {
                r[0]
                for r in conn.execute(
                    text(
                        f"SELECT DISTINCT c.canonical_id FROM {k} k CROSS JOIN crosswalk c WHERE c.entity = 'party' "
                        "AND c.system = k.system AND c.external_id = k.external_id"
                    )
                )
            }
    stats = dict(result.stats)
    if part is not None:
        stats["rematched"] = stats.get("records", 0)
    return PartyLinks(clusters, dups, stats, partial, prior)


def _affected(
    conn: Connection,
    systems: list[str],
    config: MatchConfig,
    since: int,
    since_at: Any,
    evidence: dict[tuple[Member, Member], int] | None = None,
) -> set[tuple[str, str]] | None:
    """Records to re-match after changes since run ``since``; None when the stored blocking
    keys do not cover the store (first run with them): then everything is matched."""
    t = MODELS["party"].__table__
    mk = MatchKey.__table__
    live = conn.execute(
        select(func.count()).select_from(t).where(t.c.system.in_(systems), t.c.deleted.is_(False))
    ).scalar_one()
    stored = conn.execute(
        select(func.count()).select_from(mk).where(mk.c.entity == "party", mk.c.system.in_(systems))
    ).scalar()
    if not stored or stored < live * 0.9:
        return None
    changed = {
        tuple(r)
        for r in conn.execute(select(t.c.system, t.c.external_id).where(t.c.system.in_(systems), t.c.run_id > since))
    }
    decided = conn.execute(
        select(ReviewItem.system_a, ReviewItem.id_a, ReviewItem.system_b, ReviewItem.id_b).where(
            ReviewItem.entity == "party", ReviewItem.status != "open", ReviewItem.decided_at > since_at
        )
    )
    for sa, ia, sb, ib in decided:
        changed.update(((sa, ia), (sb, ib)))
    if not changed and evidence is None:
        return set()
    # whose order evidence changed: compared below with what was stored with the keys
    ev_now = _evidence_entries(evidence) if evidence is not None else {}
    live_changed = load_parties(conn, systems, changed)
    keys: set[str] = set()
    for ks in block_keys(live_changed, config).values():
        keys.update(ks)
    with key_table(conn, ("system", "external_id"), changed) as k:
        for (old,) in conn.execute(
            text(
                f"SELECT m.keys FROM {k} k CROSS JOIN match_key m WHERE m.entity = 'party' "
                "AND m.system = k.system AND m.external_id = k.external_id"
            )
        ):
            keys.update(k for k in (old.split("\n") if old else ()) if not k.startswith(EVIDENCE_MARK))
    caps = key_caps(config)
    members: dict[str, list[tuple[str, str]]] = {}
    ev_changed: set[Member] = set()
    q = select(mk.c.system, mk.c.external_id, mk.c["keys"]).where(mk.c.entity == "party", mk.c.system.in_(systems))
    for system, ext, stored_keys in conn.execute(q):
        rec = (system, ext)
        entries = stored_keys.split("\n") if stored_keys else []
        if evidence is not None:
            old_ev = {e for e in entries if e.startswith(EVIDENCE_MARK)}
            new_ev = ev_now.get(rec, set())
            if old_ev != new_ev:  # the record, and its old and new partners
                ev_changed.add(rec)
                ev_changed.update(_partner(e) for e in old_ev ^ new_ev)
        for key in entries:
            if key in keys:
                members.setdefault(key, []).append(rec)
    out = set(changed) | ev_changed
    for key, ms in members.items():
        if len(ms) <= caps.get(key.split(BLOCK_SEP, 1)[0], 0):
            out.update(ms)
    for rec in list(out):  # the records their orders tie them to
        out.update(_partner(e) for e in ev_now.get(rec, ()))
    if out == set() and not changed:
        return set()
    # everyone in the clusters of those records: a link that breaks frees its partners
    with key_table(conn, ("system", "external_id"), out) as k:
        sql = (
            f"SELECT c2.system, c2.external_id FROM {k} k CROSS JOIN crosswalk c CROSS JOIN crosswalk c2 "
            "WHERE c.entity = 'party' AND c.system = k.system AND c.external_id = k.external_id "
            "AND c2.entity = c.entity AND c2.canonical_id = c.canonical_id"
        )
        out.update(tuple(r) for r in conn.execute(text(sql)))
    return out


def _write_keys(conn: Connection, keys: dict[tuple[str, str], str], partial: bool) -> None:
    mk = MatchKey.__table__
    if not partial:
        conn.execute(delete(mk).where(mk.c.entity == "party"))
    rows = [{"entity": "party", "system": s, "external_id": e, "keys": ks} for (s, e), ks in keys.items()]
    for start in range(0, len(rows), 10_000):
        upsert(
            conn,
            mk,
            rows[start : start + 10_000],
            key=("entity", "system", "external_id"),
            change_column="keys",
            update_columns=("keys",),
        )
    if partial:  # deleted records keep no keys
        conn.execute(
            text(
                "DELETE FROM match_key WHERE entity = 'party' AND NOT EXISTS (SELECT 1 FROM party p "
                "WHERE p.system = match_key.system AND p.external_id = match_key.external_id AND p.deleted = :f)"
            ),
            {"f": False},
        )


def _write_review(
    conn: Connection, review: tuple[PairMatch, ...], run_id: int, part: set[tuple[str, str]] | None = None
) -> None:
    """Open the review items of ``review``; drop open items no longer proposed (when only
    ``part`` was re-matched: those between two of its records)."""
    r = ReviewItem.__table__
    decided = {
        (sa, ia, sb, ib)
        for sa, ia, sb, ib in conn.execute(
            select(r.c.system_a, r.c.id_a, r.c.system_b, r.c.id_b).where(r.c.entity == "party", r.c.status != "open")
        )
    }
    rows = []
    for pm in review:
        (sa, ia), (sb, ib) = sorted((pm.a, pm.b))
        if (sa, ia, sb, ib) in decided:
            continue
        rows.append(open_review_row("party", pm, run_id))
    current = {(x["system_a"], x["id_a"], x["system_b"], x["id_b"]) for x in rows}
    stale = [
        k
        for k in conn.execute(
            select(r.c.system_a, r.c.id_a, r.c.system_b, r.c.id_b).where(r.c.entity == "party", r.c.status == "open")
        )
        if tuple(k) not in current and (part is None or ((k[0], k[1]) in part and (k[2], k[3]) in part))
    ]
    for sa, ia, sb, ib in stale:
        conn.execute(
            delete(r).where(
                r.c.entity == "party", r.c.system_a == sa, r.c.id_a == ia, r.c.system_b == sb, r.c.id_b == ib
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
