"""The in-memory org of the Salesforce test server: object schemas, typed records, ids, seeding.

Records are dicts of typed Python values (str, bool, float, date, aware datetime, None).
Deletes are soft (``IsDeleted``), as in the recycle bin, so ``queryAll`` still sees them.
Seed from a ChannelCo ``crm/`` folder with :func:`seed_from_channelco` or synthesise Accounts
with :meth:`Org.seed_accounts`.
"""

from __future__ import annotations

import csv
import datetime as dt
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from testkit.servers.salesforce.soql import parse_datetime

__all__ = ["Org", "OBJECTS", "seed_from_channelco", "sf_id", "to_json_value", "to_csv_value", "from_text"]

_SYSTEM = {
    "Id": "id",
    "IsDeleted": "boolean",
    "CreatedDate": "datetime",
    "LastModifiedDate": "datetime",
    "SystemModstamp": "datetime",
}

#: object → (key prefix, {field: type}, external-id fields)
OBJECTS: dict[str, tuple[str, dict[str, str], tuple[str, ...]]] = {
    "User": (
        "005",
        {
            "Name": "string",
            "Email": "email",
            "Department": "string",
            "IsActive": "boolean",
            "EmployeeNumber__c": "string",
        },
        ("EmployeeNumber__c",),
    ),
    "Account": (
        "001",
        {
            "Name": "string",
            "Type": "picklist",
            "ParentId": "reference",
            "BillingStreet": "textarea",
            "BillingCity": "string",
            "BillingState": "string",
            "BillingPostalCode": "string",
            "BillingCountry": "string",
            "Phone": "phone",
            "Website": "url",
            "OwnerId": "reference",
            "Tax_ID__c": "string",
            "ERP_Customer_Code__c": "string",
        },
        ("ERP_Customer_Code__c",),
    ),
    "Contact": (
        "003",
        {
            "AccountId": "reference",
            "FirstName": "string",
            "LastName": "string",
            "Email": "email",
            "Phone": "phone",
            "Title": "string",
        },
        (),
    ),
    "Product2": ("01t", {"Name": "string", "ProductCode": "string", "Family": "picklist", "IsActive": "boolean"}, ()),
    "Opportunity": (
        "006",
        {
            "AccountId": "reference",
            "Name": "string",
            "StageName": "picklist",
            "Amount": "currency",
            "CloseDate": "date",
            "OwnerId": "reference",
            "CurrencyIsoCode": "picklist",
        },
        (),
    ),
    "Order": (
        "801",
        {
            "AccountId": "reference",
            "OpportunityId": "reference",
            "OrderNumber": "string",
            "EffectiveDate": "date",
            "Status": "picklist",
            "TotalAmount": "currency",
            "ERP_Order_No__c": "string",
        },
        ("ERP_Order_No__c",),
    ),
    "OrderItem": (
        "802",
        {"OrderId": "reference", "Product2Id": "reference", "Quantity": "double", "UnitPrice": "currency"},
        (),
    ),
    "OpportunityLineItem": (
        "00k",
        {
            "OpportunityId": "reference",
            "Product2Id": "reference",
            "Quantity": "double",
            "UnitPrice": "currency",
            "SortOrder": "int",
        },
        (),
    ),
}
_REQUIRED = {
    "Account": ("Name",),
    "Contact": ("LastName",),
    "Product2": ("Name",),
    "User": ("Name",),
    "Opportunity": ("Name",),
    "Order": ("AccountId",),
    "OrderItem": ("OrderId",),
    "OpportunityLineItem": ("OpportunityId",),
}
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def sf_id(prefix: str, number: int) -> str:
    """An 18-character Salesforce id with a valid case-checksum suffix."""
    body = ""
    n = number
    for _ in range(9):
        body = _B62[n % 62] + body
        n //= 62
    base = f"{prefix}5g0{body}"[:15]
    return base + checksum(base)


def checksum(base15: str) -> str:
    """The 3-character case-safe suffix of a 15-character Salesforce id."""
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << i for i, c in enumerate(base15[chunk * 5 : chunk * 5 + 5]) if "A" <= c <= "Z")
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return suffix


def to_json_value(value: Any, ftype: str) -> Any:
    """REST JSON form: datetimes as ``2026-01-01T00:00:00.000+0000``, dates ISO."""
    if value is None:
        return None
    if ftype == "datetime":
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"
    if ftype == "date":
        return value.isoformat()
    return value


def to_csv_value(value: Any, ftype: str) -> str:
    """Bulk API CSV form: datetimes with ``Z``, booleans lower-case, null as empty."""
    if value is None:
        return ""
    if ftype == "datetime":
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if ftype == "boolean":
        return "true" if value else "false"
    if ftype == "date":
        return value.isoformat()
    if isinstance(value, float) and value == int(value) and ftype != "double":
        return f"{value:.1f}"
    return str(value)


def from_text(value: Any, ftype: str) -> Any:
    """A JSON or CSV value coerced to the field's type; raises ValueError when it does not fit."""
    if value is None or value == "":
        return None
    if ftype == "boolean":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise ValueError(f"'{value}' is not a valid value for the type xsd:boolean")
    if ftype in ("double", "currency", "percent", "int"):
        if isinstance(value, bool):
            raise ValueError(f"'{value}' is not a valid number")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"'{value}' is not a valid value for the type xsd:double") from None
    if ftype == "date":
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    if ftype == "datetime":
        return value if isinstance(value, dt.datetime) else parse_datetime(str(value))
    if not isinstance(value, str):
        raise ValueError(f"'{value}' is not a valid value for a text field")
    return value


class Org:
    """All objects and records of one fake org. Thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.schema: dict[str, dict[str, dict[str, Any]]] = {}
        self.prefixes: dict[str, str] = {}
        self.external_ids: dict[str, tuple[str, ...]] = {}
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        self._counter = 0
        self._clock = EPOCH
        for name, (prefix, fields, ext) in OBJECTS.items():
            self.add_object(name, prefix, fields, ext)

    def add_object(self, name: str, prefix: str, fields: dict[str, str], external_ids: Iterable[str] = ()) -> None:
        cols = {f: {"type": t} for f, t in {**_SYSTEM, **fields}.items()}
        for ext in external_ids:
            cols[ext]["externalId"] = True
        self.schema[name] = cols
        self.prefixes[name] = prefix
        self.external_ids[name] = tuple(external_ids)
        self.records.setdefault(name, {})

    def now(self) -> dt.datetime:
        """A strictly increasing server clock (one millisecond per change) in UTC."""
        with self.lock:
            real = dt.datetime.now(dt.UTC)
            real = real.replace(microsecond=real.microsecond // 1000 * 1000)
            self._clock = max(real, self._clock + dt.timedelta(milliseconds=1))
            return self._clock

    def new_id(self, obj: str) -> str:
        with self.lock:
            self._counter += 1
            return sf_id(self.prefixes[obj], self._counter)

    def coerce(self, obj: str, data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        """Typed values for a write; raises KeyError (unknown field) or ValueError (bad value)."""
        fields = self.schema[obj]
        out: dict[str, Any] = {}
        for name, value in data.items():
            if name == "attributes":
                continue
            match = next((f for f in fields if f.lower() == name.lower()), None)
            if match is None:
                raise KeyError(name)
            if match in _SYSTEM:
                raise PermissionError(match)
            out[match] = from_text(value, fields[match]["type"])
        if creating:
            missing = [f for f in _REQUIRED.get(obj, ()) if out.get(f) in (None, "")]
            if missing:
                raise LookupError(missing)
        return out

    def insert(
        self, obj: str, values: dict[str, Any], *, record_id: str | None = None, stamp: dt.datetime | None = None
    ) -> dict[str, Any]:
        with self.lock:
            now = stamp or self.now()
            row = {f: None for f in self.schema[obj]}
            row.update(values)
            row.update({"Id": record_id or self.new_id(obj), "IsDeleted": False})
            for f in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
                row[f] = row.get(f) or now
            self.records[obj][row["Id"]] = row
            self._clock = max(self._clock, row["SystemModstamp"])
            return row

    def update(self, obj: str, record_id: str, values: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            row = self.records[obj][record_id]
            row.update(values)
            row["LastModifiedDate"] = row["SystemModstamp"] = self.now()
            return row

    def delete(self, obj: str, record_id: str) -> None:
        with self.lock:
            row = self.records[obj][record_id]
            row["IsDeleted"] = True
            row["SystemModstamp"] = self.now()

    def find(self, obj: str, record_id: str, include_deleted: bool = False) -> dict[str, Any] | None:
        row = self.records.get(obj, {}).get(record_id)
        return row if row is not None and (include_deleted or not row["IsDeleted"]) else None

    def by_external_id(self, obj: str, field: str, value: Any) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.records[obj].values() if not r["IsDeleted"] and r.get(field) == value]

    def seed_accounts(self, count: int, *, start: int = 0) -> None:
        """Add ``count`` synthetic Accounts (deterministic names/codes), for tests and the benchmark."""
        cities = ["Shanghai", "Beijing", "Guangzhou", "Chengdu", "Wuhan", "Hangzhou"]
        types = ["Distributor", "Agent", "Chain Store", "Customer"]
        with self.lock:
            for i in range(start, start + count):
                stamp = EPOCH + dt.timedelta(seconds=i)
                self.insert(
                    "Account",
                    {
                        "Name": f"Account {i:06d}",
                        "Type": types[i % 4],
                        "BillingCity": cities[i % 6],
                        "BillingCountry": "CN",
                        "Phone": f"+86 21 {5550000 + i}",
                        "ERP_Customer_Code__c": f"C{i:06d}" if i % 3 == 0 else None,
                        "CreatedDate": stamp,
                        "LastModifiedDate": stamp,
                        "SystemModstamp": stamp,
                    },
                    stamp=stamp,
                )


def seed_from_channelco(org: Org, crm_dir: str | Path) -> dict[str, int]:
    """Load every ``<Object>.csv`` of a ChannelCo ``crm/`` folder; returns rows per object.

    Columns the schema does not know become text fields of that object. Values are typed per
    field; a value that does not fit raises ValueError naming file, line and column.
    """
    counts: dict[str, int] = {}
    crm = Path(crm_dir)
    if not crm.is_dir():
        raise FileNotFoundError(f"not a folder: {crm}")
    for path in sorted(crm.glob("*.csv")):
        obj = path.stem
        if obj not in org.schema:
            org.add_object(obj, "a0" + str(len(org.schema) % 10), {})
        fields = org.schema[obj]
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            for column in reader.fieldnames or []:
                if column not in fields:
                    fields[column] = {"type": "string"}
            n = 0
            for line, row in enumerate(reader, start=2):
                values: dict[str, Any] = {}
                for column, raw in row.items():
                    try:
                        values[column] = from_text(raw, fields[column]["type"])
                    except ValueError as exc:
                        raise ValueError(f"{path}:{line}: column {column}: {exc}") from None
                record_id = values.pop("Id", None)
                stamp = values.get("SystemModstamp") or values.get("LastModifiedDate")
                org.insert(obj, values, record_id=record_id, stamp=stamp or EPOCH)
                n += 1
        counts[obj] = n
    return counts
