"""Closed-won opportunities with their line items become DRP sales orders when the order rules name them a trigger."""

from __future__ import annotations

from decimal import Decimal

from testkit.flowseed import crm_opportunity, crm_order


def _trigger(flow, value: str) -> None:  # type: ignore[no-untyped-def]
    push = flow.tmp / "push.yaml"
    text = push.read_text(encoding="utf-8")
    assert "trigger: [order]" in text
    push.write_text(text.replace("trigger: [order]", f"trigger: {value}"), encoding="utf-8")


def test_closed_won_opportunity_becomes_a_drp_order_once(flow) -> None:  # type: ignore[no-untyped-def]
    _trigger(flow, "[order, opportunity]")
    won = crm_opportunity(
        flow.sf.org, flow.ids, "C900002", "净水器 春季", [("SKU-A", 6, "100.00"), ("SKU-B", 2, "250.00")]
    )
    open_opp = crm_opportunity(
        flow.sf.org, flow.ids, "C900002", "还在谈", [("SKU-A", 1, "100.00")], stage="Negotiation"
    )
    # a won opportunity that already has its CRM order is sent once, as that order
    ordered = crm_opportunity(flow.sf.org, flow.ids, "C900002", "已下单", [("SKU-B", 1, "250.00")])
    oid = crm_order(flow.sf.org, flow.ids, "C900002", "00036001", [("SKU-B", 1, "250.00")])
    flow.sf.org.update("Order", oid, {"OpportunityId": ordered})
    detail = flow.run()
    assert detail["failed"] == {}, detail["failed"]
    o = detail["flows"]["orders"]
    assert o["created"] == 2 and o["skipped"] == 0, o
    made = flow.drp.store.find_order(source_ref=won)
    assert made is not None and made["customerCode"] == "C900002" and made["orderAmount"] == Decimal("1100.00")
    lines = flow.drp.store.lines(made["orderNo"])
    assert [(ln["sku"], ln["qty"], ln["unitPrice"]) for ln in lines] == [("SKU-A", 6, 100), ("SKU-B", 2, 250)]
    assert flow.sf.org.find("Opportunity", won)["ERP_Order_No__c"] == made["orderNo"]
    assert flow.drp.store.find_order(source_ref=open_opp) is None
    assert flow.drp.store.find_order(source_ref=ordered) is None
    assert flow.drp.store.find_order(source_ref="00036001") is not None
    before = flow.drp.store.count("sales_orders")
    again = flow.run()["flows"]["orders"]
    assert again["planned"] == 0 and flow.drp.store.count("sales_orders") == before, again


def test_orders_only_trigger_leaves_opportunities_alone(flow) -> None:  # type: ignore[no-untyped-def]
    won = crm_opportunity(flow.sf.org, flow.ids, "C900002", "净水器 夏季", [("SKU-A", 2, "100.00")])
    detail = flow.run()
    assert detail["flows"]["orders"]["planned"] == 0, detail["flows"]["orders"]
    assert flow.drp.store.find_order(source_ref=won) is None
    _trigger(flow, "[opportunity]")
    detail = flow.run()
    assert detail["flows"]["orders"]["created"] == 1, detail["flows"]["orders"]
    assert flow.drp.store.find_order(source_ref=won) is not None


def test_held_opportunity_gets_the_reason_and_its_owner_a_task(flow) -> None:  # type: ignore[no-untyped-def]
    _trigger(flow, "[opportunity]")
    big = crm_opportunity(flow.sf.org, flow.ids, "C900004", "大单", [("SKU-B", 20, "250.00")], owner="S002")
    detail = flow.run()
    o = detail["flows"]["orders"]
    assert o["held"] == 1 and o["created"] == 0, o
    assert flow.drp.store.find_order(source_ref=big) is None
    assert flow.sf.org.find("Opportunity", big)["Credit_Hold_Reason__c"]
    holds = [t for t in flow.records("Task") if t["WhatId"] == big]
    assert len(holds) == 1 and holds[0]["OwnerId"] == flow.ids["users"]["S002"], holds


def test_commission_of_an_opportunity_order_goes_to_the_opportunity_owner(flow) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from testkit.flowseed import add_payment

    _trigger(flow, "[opportunity]")
    won = crm_opportunity(flow.sf.org, flow.ids, "C900002", "滤芯 批量", [("SKU-B", 4, "250.00")], owner="S002")
    flow.run()
    number = flow.sf.org.find("Opportunity", won)["ERP_Order_No__c"]
    flow.drp.store.put(
        "invoices",
        {
            "invoiceNo": "INV936001",
            "orderNo": number,
            "customerCode": "C900002",
            "invoiceDate": dt.date(2026, 3, 8),
            "dueDate": dt.date(2026, 4, 7),
            "amount": Decimal("1000.00"),
            "openAmount": Decimal("1000.00"),
        },
    )
    add_payment(flow.drp.store, "PAY936001", "C900002", "1000.00", dt.date(2026, 4, 1), invoice="INV936001")
    flow.sf.org.update("Opportunity", won, {"OwnerId": flow.ids["users"]["S001"]})  # handed over after the sale
    figures = flow.run()["flows"]["commission"]["figures"]
    assert [(f["salesperson"], f["base"], f["commission"]) for f in figures] == [
        (flow.ids["users"]["S002"], "1000.00", "50.00")
    ], figures
