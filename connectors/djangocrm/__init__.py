"""django-crm / BottleCRM connector (kind ``djangocrm``): REST reads and writes with a personal access token.

Streams (key = the record's UUID ``id``; flat fields, see ``streams.flatten``: nested ``{id, name}``
objects become ``<field>_id``/``<field>_name``, lists of them ``<field>_ids``, custom fields
``cf_<key>``):

- ``accounts`` (writable: create, update): id, name, email, phone, website, industry, currency,
  address_line, city, state, postcode, country, is_active, cf_tax_id, cf_erp_code,
  assigned_to_ids, created_at. The API exposes no updated_at for accounts: every read is full
  and the hub's staging hash drops unchanged rows.
- ``contacts`` (writable: create, update; incremental on updated_at): id, first_name, last_name,
  email, phone, phone_e164, organization, title, city, country, account (account id),
  account_detail_id, account_detail_name, is_active, created_at, updated_at.
- ``leads`` (incremental on updated_at): id, first_name, last_name, company_name, email, phone,
  status, city, country, opportunity_amount, currency, created_at, updated_at.
- ``opportunities`` (writable: update of name, stage, amount, currency, probability, closed_on,
  description): id, name, account_id, account_name, stage, stage_label, stage_kind, currency,
  amount, probability, closed_on, is_active, created_at, stage_changed_at. Read in full.
- ``invoices``: id, invoice_number, invoice_title, status, account, account_name, contact,
  contact_name, issue_date, due_date, total_amount, amount_due, amount_paid, currency,
  is_overdue, created_at. Read in full.
- ``tasks`` (writable: create, update, upsert on a custom field): id, title, status (New, In
  Progress, Completed), priority (Low, Medium, High), due_date, description, account_id,
  account_name, assigned_to_ids, created_at, ``cf_<key>``. The list omits custom fields, so each
  task is read from its detail (one call per task; read in full). A write takes title, status,
  priority, due_date, description, account (account id), assigned_to (profile ids) and
  ``cf_<key>``; an upsert with ``match_field: cf_<key>`` updates the task carrying that value or
  creates one (the create reply names no id: the new task is found by that field). Tasks are
  matched among those of the same account and title, each one's custom field read from its
  detail (the list's cf_ filter fails on django-crm over SQLite). The key's
  custom field must be defined for Task in the org. The hub's salesperson tasks use it
  (``flows.tasks`` with ``format: djangocrm``).

Paging is limit/offset (``page_size``). Incremental streams keep ``{"updated_after": ISO}`` and
emit only rows changed after it; the cursor never passes the server time at which the read began.
Secrets: ``token`` (context secrets, else config ``token``).
"""

from __future__ import annotations

from hub.hookspecs import RegisterConnector, hookimpl


@hookimpl(trylast=True)
def register_connectors(register: RegisterConnector) -> None:
    """Register the ``djangocrm`` connector kind."""
    from .config import DjangoCrmConfig
    from .connector import build

    register(
        "djangocrm",
        DjangoCrmConfig,
        build,
        description="django-crm (BottleCRM) REST API: accounts, contacts, leads, opportunities, invoices",
    )
