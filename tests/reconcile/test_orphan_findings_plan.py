"""Findings left under a customer that no longer exists are resolved by an index lookup per row.

A full check resolves the findings whose scope (customer) is not among the customers checked.
Written as ``scope NOT IN (SELECT scope FROM <customers>)``, PostgreSQL scans the whole list for
every finding once it outgrows its work memory (five minutes for 24,000 findings against 300,000
customer records). The test makes the work memory tiny and checks the plan while the list exists.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from hub.reconcile.config import Roles
from hub.reconcile.crosswalk import Cluster, write_crosswalk
from hub.reconcile.rules_config import load_rules_config
from hub.reconcile.store.findings import detect
from hub.store.bulk import upsert
from hub.store.engine import make_engine
from hub.store.migrate import upgrade
from hub.store.models import MODELS, Discrepancy

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

    plans: list[str] = []
    postgres = engine.dialect.name == "postgresql"

    def explain(_conn: Any, cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "FROM discrepancy d" in statement and "NOT " in statement and "scope" in statement:
            cur = cursor.connection.cursor()
            if postgres:
                cur.execute("SET work_mem = '64kB'")  # a few thousand customer records no longer fit
            cur.execute(("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + statement, parameters)
            plans.append("\n".join(str(r[-1]) for r in cur.fetchall()))
            if postgres:
                cur.execute("RESET work_mem")
            cur.close()

    event.listen(engine, "before_cursor_execute", explain)
    with engine.begin() as conn:
        detect(conn, load_rules_config({}), Roles(), 2, link=True)
    event.remove(engine, "before_cursor_execute", explain)
    with engine.connect() as conn:
        t = Discrepancy.__table__
        assert conn.execute(select(t.c.status).where(t.c.key == "C-GONE")).scalar_one() == "resolved"
    assert len(plans) == 1
    if postgres:
        # hashed once, or looked up by index per row; never the list scanned again per row
        assert "Materialize" not in plans[0], plans[0]
        assert "hashed SubPlan" in plans[0] or "Index Only Scan" in plans[0], plans[0]
    else:
        assert "USING COVERING INDEX" in plans[0] and "(scope=?)" in plans[0], plans[0]
    engine.dispose()
