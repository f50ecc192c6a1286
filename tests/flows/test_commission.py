"""Commission: paid invoices by payment date, attributed to the order's salesperson, not the account's current owner."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hub.push.commission import paid_dates, period_of
from testkit.flowseed import add_payment, crm_order


def test_commission_stays_with_the_order_owner_after_the_account_changes_hands(flow) -> None:  # type: ignore[no-untyped-def]
    oid = crm_order(flow.sf.org, flow.ids, "C900002", "00035001", [("SKU-A", 20, "100.00")], owner="S001")
    flow.run()
    number = flow.sf.org.find("Order", oid)["ERP_Order_No__c"]
    flow.drp.store.put(
        "invoices",
        {
            "invoiceNo": "INV935001",
            "orderNo": number,
            "customerCode": "C900002",
            "invoiceDate": dt.date(2026, 3, 5),
            "dueDate": dt.date(2026, 4, 4),
            "amount": Decimal("2000.00"),
            "openAmount": Decimal("2000.00"),
        },
    )
    add_payment(flow.drp.store, "PAY935001", "C900002", "2000.00", dt.date(2026, 4, 2), invoice="INV935001")
    # the account is handed over to 李娜 before the invoice is paid
    flow.sf.org.update("Account", flow.ids["accounts"]["C900002"], {"OwnerId": flow.ids["users"]["S002"]})
    detail = flow.run()["flows"]["commission"]
    assert detail["figures"] == [
        {
            "salesperson": flow.ids["users"]["S001"],
            "period": "2026-04",
            "team": "华东",
            "base": "2000.00",
            "invoices": 1,
            "commission": "60.00",
        }
    ], detail
    rows = flow.records("Commission__c")
    assert (
        len(rows) == 1 and rows[0]["Salesperson__c"] == flow.ids["users"]["S001"] and rows[0]["Commission__c"] == 60.0
    )
    assert flow.run()["flows"]["commission"].get("written") is None  # unchanged figures are not sent again


def test_paid_dates_settle_oldest_invoices_first() -> None:
    invoices = [
        {"external_id": "I1", "party_ref": "C", "invoice_date": dt.date(2026, 1, 1), "amount": 100, "open_amount": 0},
        {"external_id": "I2", "party_ref": "C", "invoice_date": dt.date(2026, 1, 5), "amount": 50, "open_amount": 0},
        {"external_id": "I3", "party_ref": "C", "invoice_date": dt.date(2026, 2, 1), "amount": 70, "open_amount": 70},
    ]
    payments = [
        {"external_id": "P1", "party_ref": "C", "payment_date": dt.date(2026, 1, 31), "amount": 80},
        {"external_id": "P2", "party_ref": "C", "payment_date": dt.date(2026, 3, 2), "amount": 70},
    ]
    assert paid_dates(invoices, payments) == {"I1": dt.date(2026, 3, 2), "I2": dt.date(2026, 3, 2)}
    assert period_of(dt.date(2026, 3, 2), "quarter") == "2026-Q1"


def _invoice_paid(flow, number: str, invoice: str, amount: str) -> None:  # type: ignore[no-untyped-def]
    flow.drp.store.put(
        "invoices",
        {
            "invoiceNo": invoice,
            "orderNo": number,
            "customerCode": "C900002",
            "invoiceDate": dt.date(2026, 3, 6),
            "dueDate": dt.date(2026, 4, 5),
            "amount": Decimal(amount),
            "openAmount": Decimal(amount),
        },
    )
    add_payment(flow.drp.store, "P" + invoice, "C900002", amount, dt.date(2026, 4, 3), invoice=invoice)


def test_commission_attribution_after_an_owner_change(flow) -> None:  # type: ignore[no-untyped-def]
    """The order itself is handed to 李娜 after it was booked, and an order naming no owner has its account handed
    over: both stay with 张伟, who sold them."""
    s1, s2 = flow.ids["users"]["S001"], flow.ids["users"]["S002"]
    named = crm_order(flow.sf.org, flow.ids, "C900002", "00035101", [("SKU-A", 10, "100.00")], owner="S001")
    unnamed = crm_order(flow.sf.org, flow.ids, "C900002", "00035102", [("SKU-B", 4, "250.00")], owner="S001")
    flow.sf.org.update("Order", unnamed, {"OwnerId": None})
    flow.run()
    _invoice_paid(flow, flow.sf.org.find("Order", named)["ERP_Order_No__c"], "INV935101", "1000.00")
    _invoice_paid(flow, flow.sf.org.find("Order", unnamed)["ERP_Order_No__c"], "INV935102", "1000.00")
    flow.sf.org.update("Order", named, {"OwnerId": s2})
    flow.sf.org.update("Account", flow.ids["accounts"]["C900002"], {"OwnerId": s2})
    figures = flow.run()["flows"]["commission"]["figures"]
    assert [(f["salesperson"], f["base"], f["invoices"]) for f in figures] == [(s1, "2000.00", 2)], figures
    # an order first seen after the hand-over is 李娜's
    later = crm_order(flow.sf.org, flow.ids, "C900002", "00035103", [("SKU-A", 5, "100.00")], owner="S002")
    flow.run()
    _invoice_paid(flow, flow.sf.org.find("Order", later)["ERP_Order_No__c"], "INV935103", "500.00")
    figures = flow.run()["flows"]["commission"]["figures"]
    assert sorted((f["salesperson"], f["base"]) for f in figures) == sorted([(s1, "2000.00"), (s2, "500.00")])


def test_report_shows_the_commission_the_push_sends_after_an_owner_change(flow) -> None:  # type: ignore[no-untyped-def]
    """The customer is handed to 李娜 in both systems after 张伟 sold the order: the report's commission per month
    credits 张伟, as the CRM's Commission__c does, with the same base, invoices and commission."""
    from hub.report.build import build_report, make_scope
    from hub.report.config import ReportConfig

    s1, s2 = flow.ids["users"]["S001"], flow.ids["users"]["S002"]
    sold = crm_order(flow.sf.org, flow.ids, "C900002", "00035201", [("SKU-A", 10, "100.00")], owner="S001")
    flow.run()
    _invoice_paid(flow, flow.sf.org.find("Order", sold)["ERP_Order_No__c"], "INV935201", "1000.00")
    flow.sf.org.update("Order", sold, {"OwnerId": s2})
    flow.sf.org.update("Account", flow.ids["accounts"]["C900002"], {"OwnerId": s2})
    customer = dict(flow.drp.store.get("customers", "C900002"))
    customer.update(salespersonCode="S002", lastModified=dt.datetime(2026, 4, 1, 9, 0, 0))
    flow.drp.store.put("customers", customer)
    pushed = flow.run()["flows"]["commission"]["figures"]
    config = ReportConfig(as_of=dt.date(2026, 4, 30))
    engine = flow.engine()
    section = build_report(engine, config, make_scope(engine, config)).section("sales")
    code_of = {user: code for code, user in flow.ids["users"].items()}
    in_crm = {
        (r["Salesperson__c"], r["Period__c"], r["Base__c"], r["Commission__c"]) for r in flow.records("Commission__c")
    }
    assert in_crm == {(s1, "2026-04", 1000.0, 30.0)}, in_crm
    assert (
        [
            (r["code"], r["period"], r["base"], r["invoices"], r["commission"])
            for r in section.table("commission_periods").records()
        ]
        == [
            (code_of[f["salesperson"]], f["period"], Decimal(f["base"]), f["invoices"], Decimal(f["commission"]))
            for f in pushed
        ]
        == [("S001", "2026-04", Decimal("1000.00"), 1, Decimal("30.00"))]
    )
    # the customer's DRP salesperson did change hands: the rest of the sales section credits 李娜
    assert {r["code"] for r in section.table("salespeople").records()} >= {"S002"}
