"""The order-to-cash part of the live demo: salespeople book orders in the CRM, the push creates or holds them.

:func:`book_orders` books three Activated orders with lines through the CRM's REST API, as a
salesperson would: two small ones for the customers with the largest DRP credit limits and one far
over the smallest limit (it will be held). :func:`show_flows` prints what the flows did.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

__all__ = ["book_orders", "show_flows"]


def _read(connector: Any, stream: str) -> list[dict[str, Any]]:
    return [r.data for b in connector.read(stream, None) for r in b.records]


def book_orders(config: Any) -> list[str]:
    """Book the demo orders in the CRM; returns their order numbers."""
    from hub.connector import Change
    from hub.pipeline.connect import build_connector

    crm, drp = build_connector(config, "crm"), build_connector(config, "drp")
    try:
        limits = {c["客户编码"]: Decimal(c["信用额度"]) for c in _read(drp, "customers") if c.get("信用额度")}
        skus = {p["物料编码"]: Decimal(p["标准单价"] or "0") for p in _read(drp, "products")}
        accounts = [a for a in _read(crm, "Account") if limits.get(a.get("ERP_Customer_Code__c") or "", 0) > 0]
        products = [p for p in _read(crm, "Product2") if skus.get(p.get("ProductCode") or "", 0) > 0]
        if len(accounts) < 3 or not products:
            return []
        accounts.sort(key=lambda a: (limits[a["ERP_Customer_Code__c"]], a["Id"]))
        product = products[0]
        price = skus[product["ProductCode"]]
        plan = [
            (accounts[-1], 1, "DEMO0001"),
            (accounts[-2], 2, "DEMO0002"),
            (accounts[0], int(limits[accounts[0]["ERP_Customer_Code__c"]] * 3 / price) + 1, "DEMO0003"),
        ]
        numbers = []
        for account, qty, number in plan:
            data = {
                "AccountId": account["Id"],
                "OrderNumber": number,
                "EffectiveDate": dt.date(2026, 3, 30).isoformat(),
                "Status": "Activated",
                "TotalAmount": float(price * qty),
                "OwnerId": account.get("OwnerId"),
            }
            res = next(iter(crm.write("Order", [Change("create", None, data, f"demo-{number}")])))
            item = {"OrderId": res.external_id, "Product2Id": product["Id"], "Quantity": qty, "UnitPrice": float(price)}
            next(iter(crm.write("OrderItem", [Change("create", None, item, f"demo-{number}-1")])))
            numbers.append(number)
        return numbers
    finally:
        crm.close()
        drp.close()


def show_flows(detail: dict[str, Any]) -> None:
    """One line per flow: orders created in the DRP and held for credit, tasks opened and closed, commission rows."""
    flows = detail.get("flows") or {}
    o = flows.get("orders")
    if o:
        print(
            f"  orders: {o['created']} CRM order(s) created in the DRP with their lines, {o['held']} held for credit, "
            f"{o['skipped']} skipped"
        )
        for line in o.get("held_orders", [])[:3]:
            print(f"    held {line}")
        if o.get("credit_hold_open") or o.get("credit_hold_resolved"):
            print(
                f"    credit_hold discrepancies: {o.get('credit_hold_open', 0)} open, "
                f"{o.get('credit_hold_resolved', 0)} resolved by this push (orders released)"
            )
    t = flows.get("tasks")
    if t:
        print(
            f"  tasks: {t['wanted']} salesperson task(s) open in the CRM ({t['to_open']} opened and {t['to_close']} completed "
            f"by this push; reasons: {', '.join(t['open_reasons']) or 'none'})"
        )
    c = flows.get("commission")
    if c:
        print(f"  commission: {len(c['figures'])} salesperson-period figure(s) in Commission__c")
