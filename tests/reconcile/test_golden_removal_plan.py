"""Golden records whose cluster is gone are removed by a lookup per row, whatever the crosswalk's size.

PostgreSQL runs ``NOT IN (SELECT ...)`` over a subquery larger than its work memory as a scan of
the whole subquery for every row: the removal of stale golden orders took hours on a store of
100,000 customers (900,000 order links). The test makes the work memory tiny, so that a few
thousand links are already "too large", and checks the plan of every removal statement; on
SQLite, that the crosswalk is searched by canonical id (not every link of the entity per row).
"""

from __future__ import annotations

from sqlalchemy import select

from hub.reconcile.crosswalk import Cluster, write_crosswalk
from hub.reconcile.store.golden import build_entity_goldens
from hub.reconcile.survivorship import SurvivorshipRules
from hub.store.bulk import upsert
from hub.store.engine import make_engine
from hub.store.migrate import upgrade
from hub.store.models import GOLDEN, MODELS
from tests.helpers.query_plans import plans_of

N = 3000


def test_stale_goldens_are_removed_by_a_lookup_not_a_scan_per_row(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    t = MODELS["sales_order"].__table__
    orders = [("drp", f"SO{i:06d}") for i in range(N)]
    with engine.begin() as conn:
        upsert(
            conn,
            t,
            [{"system": s, "external_id": e, "run_id": 1, "deleted": False, "row_hash": e} for s, e in orders],
            key=("system", "external_id"),
        )
        write_crosswalk(conn, "sales_order", [Cluster((m,)) for m in orders], 1)
        build_entity_goldens(conn, "sales_order", SurvivorshipRules(default=["drp"]), 1, {"sales_order"})
        stale = [f"O-STALE{i}" for i in range(10)]
        upsert(
            conn,
            t,
            [{"system": GOLDEN, "external_id": c, "run_id": 1, "deleted": False, "row_hash": c} for c in stale],
            key=("system", "external_id"),
        )

    def removal(statement: str) -> bool:
        return statement.lstrip().upper().startswith("DELETE") and "crosswalk" in statement

    with plans_of(engine, removal) as plans, engine.begin() as conn:
        result = build_entity_goldens(conn, "sales_order", SurvivorshipRules(default=["drp"]), 2, {"sales_order"})
    assert result["golden_removed"] == len(stale)
    with engine.connect() as conn:
        left = {r[0] for r in conn.execute(select(t.c.external_id).where(t.c.system == GOLDEN))}
        assert len(left) == N and not left & set(stale)
    assert len(plans) == 2  # the golden rows and their lineage
    for plan in plans:
        if engine.dialect.name == "postgresql":
            assert "Anti Join" in plan and "SubPlan" not in plan, plan
        else:
            assert "SEARCH crosswalk USING COVERING INDEX ix_crosswalk_canonical (entity=? AND canonical_id=?)" in plan
    engine.dispose()
