"""The canonical model's vocabulary: entity names, their fields and field types.

Mapping rules target these names; the store's ORM models (``hub.store.models``) carry the same
fields as columns; reconciliation and push rules refer to them. Keep the three in step: a test
checks that every field here is a column of the entity's model.

Every canonical record also has ``system`` (the source system name) and ``external_id`` (its id
there). References to other records (``*_ref``) hold the *other record's external id in the same
system*; for golden records they hold canonical ids.
"""

from __future__ import annotations

from typing import Final

# field types: str, text, decimal, int, float, date, datetime, bool
ENTITIES: Final[dict[str, dict[str, str]]] = {
    "party": {
        "name": "str",
        "channel_level": "str",  # hq | branch | distributor | agent | chain_store | customer
        "parent_ref": "str",
        "tax_id": "str",  # unified social credit code / tax number
        "erp_code": "str",  # the DRP customer code as held by another system (CRM), may be stale
        "edi_id": "str",  # EDI partner id (N1*..*91/92)
        "province": "str",
        "city": "str",
        "address": "str",
        "postal_code": "str",
        "country": "str",
        "phone": "str",
        "email": "str",
        "website": "str",
        "owner_ref": "str",  # salesperson external id
        "credit_limit": "decimal",
        "currency": "str",
        "created_at": "datetime",
        "updated_at": "datetime",
    },
    "contact": {
        "party_ref": "str",
        "first_name": "str",
        "last_name": "str",
        "email": "str",
        "phone": "str",
        "title": "str",
        "updated_at": "datetime",
    },
    "person": {  # a natural person: CRM contact, DRP contact person, salesperson, registry entry
        "given_name": "str",
        "family_name": "str",
        "full_name": "str",  # when the source does not split it
        "birth_date": "str",  # as delivered (dirty dates are still compared: transposed, one digit off)
        "national_id": "str",
        "email": "str",
        "phone": "str",
        "street_number": "str",
        "address_line1": "str",
        "address_line2": "str",
        "city": "str",  # suburb, town or city
        "postal_code": "str",
        "state": "str",
        "country": "str",
        "party_ref": "str",  # the organisation the person belongs to (party external id)
        "title": "str",
        "employee_code": "str",  # a salesperson's staff number (DRP 业务员编码)
        "team": "str",  # a salesperson's sales team
        "updated_at": "datetime",
    },
    "salesperson": {
        "name": "str",
        "email": "str",
        "team": "str",
        "employee_code": "str",
        "commission_rate": "decimal",
        "active": "bool",
        "updated_at": "datetime",
    },
    "product": {
        "sku": "str",
        "name": "str",
        "spec": "str",
        "unit": "str",
        "family": "str",
        "list_price": "decimal",
        "active": "bool",
        "updated_at": "datetime",
    },
    "location": {
        "name": "str",
        "kind": "str",  # central | branch | consignment | store
        "owner_ref": "str",  # party external id for consignment warehouses
        "updated_at": "datetime",
    },
    "inventory": {  # external_id: "<location_ref>|<sku>|<as_of>"
        "location_ref": "str",
        "party_ref": "str",  # reporting party (EDI 846 N1*DS) when the location is the party
        "sku": "str",
        "as_of": "date",
        "on_hand": "decimal",
        "reserved": "decimal",
        "in_transit": "decimal",
        "report_ref": "str",  # EDI BIA reference or file
    },
    "sales_order": {
        "party_ref": "str",
        "order_number": "str",
        "order_date": "date",
        "status": "str",  # canonical: draft | approved | shipped | completed | cancelled
        "source_status": "str",  # the system's own status text
        "amount": "decimal",
        "currency": "str",
        "source_ref": "str",  # DRP 来源单号 / EDI PO number
        "erp_order_no": "str",  # CRM's reference to the DRP order
        "opportunity_ref": "str",
        "ship_to": "str",
        "updated_at": "datetime",
    },
    "order_line": {  # external_id: "<order_ref>|<line_no>"
        "order_ref": "str",
        "line_no": "int",
        "product_ref": "str",
        "sku": "str",
        "quantity": "decimal",
        "unit_price": "decimal",
        "amount": "decimal",
    },
    "invoice": {
        "order_ref": "str",
        "party_ref": "str",
        "invoice_date": "date",
        "due_date": "date",
        "amount": "decimal",
        "open_amount": "decimal",
        "currency": "str",
        "status": "str",
        "updated_at": "datetime",
    },
    "invoice_line": {  # external_id: "<invoice_ref>|<line_no>"
        "invoice_ref": "str",
        "order_ref": "str",  # the order the invoiced line belongs to, when the source names it
        "line_no": "int",
        "product_ref": "str",
        "sku": "str",
        "quantity": "decimal",
        "unit_price": "decimal",
        "amount": "decimal",
    },
    "fulfilment_line": {  # a partner's EDI 855 / 856 / 810 line; external_id: "<kind>|<source line id>"
        "kind": "str",  # ack (855) | ship (856) | invoice (810)
        "order_ref": "str",  # the purchase order (850 PO number) the line answers
        "document_ref": "str",  # the acknowledgement, shipment (ASN) or invoice number
        "line_no": "int",
        "sku": "str",
        "quantity": "decimal",
        "unit_price": "decimal",
    },
    "payment": {
        "party_ref": "str",
        "payment_date": "date",
        "amount": "decimal",
        "currency": "str",
        "memo": "text",
        "trace": "str",  # EDI 820 TRN trace number
        "updated_at": "datetime",
    },
    "remittance_line": {  # EDI 820 RMR; external_id: "<trace>|<n>"
        "trace": "str",
        "party_ref": "str",
        "payment_date": "date",
        "payment_amount": "decimal",
        "invoice_ref": "str",
        "paid_amount": "decimal",
        "invoice_amount": "decimal",
    },
    "opportunity": {
        "party_ref": "str",
        "name": "str",
        "stage": "str",
        "amount": "decimal",
        "close_date": "date",
        "owner_ref": "str",
        "currency": "str",
        "updated_at": "datetime",
    },
}

FIELD_TYPES: Final = frozenset({"str", "text", "decimal", "int", "float", "date", "datetime", "bool"})

#: canonical channel levels, top to bottom
CHANNEL_LEVELS: Final = ("hq", "branch", "distributor", "agent", "chain_store", "customer")

#: canonical order statuses
ORDER_STATUSES: Final = ("draft", "approved", "shipped", "completed", "cancelled")


#: reference field -> the entity it points at (golden records translate them to its canonical ids)
REF_ENTITY: Final[dict[str, str]] = {
    "party_ref": "party",
    "parent_ref": "party",
    "owner_ref": "salesperson",
    "order_ref": "sales_order",
    "product_ref": "product",
    "opportunity_ref": "opportunity",
}


def fields_of(entity: str) -> dict[str, str]:
    """Field name -> type for ``entity`` (KeyError names the known entities)."""
    try:
        return ENTITIES[entity]
    except KeyError:
        raise KeyError(f"unknown entity {entity!r}; known: {', '.join(sorted(ENTITIES))}") from None
