"""Seed a migrated django-crm database with the CRM slice of the world; runs inside the django-crm venv.

Usage (the harness calls it): ``python seed_djangocrm.py WORLD.json OUT.json`` with
``DJANGO_SETTINGS_MODULE`` pointing at the harness's settings module. It creates the admin user,
the organisation, an ADMIN profile and a personal access token (there is no password login over
the API), two custom fields on accounts (``tax_id``, ``erp_code``), then accounts, contacts, leads,
opportunities and invoices through the ORM. OUT.json receives the token and the counts.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal


def main(world_path: str, out_path: str) -> None:
    import django

    django.setup()
    from accounts.models import Account
    from common.models import CustomFieldDefinition, Org, PersonalAccessToken, Profile, User
    from contacts.models import Contact
    from invoices.models import Invoice, InvoiceLineItem
    from leads.models import Lead
    from opportunity.models import DealPipeline, Opportunity

    world = json.load(open(world_path, encoding="utf-8"))
    crm = world["djangocrm"]
    as_of = date.fromisoformat(world["as_of"])

    user = User.objects.create_user(email="hub-admin@channelco.example.cn", password="unused-in-api")
    org = Org.objects.create(name="ChannelCo Sales", default_currency="CNY")
    profile = Profile.objects.create(user=user, org=org, role="ADMIN", is_active=True, is_organization_admin=True)
    raw_token, _pat = PersonalAccessToken.generate(profile=profile, name="channelhub")
    for key, label in (("tax_id", "Tax ID"), ("erp_code", "ERP Customer Code")):
        CustomFieldDefinition.objects.create(
            org=org, target_model="Account", key=key, label=label, field_type="text", is_filterable=True
        )
    DealPipeline.default_for(org)

    counts = {"accounts": 0, "contacts": 0, "leads": 0, "opportunities": 0, "invoices": 0}
    for n, acc in enumerate(crm["accounts"]):
        custom = {k: acc[k] for k in ("tax_id", "erp_code") if acc.get(k)}
        account = Account.objects.create(
            org=org,
            name=acc["name"],
            email=acc["email"],
            phone=acc["phone"],
            website=acc["website"],
            address_line=acc["address_line"],
            city=acc["city"],
            state=acc["state"],
            postcode=acc["postcode"],
            country="CN",
            currency="CNY",
            custom_fields=custom,
        )
        account.assigned_to.add(profile)
        counts["accounts"] += 1
        first_contact = None
        for c in acc["contacts"]:
            contact = Contact.objects.create(
                org=org,
                account=account,
                first_name=c["first_name"],
                last_name=c["last_name"],
                email=c["email"],
                phone=c["phone"],
                title=c["title"],
                organization=acc["name"].strip(),
                city=acc["city"],
                country="CN",
            )
            account.contacts.add(contact)
            first_contact = first_contact or contact
            counts["contacts"] += 1
        for deal in acc["opportunities"]:
            Opportunity.objects.create(
                org=org,
                account=account,
                name=deal["name"],
                stage=deal["stage"],
                amount=Decimal(deal["amount"]),
                currency="CNY",
                closed_on=date.fromisoformat(deal["close_date"]),
            )
            counts["opportunities"] += 1
        inv = acc.get("invoice")
        if inv and first_contact is not None:
            invoice = Invoice(
                org=org,
                invoice_title=f"Invoice for {acc['name'].strip()}",
                invoice_number=f"CRM-INV-{n + 1:04d}",
                status=inv["status"],
                account=account,
                contact=first_contact,
                client_name=f"{first_contact.first_name} {first_contact.last_name}",
                client_email=first_contact.email or "",
                currency="CNY",
                issue_date=as_of,
            )
            invoice.save()
            InvoiceLineItem.objects.create(
                org=org,
                invoice=invoice,
                name="Goods",
                quantity=Decimal("1"),
                unit_price=Decimal(inv["amount"]),
                order=0,
            )
            invoice.recalculate_totals()
            invoice.save()
            counts["invoices"] += 1
    for lead in crm["leads"]:
        Lead.objects.create(
            org=org,
            first_name=lead["first_name"],
            last_name=lead["last_name"],
            company_name=lead["company_name"],
            email=lead["email"],
            phone=lead["phone"],
            city=lead["city"],
            status="assigned",
        )
        counts["leads"] += 1
    json.dump({"token": raw_token, "org_id": str(org.id), "counts": counts}, open(out_path, "w"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
