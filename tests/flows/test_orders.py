"""CRM orders into DRP sales orders with their lines, against both live test servers."""

from __future__ import annotations

from decimal import Decimal

from testkit.flowseed import crm_order


def test_order_with_lines_created_once_and_number_written_back(flow) -> None:  # type: ignore[no-untyped-def]
    oid = crm_order(flow.sf.org, flow.ids, "C900002", "00031001", [("SKU-A", 10, "100.00"), ("SKU-B", 4, "250.00")])
    detail = flow.run()
    assert detail["failed"] == {}, detail["failed"]
    assert detail["flows"]["orders"]["created"] == 1, detail["flows"]["orders"]
    made = flow.drp.store.find_order(source_ref="00031001")
    assert made is not None and made["customerCode"] == "C900002" and made["orderAmount"] == Decimal("2000.00")
    lines = flow.drp.store.lines(made["orderNo"])
    assert [(ln["sku"], ln["qty"], ln["unitPrice"]) for ln in lines] == [("SKU-A", 10, 100), ("SKU-B", 4, 250)]
    assert flow.sf.org.find("Order", oid)["ERP_Order_No__c"] == made["orderNo"]
    # a rerun sends nothing: the order is linked and carries its DRP number
    before = flow.drp.store.count("sales_orders")
    again = flow.run()
    assert again["flows"]["orders"]["planned"] == 0 and flow.drp.store.count("sales_orders") == before
