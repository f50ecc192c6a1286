"""Tryton ERP connector (kind ``tryton``): JSON-RPC reads of parties, products, stock, sales, invoices, payments.

Streams and their flat record fields (key = Tryton id as a string unless noted; money as decimal
strings, dates ``YYYY-MM-DD``, ``created_at``/``updated_at`` ISO-8601 UTC; every stream but
``stock`` is incremental on ``updated_at`` = write_date, or create_date before the first write):

- ``parties`` (party.party; writable: create/update/upsert by ``code``): id, code, name, active,
  tax_id, tax_id_type (``cn_vat`` = USCC), phone, mobile, email, website, street, city,
  postal_code, country (ISO code), subdivision (first address), addresses [{address_id, street,
  city, postal_code, country, subdivision}], contact_mechanisms [{mechanism_id, type, value}], credit_limit
  and credit_amount (module account_credit_limit; None when it is not activated).
  Note: a change to an address alone does not bump the party's write_date.
- ``products`` (product.product): sku (product code), name, unit, list_price, type, active.
- ``stock`` (snapshot, key ``<location code>|<sku>``): location_id, location_code, location_name,
  product_id, sku, quantity, forecast_quantity, as_of. One row per warehouse (or per configured
  ``stock_locations`` code) and goods product with a non-zero quantity.
- ``sales`` (sale.sale; writable: create draft sales): number, reference, description, party_id,
  party_code, party_name, sale_date, state (draft/quotation/confirmed/processing/done/cancelled),
  invoice_state, shipment_state, untaxed_amount, tax_amount, total_amount, currency,
  lines [{line_id, sale_id, line_no, product_id, sku, description, quantity, unit, unit_price, amount}].
  A draft sale change: {party_code | party_id, sale_date, reference, description,
  lines: [{sku, quantity, unit_price?, description?}]}. A change with a reference is idempotent:
  when the party already has a sale (not cancelled) with that reference, that sale is returned
  (created false) instead of a second one. The order flow's ``create_format: tryton`` sends CRM
  orders this way, the CRM order number as the reference.
- ``sale_lines`` (sale.line, type line): the line fields above plus sale_number, sale_reference, sale_state.
- ``invoices`` (account.invoice, customer invoices): number, reference, type, party_id, party_code,
  invoice_date, due_date (earliest maturity), state, untaxed_amount, tax_amount, total_amount,
  amount_to_pay (open amount), currency, sale_id, sale_ids, origins.
- ``payments`` (account.move.line credit lines on receivable accounts in cash journals):
  move_number, party_id, party_code, payment_date, amount, memo, invoice_id, invoice_number,
  reconciled, journal.

Secrets: ``password`` (context secrets, else config ``password``).
"""

from __future__ import annotations

from hub.hookspecs import RegisterConnector, hookimpl


@hookimpl(trylast=True)
def register_connectors(register: RegisterConnector) -> None:
    """Register the ``tryton`` connector kind."""
    from .config import TrytonConfig
    from .connector import build

    register(
        "tryton",
        TrytonConfig,
        build,
        description="Tryton ERP over JSON-RPC (parties, products, stock, sales, invoices, payments)",
    )
