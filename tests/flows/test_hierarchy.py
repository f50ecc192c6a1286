"""Channel hierarchy reconciled end to end: the parent and level of each customer in both systems agree, or a discrepancy says how."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text


def _found(flow, kind: str) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    with flow.engine().connect() as conn:
        rows = conn.execute(text("SELECT key, status, message FROM discrepancy WHERE kind = :k"), {"k": kind})
        return {k: (s, m) for k, s, m in rows}


def test_a_customer_moved_under_another_parent_in_the_drp_only(flow) -> None:  # type: ignore[no-untyped-def]
    flow.run()
    assert _found(flow, "hierarchy_mismatch") == {}  # branch > distributor > agent in both systems
    agent = flow.drp.store.get("customers", "C900003")
    agent.update(parentCode="C900004", lastModified=dt.datetime(2026, 3, 1, 9, 0, 0))  # 西湖代理 now under 上海直营
    flow.run()
    key = f"C900003|{flow.ids['accounts']['C900003']}"
    got = _found(flow, "hierarchy_mismatch")
    assert list(got) == [key], got
    status, message = got[key]
    assert status == "open" and message == (
        f"Customer 西湖代理 sits differently in the channel hierarchy: parent: CRM "
        f"{flow.ids['accounts']['C900002']}, DRP C900004 (different customers)."
    )
    agent.update(parentCode="C900002", lastModified=dt.datetime(2026, 3, 2, 9, 0, 0))
    flow.run()
    assert _found(flow, "hierarchy_mismatch")[key][0] == "resolved"
