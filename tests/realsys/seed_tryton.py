"""Seed an initialised Tryton database with the ERP slice of the world; runs inside the Tryton venv.

Usage (the harness calls it): ``python seed_tryton.py DB_NAME WORLD.json OUT.json`` with
``TRYTOND_DATABASE__URI``/``TRYTOND_DATABASE__PATH`` set. It works in-process through proteus
(which runs the on_change logic client-side): company in CNY, chart of accounts, fiscal year with
sequences and periods, payment term and method, products, stock at the warehouse, parties with
addresses, contact mechanisms and USCC identifiers, and sales driven to draft / quotation /
confirmed / invoiced (posted) / paid. OUT.json receives the counts.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal


def main(database: str, world_path: str, out_path: str) -> None:
    from proteus import Model, Wizard
    from proteus import config as pconfig

    config = pconfig.set_trytond(database=database)
    from trytond.modules.account.tests.tools import create_chart, create_fiscalyear, get_accounts
    from trytond.modules.account_invoice.tests.tools import create_payment_term, set_fiscalyear_invoice_sequences
    from trytond.modules.company.tests.tools import create_company, get_company
    from trytond.modules.currency.tests.tools import get_currency

    world = json.load(open(world_path, encoding="utf-8"))
    erp = world["tryton"]
    as_of = dt.date.fromisoformat(world["as_of"])

    Party = Model.get("party.party")
    cny = get_currency("CNY")
    company_party = Party(name="ChannelCo 渠道控股有限公司", code="ORG0001")
    company_party.save()
    create_company(party=company_party, currency=cny)
    company = get_company()
    create_chart(company)
    fiscalyear = set_fiscalyear_invoice_sequences(
        create_fiscalyear(company, today=(as_of - dt.timedelta(days=120), dt.date.today() + dt.timedelta(days=30)))
    )
    fiscalyear.click("create_period")
    accounts = get_accounts(company)

    Journal = Model.get("account.journal")
    PaymentMethod = Model.get("account.invoice.payment.method")
    (cash_journal,) = Journal.find([("type", "=", "cash")])
    payment_method = PaymentMethod(name="Bank transfer", journal=cash_journal)
    payment_method.credit_account = accounts["cash"]
    payment_method.debit_account = accounts["cash"]
    payment_method.save()
    payment_term = create_payment_term()
    payment_term.save()

    Category = Model.get("product.category")
    category = Category(name="Consumer goods", accounting=True)
    category.account_expense = accounts["expense"]
    category.account_revenue = accounts["revenue"]
    category.save()
    Uom = Model.get("product.uom")
    (unit,) = Uom.find([("name", "=", "Unit")])
    Template = Model.get("product.template")
    products = {}
    for p in world["products"]:
        template = Template(name=p["name_zh"], code=p["sku"], default_uom=unit, type="goods", salable=True)
        template.list_price = Decimal(p["list_price"])
        template.account_category = category
        template.save()
        products[p["sku"]] = template.products[0]

    Location = Model.get("stock.location")
    (storage,) = Location.find([("code", "=", "STO")])
    Inventory = Model.get("stock.inventory")
    inventory = Inventory(location=storage, date=as_of - dt.timedelta(days=120))
    for s in erp["stock"]:
        line = inventory.lines.new(product=products[s["sku"]])
        line.quantity = float(s["quantity"])
        line.expected_quantity = 0.0
    inventory.click("confirm")

    Country = Model.get("country.country")
    china = Country(name="China", code="CN", code3="CHN", code_numeric="156")
    china.save()
    parties = {}
    for p in erp["parties"]:
        party = Party(name=p["name"], code=p["code"])
        if p["tax_id"]:
            # Tryton names the unified social credit code "cn_vat" (validated by stdnum cn.uscc)
            party.identifiers.new(type="cn_vat", code=p["tax_id"])
        party.contact_mechanisms.new(type="phone", value=p["phone"])
        party.contact_mechanisms.new(type="email", value=p["email"])
        address = party.addresses[0] if party.addresses else party.addresses.new()
        address.street = p["street"]
        address.city = p["city"]
        address.postal_code = p["postal_code"]
        address.country = china
        party.customer_payment_term = payment_term
        party.credit_limit_amount = Decimal(p["credit_limit"])
        party.save()
        parties[p["code"]] = party

    Sale = Model.get("sale.sale")
    counts = {"parties": len(parties), "products": len(products), "sales": 0, "invoices": 0, "payments": 0}
    for s in erp["sales"]:
        sale_date = dt.date.fromisoformat(s["sale_date"])
        sale = Sale(party=parties[s["party_code"]], sale_date=sale_date, reference=s["reference"])
        sale.payment_term = payment_term
        sale.invoice_method = "order"
        sale.shipment_method = "manual"
        for ln in s["lines"]:
            line = sale.lines.new(product=products[ln["sku"]])
            line.quantity = float(ln["quantity"])
            line.unit_price = Decimal(ln["unit_price"])
        sale.save()
        counts["sales"] += 1
        if s["target"] == "draft":
            continue
        sale.click("quote")
        if s["target"] == "quotation":
            continue
        sale.click("confirm")
        if s["target"] == "confirmed":
            continue
        sale.reload()
        (invoice,) = sale.invoices
        invoice.invoice_date = sale_date + dt.timedelta(days=2)
        _click_accepting_warnings(invoice, "post", config)
        counts["invoices"] += 1
        if s["target"] != "paid":
            continue
        pay = Wizard("account.invoice.pay", [invoice])
        pay.form.payment_method = payment_method
        pay.form.date = sale_date + dt.timedelta(days=20)
        pay.execute("choice")
        counts["payments"] += 1
    json.dump(counts, open(out_path, "w"))


def _click_accepting_warnings(record, button: str, config) -> None:
    """Press a button, accepting its warnings as a user would (seeded invoices are back-dated)."""
    from proteus import Model
    from trytond.exceptions import UserWarning

    try:
        record.click(button)
    except UserWarning as warning:
        Model.get("res.user.warning")(user=config.user, name=warning.name, always=False).save()
        record.click(button)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
