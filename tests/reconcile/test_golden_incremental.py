"""Golden records rebuilt incrementally (only clusters a change can reach) equal a full rebuild."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub.reconcile.crosswalk import Cluster, canonical_ids, write_crosswalk
from hub.reconcile.store.golden import build_entity_goldens, read_lineage
from hub.reconcile.survivorship import SurvivorshipRules
from hub.store.bulk import upsert
from hub.store.engine import make_engine
from hub.store.migrate import upgrade
from hub.store.models import GOLDEN, MODELS

RULES = SurvivorshipRules(default=["drp", "crm"])
RECONCILED = {"party", "sales_order"}


def _put(conn: Any, entity: str, rows: list[dict[str, Any]], run_id: int) -> None:
    upsert(
        conn,
        MODELS[entity].__table__,
        [{**r, "run_id": run_id, "deleted": False, "row_hash": f"{run_id}:{sorted(r.items())}"} for r in rows],
        key=("system", "external_id"),
    )


def _goldens(conn: Any, entity: str) -> dict[str, tuple[Any, ...]]:
    t = MODELS[entity].__table__
    q = select(t.c.external_id, t.c.name if entity == "party" else t.c.party_ref).where(t.c.system == GOLDEN)
    return {r[0]: tuple(r[1:]) for r in conn.execute(q)}


def _lineage_ids(conn: Any, entity: str) -> set[str]:
    return set(read_lineage(conn, entity))


def _build(conn: Any, run_id: int, since: int | None) -> dict[str, dict[str, int]]:
    ref_ids: dict[str, dict[tuple[str, str], str]] = {}
    return {
        e: build_entity_goldens(conn, e, RULES, run_id, RECONCILED, since, ref_ids) for e in ("party", "sales_order")
    }


def test_a_merge_reaches_the_orders_of_the_merged_customer_and_removes_the_golden_record_it_ended(
    store_url: str,
) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    a, b, c = ("crm", "A"), ("drp", "B"), ("drp", "C")
    with engine.begin() as conn:
        _put(conn, "party", [{"system": s, "external_id": e, "name": f"name {e}"} for s, e in (a, b, c)], 1)
        _put(conn, "sales_order", [{"system": "drp", "external_id": "O1", "party_ref": "C"}], 1)
        write_crosswalk(conn, "party", [Cluster((a, b)), Cluster((c,))], 1)
        write_crosswalk(conn, "sales_order", [Cluster((("drp", "O1"),))], 1)
        first = _build(conn, 1, None)
        assert first["party"]["golden_changed"] == 2 and first["sales_order"]["golden_changed"] == 1
        old_c = canonical_ids(conn, "party")[c]
        assert set(_goldens(conn, "sales_order").values()) == {(old_c,)}

        # run 2: C joins A and B; neither the order's row nor its link changes
        write_crosswalk(conn, "party", [Cluster((a, b, c))], 2)
        new_c = canonical_ids(conn, "party")[c]
        assert new_c != old_c
        second = _build(conn, 2, 1)
        assert second["party"]["golden_removed"] == 1
        assert old_c not in _goldens(conn, "party") and old_c not in _lineage_ids(conn, "party")
        assert set(_goldens(conn, "sales_order").values()) == {(new_c,)}  # reached through its party_ref

        # a full rebuild finds nothing to change: the incremental one built what it would
        assert all(
            v == {"golden_changed": 0, "golden_removed": 0, "lineage_changed": 0}
            for v in _build(conn, 3, None).values()
        )
        # and a rerun with no change since rebuilds nothing
        assert all(v["golden_changed"] == v["lineage_changed"] == 0 for v in _build(conn, 4, 3).values())
    engine.dispose()
