"""In-memory DRP data for the SOAP test server: typed records, CSV seeding, queries and writes."""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from hub.errors import ConfigError
from testkit.servers.drpsoap.schema import ENTITIES, Entity, Field

__all__ = ["DrpStore", "parse_value", "format_value", "BusinessFault"]

CSV_ENCODING = "gb18030"
ORDER_STATUSES = ("已审核", "已发货", "已完成", "已关闭")


class BusinessFault(Exception):
    """A request the DRP refuses; becomes a soap:Client fault with a DRP code."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def parse_value(f: Field, text: str | None) -> Any:
    """CSV or XML text to the typed value of ``f``; '' and None mean absent. ValueError if bad."""
    if text is None or text == "":
        return None
    if f.kind == "str":
        return text
    if f.kind == "decimal":
        try:
            value = Decimal(text.strip())
        except InvalidOperation:
            raise ValueError(f"not a decimal: {text!r}") from None
        if not value.is_finite():
            raise ValueError(f"not a finite decimal: {text!r}")
        return value
    if f.kind == "int":
        return int(text.strip())
    if f.kind == "date":
        raw = text.strip()
        for fmt in ("%Y-%m-%d", "%Y/%m/%d"):
            try:
                return datetime.strptime(raw, fmt).date()
            except ValueError:
                pass
        raise ValueError(f"not a date: {text!r}")
    if f.kind == "datetime":
        raw = text.strip()
        try:
            return datetime.strptime(raw, "%Y/%m/%d %H:%M:%S")
        except ValueError:
            pass
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"not a date-time: {text!r}") from None
        return naive_utc(value)
    raise ValueError(f"unknown kind {f.kind!r}")


def naive_utc(value: datetime) -> datetime:
    """The DRP keeps naive timestamps; an aware value is converted to UTC first."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def format_value(value: Any) -> str:
    """Typed value to its XML Schema lexical form."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


class DrpStore:
    """The DRP's tables in memory; every method is thread-safe."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock or _utcnow
        self._lock = threading.RLock()
        self._tables: dict[str, dict[tuple[str, ...], dict[str, Any]]] = {
            n: {} for n in ENTITIES if n != "sales_order_lines"
        }
        self._lines: dict[str, list[dict[str, Any]]] = {}
        self._sorted: dict[str, list[tuple[str, ...]]] = {}
        self._requests: dict[str, dict[str, Any]] = {}

    # -- seeding ---------------------------------------------------------------------------
    def load_dir(self, folder: str | Path) -> dict[str, int]:
        """Seed from a ChannelCo ``drp/`` folder (GB18030 CSV, Chinese headers); returns counts."""
        folder = Path(folder)
        if not folder.is_dir():
            raise ConfigError(f"DRP seed folder not found: {folder}", file=str(folder))
        counts: dict[str, int] = {}
        # orders before their lines
        for name in (
            "customers",
            "salespeople",
            "products",
            "warehouses",
            "sales_orders",
            "sales_order_lines",
            "inventory",
            "invoices",
            "payments",
        ):
            ent = ENTITIES[name]
            path = folder / ent.csv_file
            if not path.exists():
                counts[name] = 0
                continue
            n = 0
            for record in _read_csv(path, ent):
                self._put(name, record, file=str(path))
                n += 1
            counts[name] = n
        return counts

    def _put(self, name: str, record: dict[str, Any], *, file: str | None = None) -> None:
        with self._lock:
            if name == "sales_order_lines":
                order_no = record["orderNo"]
                if (order_no,) not in self._tables["sales_orders"]:
                    raise ConfigError(f"order line of unknown order {order_no}", file=file, field="订单号")
                lines = self._lines.setdefault(order_no, [])
                lines[:] = [ln for ln in lines if ln["lineNo"] != record["lineNo"]] + [record]
                lines.sort(key=lambda ln: ln["lineNo"])
                return
            ent = ENTITIES[name]
            key = tuple(str(record[k]) for k in ent.key)
            table = self._tables[name]
            if key not in table:
                self._sorted.pop(name, None)
            table[key] = record

    def put(self, name: str, record: dict[str, Any]) -> None:
        """Insert or replace one record given by element name (tests and seeding)."""
        ent = ENTITIES[name]
        missing = [k for k in ent.key if record.get(k) in (None, "")]
        if missing:
            raise ValueError(f"{name} record lacks key field(s) {missing}")
        self._put(name, dict(record))

    # -- reads ----------------------------------------------------------------------------
    def rows(self, name: str, keep: Callable[[dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
        """Records of a table in insertion (CSV) order, optionally filtered; the order is stable for paging."""
        with self._lock:
            keys = self._sorted.get(name)
            if keys is None:
                keys = list(self._tables[name])
                self._sorted[name] = keys
            table = self._tables[name]
            out = [table[k] for k in keys]
        return [r for r in out if keep(r)] if keep else out

    def get(self, name: str, *key: str) -> dict[str, Any] | None:
        with self._lock:
            return self._tables[name].get(tuple(key))

    def lines(self, order_no: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._lines.get(order_no, ()))

    def count(self, name: str) -> int:
        with self._lock:
            if name == "sales_order_lines":
                return sum(len(v) for v in self._lines.values())
            return len(self._tables[name])

    # -- writes ----------------------------------------------------------------------------
    def _replay(self, request_id: str | None, op: str) -> dict[str, Any] | None:
        if request_id:
            seen = self._requests.get(request_id)
            if seen is not None:
                if seen["op"] != op:
                    raise BusinessFault("DRP-1101", f"requestId {request_id} was used for {seen['op']}", "requestId")
                return dict(seen["result"], created=False) if "created" in seen["result"] else seen["result"]
        return None

    def create_customer(self, data: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
        """Create a customer; codes are assigned when absent. Idempotent per ``request_id``."""
        with self._lock:
            replay = self._replay(request_id, "CreateCustomer")
            if replay is not None:
                return replay
            name = (data.get("customerName") or "").strip()
            if not name:
                raise BusinessFault("DRP-1003", "customer name is required", "customerName")
            code = data.get("customerCode")
            if code and (code,) in self._tables["customers"]:
                raise BusinessFault("DRP-1001", f"customer code {code} already exists", "customerCode")
            parent = data.get("parentCode")
            if parent and (parent,) not in self._tables["customers"]:
                raise BusinessFault("DRP-1002", f"parent customer {parent} does not exist", "parentCode")
            limit = data.get("creditLimit")
            if limit is not None and limit < 0:
                raise BusinessFault("DRP-1004", "credit limit must not be negative", "creditLimit")
            if not code:
                code = self._next_code()
            record = {f.element: data.get(f.element) for f in ENTITIES["customers"].fields}
            record.update(customerCode=code, customerName=name, lastModified=self.clock())
            if record.get("currency") is None:
                record["currency"] = "CNY"
            self._put("customers", record)
            result = {"customerCode": code, "created": True, "lastModified": record["lastModified"]}
            if request_id:
                self._requests[request_id] = {"op": "CreateCustomer", "result": result}
            return result

    def _next_code(self) -> str:
        numbers = [int(k[0][1:]) for k in self._tables["customers"] if k[0][:1] == "C" and k[0][1:].isdigit()]
        return f"C{(max(numbers, default=0) + 1):06d}"

    def update_credit_limit(self, code: str, limit: Decimal, request_id: str | None = None) -> dict[str, Any]:
        """Set a customer's credit limit and touch its last-modified time."""
        with self._lock:
            replay = self._replay(request_id, "UpdateCreditLimit")
            if replay is not None:
                return replay
            if limit < 0:
                raise BusinessFault("DRP-1004", "credit limit must not be negative", "creditLimit")
            record = self._tables["customers"].get((code,))
            if record is None:
                raise BusinessFault("DRP-1005", f"customer {code} does not exist", "customerCode")
            record["creditLimit"] = limit
            record["lastModified"] = self.clock()
            result = {"customerCode": code, "creditLimit": limit, "lastModified": record["lastModified"]}
            if request_id:
                self._requests[request_id] = {"op": "UpdateCreditLimit", "result": result}
            return result

    def update_order_status(self, order_no: str, status: str, request_id: str | None = None) -> dict[str, Any]:
        """Set a sales order's status (one of the DRP's four statuses)."""
        with self._lock:
            replay = self._replay(request_id, "UpdateOrderStatus")
            if replay is not None:
                return replay
            if status not in ORDER_STATUSES:
                raise BusinessFault(
                    "DRP-1006", f"unknown order status {status!r}; allowed: {', '.join(ORDER_STATUSES)}", "status"
                )
            record = self._tables["sales_orders"].get((order_no,))
            if record is None:
                raise BusinessFault("DRP-1007", f"sales order {order_no} does not exist", "orderNo")
            record["status"] = status
            result = {"orderNo": order_no, "status": status}
            if request_id:
                self._requests[request_id] = {"op": "UpdateOrderStatus", "result": result}
            return result

    def create_sales_order(
        self, data: dict[str, Any], lines: list[dict[str, Any]], request_id: str | None = None
    ) -> dict[str, Any]:
        """Create an order (status 已审核) with its lines in one step. Idempotent per ``request_id`` and per
        ``sourceRef``: a repeat returns the first order with ``created`` false."""
        with self._lock:
            replay = self._replay(request_id, "CreateSalesOrder")
            if replay is not None:
                return replay
            source = (data.get("sourceRef") or "").strip()
            if not source:
                raise BusinessFault("DRP-1201", "sourceRef is required", "sourceRef")
            for record in self._tables["sales_orders"].values():
                if record.get("sourceRef") == source:
                    return {"orderNo": record["orderNo"], "created": False, "status": record["status"]}
            customer = data.get("customerCode")
            if not customer or (customer,) not in self._tables["customers"]:
                raise BusinessFault("DRP-1005", f"customer {customer} does not exist", "customerCode")
            if not lines:
                raise BusinessFault("DRP-1202", "an order needs at least one line", "lines")
            total = Decimal("0")
            for ln in lines:
                if (ln.get("sku"),) not in self._tables["products"]:
                    raise BusinessFault(
                        "DRP-1203", f"line {ln.get('lineNo')}: product {ln.get('sku')} does not exist", "sku"
                    )
                if ln.get("qty") is None or ln["qty"] <= 0 or ln.get("unitPrice") is None or ln["unitPrice"] < 0:
                    raise BusinessFault(
                        "DRP-1204", f"line {ln.get('lineNo')}: quantity must be > 0 and price >= 0", "qty"
                    )
                total += (ln["qty"] * ln["unitPrice"]).quantize(Decimal("0.01"))
            given = data.get("orderAmount")
            if given is not None and given != total:
                raise BusinessFault(
                    "DRP-1205", f"orderAmount {given} differs from the sum of the lines {total}", "orderAmount"
                )
            cur = self._tables["customers"][(customer,)].get("currency") or "CNY"
            if data.get("currency") not in (None, cur):
                raise BusinessFault(
                    "DRP-1206", f"currency {data['currency']} differs from the customer's {cur}", "currency"
                )
            order_date = data.get("orderDate") or self.clock().date()
            number = self._next_order_no(order_date)
            self._put(
                "sales_orders",
                {
                    "orderNo": number,
                    "customerCode": customer,
                    "orderDate": order_date,
                    "status": ORDER_STATUSES[0],
                    "orderAmount": total,
                    "sourceRef": source,
                },
            )
            for i, ln in enumerate(sorted(lines, key=lambda x: x.get("lineNo") or 0), start=1):
                self._put(
                    "sales_order_lines",
                    {
                        "orderNo": number,
                        "lineNo": ln.get("lineNo") or i,
                        "sku": ln["sku"],
                        "qty": ln["qty"],
                        "unitPrice": ln["unitPrice"],
                        "lineAmount": (ln["qty"] * ln["unitPrice"]).quantize(Decimal("0.01")),
                    },
                )
            result = {"orderNo": number, "created": True, "status": ORDER_STATUSES[0]}
            if request_id:
                self._requests[request_id] = {"op": "CreateSalesOrder", "result": result}
            return result

    def _next_order_no(self, day: date) -> str:
        prefix = f"SO{day:%y%m}"
        numbers = [
            int(k[0][len(prefix) :])
            for k in self._tables["sales_orders"]
            if k[0].startswith(prefix) and k[0][len(prefix) :].isdigit()
        ]
        return f"{prefix}{(max(numbers, default=0) + 1):06d}"

    def find_order(self, order_no: str | None = None, source_ref: str | None = None) -> dict[str, Any] | None:
        """One sales order by number or by source reference (None: no such order)."""
        with self._lock:
            if order_no:
                return self._tables["sales_orders"].get((order_no,))
            return next(
                (r for r in self._tables["sales_orders"].values() if source_ref and r.get("sourceRef") == source_ref),
                None,
            )


def _read_csv(path: Path, ent: Entity) -> Iterator[dict[str, Any]]:
    """Rows of one DRP CSV as typed records keyed by element name; ConfigError names file:line."""
    try:
        fh = path.open(encoding=CSV_ENCODING, newline="")
    except OSError as exc:
        raise ConfigError(f"cannot open DRP CSV: {exc}", file=str(path)) from exc
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            raise ConfigError(f"not GB18030 text: {exc.reason}", file=str(path), line=1) from exc
        positions = {h.strip(): i for i, h in enumerate(header)}
        missing = [f.header for f in ent.fields if f.header not in positions]
        if missing:
            raise ConfigError(f"missing column(s) {', '.join(missing)}", file=str(path), line=1)
        index = [(f, positions[f.header]) for f in ent.fields]
        lineno = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError as exc:
                raise ConfigError(f"not GB18030 text: {exc.reason}", file=str(path), line=lineno + 1) from exc
            except csv.Error as exc:
                raise ConfigError(f"CSV syntax: {exc}", file=str(path), line=reader.line_num) from exc
            lineno = reader.line_num
            if not row:
                continue
            record: dict[str, Any] = {}
            for f, i in index:
                text = row[i] if i < len(row) else ""
                try:
                    record[f.element] = parse_value(f, text)
                except ValueError as exc:
                    raise ConfigError(str(exc), file=str(path), line=lineno, field=f.header) from exc
            for k in ent.key:
                if record[k] is None:
                    raise ConfigError("key field is empty", file=str(path), line=lineno, field=ent.field(k).header)
            yield record
