"""Partial crosswalk writes (one unit of work at a time) and temporary key tables, on both backends."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from hub.reconcile.crosswalk import Cluster, prune_crosswalk, write_crosswalk
from hub.store.engine import make_engine
from hub.store.keyset import key_table
from hub.store.migrate import upgrade
from hub.store.models import CrosswalkEvent, CrosswalkLink
from hub.store.types import plain_decimal


def _ids(conn) -> dict[tuple[str, str], str]:  # type: ignore[no-untyped-def]
    t = CrosswalkLink.__table__
    return {
        (s, e): c
        for s, e, c in conn.execute(select(t.c.system, t.c.external_id, t.c.canonical_id).where(t.c.entity == "party"))
    }


def test_partial_writes_keep_ids_of_records_outside_and_never_share_an_id(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    a, b, c, d = ("crm", "A"), ("drp", "B"), ("crm", "C"), ("drp", "D")
    with engine.begin() as conn:
        write_crosswalk(conn, "party", [Cluster((a, b)), Cluster((c,)), Cluster((d,))], 1)
        before = _ids(conn)
        assert before[a] == before[b] and len(set(before.values())) == 3
        # A re-matched alone (B not in this unit of work): B keeps the id, A gets a new one
        got = write_crosswalk(conn, "party", [Cluster((a,))], 2, partial=True, scope=lambda _c: "P-x")
        after = _ids(conn)
        assert after[b] == before[b] and after[a] != before[b] and got["splits"] == 1 and got["links_removed"] == 0
        # C and D merge: the merged cluster keeps one of their ids; nothing else moves
        write_crosswalk(conn, "party", [Cluster((c, d))], 3, partial=True)
        merged = _ids(conn)
        assert merged[c] == merged[d] in (before[c], before[d])
        assert merged[a] == after[a] and merged[b] == after[b]
        assert len({merged[a], merged[b], merged[c]}) == 3
        scope = conn.execute(select(CrosswalkLink.scope).where(CrosswalkLink.external_id == "A")).scalar()
        assert scope == "P-x"
        kinds = [k for (k,) in conn.execute(select(CrosswalkEvent.kind).order_by(CrosswalkEvent.id))]
        assert kinds == ["split", "merge"]
        # links of records gone from the source are pruned (there are no party rows at all here)
        assert prune_crosswalk(conn, "party", "party", ["drp"]) == 2
        assert set(_ids(conn)) == {a, c}
    engine.dispose()


def test_key_table_joins_many_keys_and_ignores_duplicates(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    rows = [("crm", f"A{i:06d}") for i in range(25_000)] + [("crm", "A000001")]
    with engine.begin() as conn:
        with key_table(conn, ("system", "external_id"), rows) as name:
            assert conn.execute(text(f"SELECT count(*) FROM {name}")).scalar() == 25_000
        with pytest.raises(DBAPIError):  # dropped on exit
            with conn.begin_nested():
                conn.execute(text(f"SELECT count(*) FROM {name}"))
    engine.dispose()


def test_plain_decimal_is_one_form_whatever_the_scale() -> None:
    assert str(plain_decimal(Decimal("4000.0000"))) == str(plain_decimal(Decimal("4000.00"))) == "4000"
    assert str(plain_decimal(Decimal("4829.2600"))) == "4829.26"
    assert str(plain_decimal(Decimal("0E-4"))) == "0"
    assert str(plain_decimal(Decimal("-0.500"))) == "-0.5"
