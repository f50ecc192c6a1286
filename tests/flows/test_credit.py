"""Credit quota before the order: held when over, released when credit frees up, group credit shared."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from testkit.flowseed import add_payment, crm_order


def test_order_over_credit_is_held_then_released_after_payment(flow) -> None:  # type: ignore[no-untyped-def]
    # 上海直营: limit 10,000, 8,000 open receivables -> 2,000 available
    oid = crm_order(flow.sf.org, flow.ids, "C900004", "00032001", [("SKU-B", 12, "250.00")])  # 3,000
    detail = flow.run()
    o = detail["flows"]["orders"]
    assert o["held"] == 1 and o["created"] == 0, o
    assert flow.drp.store.find_order(source_ref="00032001") is None
    reason = flow.sf.org.find("Order", oid)["Credit_Hold_Reason__c"]
    assert "3000.00" in reason and "2000.00" in reason
    account = flow.sf.org.find("Account", flow.ids["accounts"]["C900004"])
    assert Decimal(str(account["Available_Credit__c"])) == Decimal(2000)
    # still over: nothing sent, the reason is not rewritten
    flow.sf.app.requests.clear()
    assert flow.run()["flows"]["orders"]["held"] == 1
    assert not [p for m, p in flow.sf.app.requests if m == "PATCH" and "Order" in p]
    # the customer pays 5,000 of the invoice: 7,000 available, the order goes through and the hold is cleared
    add_payment(flow.drp.store, "PAY900001", "C900004", "5000.00", dt.date(2026, 3, 5), invoice="INV900001")
    o = flow.run()["flows"]["orders"]
    assert o["created"] == 1 and o["held"] == 0, o
    order = flow.sf.org.find("Order", oid)
    assert order["Credit_Hold_Reason__c"] is None and order["ERP_Order_No__c"]


def test_limit_raised_releases_the_order(flow) -> None:  # type: ignore[no-untyped-def]
    crm_order(flow.sf.org, flow.ids, "C900004", "00032002", [("SKU-A", 30, "100.00")])  # 3,000 > 2,000
    assert flow.run()["flows"]["orders"]["held"] == 1
    flow.drp.store.update_credit_limit("C900004", Decimal(20000))
    assert flow.run()["flows"]["orders"]["created"] == 1


def test_group_credit_is_shared_by_the_children(flow) -> None:  # type: ignore[no-untyped-def]
    # 华东分公司 (limit 60,000) above 杭州经销商 (limit 50,000) above 西湖代理 (no limit of its own)
    crm_order(flow.sf.org, flow.ids, "C900002", "00033001", [("SKU-B", 180, "250.00")])  # 45,000: fits both
    crm_order(
        flow.sf.org, flow.ids, "C900003", "00033002", [("SKU-B", 64, "250.00")], day=dt.date(2026, 3, 3)
    )  # 16,000
    o = flow.run()["flows"]["orders"]
    # the agent has no limit of its own, but the group's 60,000 has only 15,000 left after the distributor's order
    assert o["created"] == 1 and o["held"] == 1, o
    assert "group credit of C900001" in o["held_orders"][0]
    assert flow.drp.store.find_order(source_ref="00033001") is not None
    assert flow.drp.store.find_order(source_ref="00033002") is None


def _credit_holds(flow) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with flow.engine().connect() as conn:
        rows = conn.execute(text("SELECT key, status, message FROM discrepancy WHERE kind = 'credit_hold'"))
        return {k: (s, m) for k, s, m in rows}


def test_a_held_order_opens_a_credit_hold_discrepancy_resolved_on_release(flow) -> None:  # type: ignore[no-untyped-def]
    oid = crm_order(flow.sf.org, flow.ids, "C900004", "00034001", [("SKU-A", 30, "100.00")])  # 3,000 > 2,000
    flow.run()
    status, message = _credit_holds(flow)[oid]
    assert status == "open", message
    assert message == (
        "CRM order 00034001 of customer C900004 is held for credit: the order amount CNY 3,000.00 is more "
        "than the available credit of customer C900004, CNY 2,000.00 (limit CNY 10,000.00 less receivables "
        "CNY 8,000.00 and open orders CNY 0.00)."
    )
    flow.run()  # still held: the same discrepancy, still open
    assert _credit_holds(flow)[oid][0] == "open"
    flow.drp.store.update_credit_limit("C900004", Decimal(20000))
    assert flow.run()["flows"]["orders"]["created"] == 1
    assert _credit_holds(flow)[oid][0] == "resolved"
