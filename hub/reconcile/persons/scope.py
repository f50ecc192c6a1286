"""Which records of a record-matched entity a rerun must match again.

A record's cluster depends only on the candidate pairs of its connected component (records
joined by shared blocks), so after a few changes only the components that hold a changed
record, or a record that shared a cluster with one, are matched again (the record matcher
takes these seeds and closes them over the candidate pairs, see ``match_records(only=...)``).
The seeds come from the store: records inserted, changed or deleted after the last reconciled
run, the two records of every review decision made since, and the members of their clusters.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, text

from hub.reconcile.crosswalk import Member
from hub.store.keyset import key_table
from hub.store.models import GOLDEN, MODELS, ReviewItem

__all__ = ["changed_records"]


def changed_records(conn: Connection, entity: str, systems: list[str], since: int, since_at: Any) -> set[Member]:
    """Records of ``entity`` changed (or deleted) after run ``since``, those of review decisions
    made after ``since_at``, and everyone who shared a cluster with any of them."""
    t = MODELS[entity].__table__
    seeds: set[Member] = {
        (s, e)
        for s, e in conn.execute(
            select(t.c.system, t.c.external_id).where(t.c.system.in_(systems), t.c.system != GOLDEN, t.c.run_id > since)
        )
    }
    if since_at is not None:
        r = ReviewItem.__table__
        q = select(r.c.system_a, r.c.id_a, r.c.system_b, r.c.id_b).where(
            r.c.entity == entity, r.c.status.in_(("accepted", "rejected")), r.c.decided_at > since_at
        )
        for sa, ia, sb, ib in conn.execute(q):
            seeds.update(((sa, ia), (sb, ib)))
    if not seeds:
        return seeds
    with key_table(conn, ("system", "external_id"), seeds) as k:
        sql = (
            f"SELECT c2.system, c2.external_id FROM {k} k CROSS JOIN crosswalk c CROSS JOIN crosswalk c2 "
            "WHERE c.entity = :e AND c.system = k.system AND c.external_id = k.external_id "
            "AND c2.entity = c.entity AND c2.canonical_id = c.canonical_id"
        )
        seeds.update((s, e) for s, e in conn.execute(text(sql), {"e": entity}))
    return seeds
