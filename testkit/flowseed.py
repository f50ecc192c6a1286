"""A small channel world for the order, credit, task and commission flows, seeded straight into both test servers.

The ChannelCo generator does not produce truth for these flows, so this one is written by hand:
a branch (华东分公司) above a distributor (杭州经销商) above an agent (西湖代理), and a direct
customer (上海直营) with an overdue invoice; two salespeople; two products. Every CRM account
carries its DRP code and tax id, so reconciliation links them. ``crm_order`` books an order with
lines in the CRM as a salesperson would.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

__all__ = ["CUSTOMERS", "add_payment", "crm_opportunity", "crm_order", "seed_flow_world"]

#: DRP code -> (name, channel level, parent, credit limit, tax id, CRM account type)
CUSTOMERS = {
    "C900001": ("华东分公司", "分公司", None, Decimal(60000), "91330100MA2B00001X", "Branch"),
    "C900002": ("杭州经销商", "经销商", "C900001", Decimal(50000), "91330100MA2B00002X", "Distributor"),
    "C900003": ("西湖代理", "代理商", "C900002", None, "91330100MA2B00003X", "Agent"),
    "C900004": ("上海直营", "直营客户", None, Decimal(10000), "91310000MA1K00004X", "Customer"),
}
SALESPEOPLE = {"S001": ("张伟", "华东", Decimal("0.03")), "S002": ("李娜", "华东", Decimal("0.05"))}
PRODUCTS = {"SKU-A": ("净水器 A", Decimal("100.00")), "SKU-B": ("滤芯 B", Decimal("250.00"))}


def seed_flow_world(org: Any, store: Any) -> dict[str, Any]:
    """Seed both servers; returns CRM ids: users by salesperson code, accounts and products by DRP code/SKU."""
    from testkit.servers.channelco import add_crm_fields

    add_crm_fields(org)
    for code, (name, team, rate) in SALESPEOPLE.items():
        store.put("salespeople", {"salespersonCode": code, "name": name, "team": team, "commissionRate": rate})
    for sku, (name, price) in PRODUCTS.items():
        store.put("products", {"sku": sku, "productName": name, "unit": "台", "listPrice": price})
    stamp = dt.datetime(2026, 1, 5, 8, 0, 0)
    for code, (name, level, parent, limit, uscc, _) in CUSTOMERS.items():
        store.put(
            "customers",
            {
                "customerCode": code,
                "customerName": name,
                "uscc": uscc,
                "channelLevel": level,
                "parentCode": parent,
                "province": "浙江",
                "city": "杭州",
                "creditLimit": limit,
                "salespersonCode": "S001",
                "currency": "CNY",
                "lastModified": stamp,
            },
        )
    store.put(
        "invoices",
        {
            "invoiceNo": "INV900001",
            "customerCode": "C900004",
            "invoiceDate": dt.date(2026, 1, 10),
            "dueDate": dt.date(2026, 2, 9),
            "amount": Decimal("8000.00"),
            "openAmount": Decimal("8000.00"),
        },
    )
    ids: dict[str, Any] = {"users": {}, "accounts": {}, "products": {}}
    for code, (name, team, _) in SALESPEOPLE.items():
        ids["users"][code] = org.insert(
            "User", {"Name": name, "Department": team, "IsActive": True, "EmployeeNumber__c": code}
        )["Id"]
    for code, (name, _, parent, _, uscc, kind) in CUSTOMERS.items():  # parents first: the dict is ordered top-down
        row = org.insert(
            "Account",
            {
                "Name": name,
                "Type": kind,
                "BillingCity": "杭州",
                "Tax_ID__c": uscc,
                "ERP_Customer_Code__c": code,
                "OwnerId": ids["users"]["S001"],
                "ParentId": ids["accounts"].get(parent) if parent else None,
            },
        )
        ids["accounts"][code] = row["Id"]
    for sku, (name, _) in PRODUCTS.items():
        ids["products"][sku] = org.insert("Product2", {"Name": name, "ProductCode": sku, "IsActive": True})["Id"]
    return ids


def crm_order(
    org: Any,
    ids: dict[str, Any],
    customer: str,
    number: str,
    lines: list[tuple[str, int, str]],
    owner: str = "S001",
    status: str = "Activated",
    day: dt.date = dt.date(2026, 3, 2),
) -> str:
    """Book a CRM order with lines (sku, quantity, unit price) for a DRP customer's account; returns its Id."""
    total = sum((Decimal(price) * qty for _, qty, price in lines), Decimal(0))
    order = org.insert(
        "Order",
        {
            "AccountId": ids["accounts"][customer],
            "OrderNumber": number,
            "EffectiveDate": day,
            "Status": status,
            "TotalAmount": float(total),
            "OwnerId": ids["users"][owner],
        },
    )
    _insert_lines(org, ids, "OrderItem", {"OrderId": order["Id"]}, lines)
    return str(order["Id"])


def crm_opportunity(
    org: Any,
    ids: dict[str, Any],
    customer: str,
    name: str,
    lines: list[tuple[str, int, str]],
    owner: str = "S001",
    stage: str = "Closed Won",
    day: dt.date = dt.date(2026, 3, 3),
) -> str:
    """Book an opportunity with line items (sku, quantity, unit price) for a DRP customer's account; returns its Id."""
    total = sum((Decimal(price) * qty for _, qty, price in lines), Decimal(0))
    opp = org.insert(
        "Opportunity",
        {
            "AccountId": ids["accounts"][customer],
            "Name": name,
            "StageName": stage,
            "CloseDate": day,
            "Amount": float(total),
            "OwnerId": ids["users"][owner],
            "CurrencyIsoCode": "CNY",
        },
    )
    _insert_lines(org, ids, "OpportunityLineItem", {"OpportunityId": opp["Id"]}, lines, numbered=True)
    return str(opp["Id"])


def _insert_lines(
    org: Any,
    ids: dict[str, Any],
    sobject: str,
    parent: dict[str, Any],
    lines: list[tuple[str, int, str]],
    numbered: bool = False,
) -> None:
    """One line record per (sku, quantity, unit price) under ``parent`` (SortOrder 1.. when ``numbered``)."""
    for n, (sku, qty, price) in enumerate(lines, start=1):
        row = {**parent, "Product2Id": ids["products"][sku], "Quantity": float(qty), "UnitPrice": float(price)}
        org.insert(sobject, {**row, "SortOrder": n} if numbered else row)


def add_payment(store: Any, number: str, customer: str, amount: str, day: dt.date, invoice: str | None = None) -> None:
    """A payment received in the DRP; with ``invoice`` that invoice's open amount goes down by it."""
    store.put(
        "payments",
        {
            "paymentNo": number,
            "customerCode": customer,
            "paymentDate": day,
            "amount": Decimal(amount),
            "memo": invoice or "",
        },
    )
    if invoice:
        inv = store.get("invoices", invoice)
        inv["openAmount"] = max(Decimal(0), inv["openAmount"] - Decimal(amount))
