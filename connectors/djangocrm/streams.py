"""django-crm endpoints and the one adapter for their response shapes, record flattening and write bodies.

Each list endpoint wraps its rows differently (``active_accounts.open_accounts`` plus
``closed_accounts.close_accounts``, ``results``, ``open_leads.open_leads`` plus
``close_leads.close_leads``, ``opportunities``); :func:`extract_rows` knows them all and raises a
ParseError naming the endpoint and the missing path when a shape changes. Rows flatten to scalars:
a nested ``{id, name}`` object ``x`` becomes ``x_id``/``x_name``, a list of such objects becomes
``x_ids``, ``custom_fields`` become ``cf_<key>``; other nested lists/objects are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.errors import MappingError, ParseError

Row = dict[str, Any]


@dataclass(frozen=True)
class Endpoint:
    """One list endpoint: its path, where its row lists sit, and whether rows carry ``updated_at``."""

    stream: str
    path: str
    lists: tuple[str, ...]
    #: the list rows carry updated_at (contacts, leads); the others have none and are read in full
    has_updated_at: bool
    writable: tuple[str, ...] = ()
    description: str = ""
    #: where the record sits in the detail reply (``/<path><id>/``), when the list rows leave fields out and
    #: every row is read again in full
    detail: str | None = None


ENDPOINTS: dict[str, Endpoint] = {
    e.stream: e
    for e in (
        Endpoint(
            "accounts",
            "/api/accounts/",
            ("active_accounts.open_accounts", "closed_accounts.close_accounts"),
            False,
            ("create", "update"),
            "accounts (active and closed); no updated_at in the API: read in full",
        ),
        Endpoint(
            "contacts",
            "/api/contacts/",
            ("results",),
            True,
            ("create", "update"),
            "contacts, incremental on updated_at",
        ),
        Endpoint(
            "leads",
            "/api/leads/",
            ("open_leads.open_leads", "close_leads.close_leads"),
            True,
            (),
            "open and closed leads (converted leads are not listed), incremental on updated_at",
        ),
        Endpoint(
            "opportunities",
            "/api/opportunities/",
            ("opportunities",),
            False,
            ("update",),
            "deals; no updated_at in the API: read in full",
        ),
        Endpoint(
            "invoices", "/api/invoices/", ("results",), False, (), "invoices; no updated_at in the list: read in full"
        ),
        Endpoint(
            "tasks",
            "/api/tasks/",
            ("tasks",),
            False,
            ("create", "update"),
            "tasks; the list omits custom fields, so each task is read from its detail (read in full)",
            detail="task_obj",
        ),
    )  # fmt: skip
}

#: the flat fields mapping YAML can rely on per stream (others the API returns pass through too)
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "accounts": ("id", "name", "email", "phone", "website", "industry", "currency", "address_line", "city", "state",
                 "postcode", "country", "is_active", "cf_tax_id", "cf_erp_code", "assigned_to_ids", "created_at"),
    "contacts": ("id", "first_name", "last_name", "email", "phone", "phone_e164", "organization", "title", "city",
                 "country", "account", "account_detail_id", "account_detail_name", "is_active", "created_at", "updated_at"),
    "leads": ("id", "first_name", "last_name", "company_name", "email", "phone", "status", "city", "country",
              "opportunity_amount", "currency", "created_at", "updated_at"),
    "opportunities": ("id", "name", "account_id", "account_name", "stage", "stage_label", "stage_kind", "currency",
                      "amount", "probability", "closed_on", "is_active", "created_at", "stage_changed_at"),
    "tasks": ("id", "title", "status", "priority", "due_date", "description", "account_id", "account_name",
              "assigned_to_ids", "created_at"),
    "invoices": ("id", "invoice_number", "invoice_title", "status", "account", "account_name", "contact", "contact_name",
                 "issue_date", "due_date", "total_amount", "amount_due", "amount_paid", "currency", "is_overdue", "created_at"),
}  # fmt: skip


def _at(body: Any, path: str) -> Any:
    node = body
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def extract_rows(stream: str, body: Any) -> list[list[Row]]:
    """The row lists of one page of ``stream`` (one list per wrapper path), or a ParseError."""
    endpoint = ENDPOINTS[stream]
    out = []
    for path in endpoint.lists:
        rows = _at(body, path)
        if not isinstance(rows, list):
            raise ParseError(f"{endpoint.path}: response has no list at {path!r}", stream=stream, field=path)
        out.append(rows)
    return out


def _label(obj: Row) -> Any:
    for key in ("name", "email", "user__email", "title"):
        if key in obj:
            return obj[key]
    details = obj.get("user_details")
    return details.get("email") if isinstance(details, dict) else None


def flatten(stream: str, row: Row) -> Row:
    """A flat record from one API row (see the module docstring for the rules)."""
    if not isinstance(row, dict) or "id" not in row:
        raise ParseError(f"{ENDPOINTS[stream].path}: row without id", stream=stream)
    out: Row = {}
    for key, value in row.items():
        if key == "custom_fields" and isinstance(value, dict):
            out.update({f"cf_{k}": v for k, v in value.items()})
        elif isinstance(value, dict):
            if "id" in value:
                out[f"{key}_id"] = value["id"]
                out[f"{key}_name"] = _label(value)
        elif isinstance(value, list):
            if all(isinstance(v, dict) and "id" in v for v in value):
                out[f"{key}_ids"] = [v["id"] for v in value]
            elif all(not isinstance(v, (dict, list)) for v in value):
                out[key] = value
        else:
            out[key] = value
    return out


# -- writes ---------------------------------------------------------------------------------
ACCOUNT_FIELDS = ("name", "email", "phone", "website", "industry", "currency", "address_line", "city", "state",
                  "postcode", "country", "description")  # fmt: skip
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "organization", "title", "department", "address_line",
                  "city", "state", "postcode", "country", "description", "account")  # fmt: skip
OPPORTUNITY_FIELDS = ("name", "stage", "amount", "currency", "probability", "closed_on", "description")
TASK_FIELDS = ("title", "status", "priority", "due_date", "description", "account", "assigned_to")
TASK_STATUSES = ("New", "In Progress", "Completed")
TASK_PRIORITIES = ("Low", "Medium", "High")


def account_body(data: Row, *, create: bool) -> Row:
    """POST/PATCH body for an account; ``cf_<key>`` fields go to ``custom_fields``."""
    if create and not data.get("name"):
        raise MappingError("an account needs a name", field="name")
    body: Row = {k: data[k] for k in ACCOUNT_FIELDS if k in data and data[k] is not None}
    custom = {k[3:]: v for k, v in data.items() if k.startswith("cf_") and v is not None}
    if custom:
        body["custom_fields"] = custom
    return body


def contact_body(data: Row, *, create: bool) -> Row:
    """POST/PATCH body for a contact (``account`` is the account id)."""
    missing = [k for k in ("first_name", "last_name") if create and not data.get(k)]
    if missing:
        raise MappingError(f"a contact needs {' and '.join(missing)}", field=missing[0])
    return {k: data[k] for k in CONTACT_FIELDS if k in data and data[k] is not None}


def opportunity_body(data: Row) -> Row:
    """PATCH body for an opportunity update (stage, amount, close date, ...)."""
    body = {
        k: (str(data[k]) if k == "amount" else data[k]) for k in OPPORTUNITY_FIELDS if k in data and data[k] is not None
    }
    if not body:
        raise MappingError(f"nothing to update; writable fields: {', '.join(OPPORTUNITY_FIELDS)}", field="data")
    return body


def task_body(data: Row, *, create: bool) -> Row:
    """POST/PATCH body for a task (``account``: the account id, ``assigned_to``: profile ids, ``cf_<key>``: custom
    fields); status and priority must be django-crm's own values."""
    if create and not data.get("title"):
        raise MappingError("a task needs a title", field="title")
    for name, allowed in (("status", TASK_STATUSES), ("priority", TASK_PRIORITIES)):
        if data.get(name) is not None and data[name] not in allowed:
            raise MappingError(f"task {name} {data[name]!r} is not one of {', '.join(allowed)}", field=name)
    body: Row = {k: data[k] for k in TASK_FIELDS if k in data and data[k] is not None}
    if isinstance(body.get("assigned_to"), str):
        body["assigned_to"] = [body["assigned_to"]]
    custom = {k[3:]: v for k, v in data.items() if k.startswith("cf_") and v is not None}
    if custom:
        body["custom_fields"] = custom
    if not body:
        raise MappingError(f"nothing to write; task fields: {', '.join(TASK_FIELDS)}, cf_<key>", field="data")
    return body
