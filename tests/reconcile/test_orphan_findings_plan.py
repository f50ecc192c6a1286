"""Findings left under a customer that no longer exists are resolved by an index lookup per row.

A full check resolves the findings whose scope (customer) is not among the customers checked.
Written as ``scope NOT IN (SELECT scope FROM <customers>)``, PostgreSQL scans the whole list for
every finding once it outgrows its work memory (five minutes for 24,000 findings against 300,000
customer records). The test makes the work memory tiny and checks the plan while the list exists.
"""

from __future__ import annotations

from sqlalchemy import select

from hub.reconcile.config import Roles
from hub.reconcile.crosswalk import Cluster, write_crosswalk
from hub.reconcile.rules_config import load_rules_config
from hub.reconcile.store.findings import detect
from hub.store.bulk import upsert
from hub.store.engine import make_engine
from hub.store.migrate import upgrade
from hub.store.models import MODELS, Discrepancy
from tests.helpers.query_plans import plans_of

N = 3000


def test_findings_of_a_vanished_customer_are_resolved_by_a_lookup_not_a_scan_per_row(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    parties = [("crm", f"A{i:05d}") for i in range(N)]
    with engine.begin() as conn:
        upsert(
            conn,
            MODELS["party"].__table__,
            [{"system": s, "external_id": e, "run_id": 1, "deleted": False, "row_hash": e} for s, e in parties],
            key=("system", "external_id"),
        )
        write_crosswalk(conn, "party", [Cluster((p,)) for p in parties], 1)
        gone = {
            "kind": "credit_exceeded",
            "key": "C-GONE",
            "system": "drp",
            "external_id": "C-GONE",
            "other_external_id": None,
            "severity": "high",
            "message": "over its limit",
            "details": {},
            "status": "open",
            "first_run": 1,
            "last_run": 1,
            "resolved_run": None,
            "scope": "P-GONE",
        }
        upsert(conn, Discrepancy.__table__, [gone], key=("kind", "key"), change_column=None)

    def orphans(statement: str) -> bool:
        return "FROM discrepancy d" in statement and "NOT " in statement and "scope" in statement

    with plans_of(engine, orphans) as plans, engine.begin() as conn:
        detect(conn, load_rules_config({}), Roles(), 2, link=True)
    with engine.connect() as conn:
        t = Discrepancy.__table__
        assert conn.execute(select(t.c.status).where(t.c.key == "C-GONE")).scalar_one() == "resolved"
    assert len(plans) == 1
    if engine.dialect.name == "postgresql":
        # hashed once, or looked up by index per row; never the list scanned again per row
        assert "Materialize" not in plans[0], plans[0]
        assert "hashed SubPlan" in plans[0] or "Index Only Scan" in plans[0], plans[0]
    else:
        assert "USING COVERING INDEX" in plans[0] and "(scope=?)" in plans[0], plans[0]
    engine.dispose()
