"""WSGI application of the DRP SOAP test server: serves the WSDL, parses envelopes safely, dispatches operations."""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from http import HTTPStatus
from importlib import resources
from typing import Any

from lxml import etree

from testkit.servers.drpsoap.auth import WSSE_NS, AuthFailure, AuthPolicy
from testkit.servers.drpsoap.faults import FaultPlan, FaultSpec
from testkit.servers.drpsoap.schema import ENTITIES, Entity, Field
from testkit.servers.drpsoap.store import BusinessFault, DrpStore, format_value, parse_value

__all__ = ["DrpApp", "RequestEntry", "NS", "SOAP11", "SERVICE_PATH", "WSDL_PATH", "XSD_PATH"]

NS = "urn:channelco:drp:soap:v1"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SERVICE_PATH = "/drp/service"
WSDL_PATH = "/drp/drp.wsdl"
XSD_PATH = "/drp/drp.xsd"
PLACEHOLDER_ADDRESS = "http://127.0.0.1:0/drp/service"
MAX_BODY = 5 * 1024 * 1024
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


@dataclass(slots=True)
class RequestEntry:
    """One request as the server saw it (tests assert on these)."""

    method: str
    path: str
    operation: str | None = None
    soap_action: str | None = None
    status: int = 0
    fault_code: str | None = None
    drp_code: str | None = None
    user: str | None = None
    auth: str | None = None
    injected: str | None = None
    seconds: float = 0.0


class _Fault(Exception):
    def __init__(
        self, code: str, string: str, drp_code: str | None = None, field: str | None = None, status: int = 500
    ):
        super().__init__(string)
        self.code, self.string, self.drp_code, self.field, self.status = code, string, drp_code, field, status


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _safe_parser() -> etree.XMLParser:
    # no entity expansion, no DTD loading, no network, bounded tree
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


@dataclass
class DrpApp:
    """The DRP web service. ``service_url`` is written into the WSDL it serves."""

    store: DrpStore
    auth: AuthPolicy | None = None
    faults: FaultPlan = field(default_factory=FaultPlan)
    service_url: str = PLACEHOLDER_ADDRESS
    log: list[RequestEntry] = field(default_factory=list)
    _log_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        pkg = resources.files("testkit.servers.drpsoap")
        self._wsdl = pkg.joinpath("drp.wsdl").read_text(encoding="utf-8")
        self._xsd = pkg.joinpath("drp.xsd").read_bytes()
        self._handlers: dict[str, Callable[[etree._Element], etree._Element]] = {
            "GetCustomers": self._get_customers,
            "GetSalespeople": lambda el: self._paged(el, "salespeople", "GetSalespeopleResponse"),
            "GetProducts": lambda el: self._paged(el, "products", "GetProductsResponse"),
            "GetWarehouses": lambda el: self._paged(el, "warehouses", "GetWarehousesResponse"),
            "GetInventory": self._get_inventory,
            "GetSalesOrders": lambda el: self._tokened(el, "sales_orders", "orderDate", "GetSalesOrdersResponse"),
            "GetInvoices": lambda el: self._tokened(el, "invoices", "invoiceDate", "GetInvoicesResponse"),
            "GetPayments": lambda el: self._tokened(el, "payments", "paymentDate", "GetPaymentsResponse"),
            "CreateCustomer": self._create_customer,
            "UpdateCreditLimit": self._update_credit_limit,
            "UpdateOrderStatus": self._update_order_status,
            "CreateSalesOrder": self._create_sales_order,
            "GetSalesOrder": self._get_sales_order,
        }

    # -- WSGI ------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        started = time.monotonic()
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        entry = RequestEntry(method=method, path=path)
        try:
            status, headers, body = self._route(environ, entry)
        finally:
            entry.seconds = time.monotonic() - started
            with self._log_lock:
                self.log.append(entry)
        entry.status = int(status.split()[0])
        start_response(status, headers + [("Content-Length", str(len(body)))])
        return [body]

    def _route(self, environ: dict[str, Any], entry: RequestEntry) -> tuple[str, list[tuple[str, str]], bytes]:
        query = environ.get("QUERY_STRING", "")
        if entry.method == "GET":
            if entry.path == WSDL_PATH or (entry.path == SERVICE_PATH and query.lower() == "wsdl"):
                text = self._wsdl.replace(PLACEHOLDER_ADDRESS, self.service_url).encode("utf-8")
                return "200 OK", [("Content-Type", "text/xml; charset=utf-8")], text
            if entry.path == XSD_PATH:
                return "200 OK", [("Content-Type", "text/xml; charset=utf-8")], self._xsd
            return "404 Not Found", [("Content-Type", "text/plain")], b"not found"
        if entry.method != "POST" or entry.path != SERVICE_PATH:
            return (
                "405 Method Not Allowed",
                [("Content-Type", "text/plain")],
                b"POST SOAP envelopes to " + SERVICE_PATH.encode(),
            )
        entry.soap_action = (environ.get("HTTP_SOAPACTION") or "").strip('"') or None
        try:
            return self._soap(environ, entry)
        except _Fault as f:
            entry.fault_code, entry.drp_code = f.code, f.drp_code
            return _status(f.status), [("Content-Type", "text/xml; charset=utf-8")], _fault_envelope(f)

    def _soap(self, environ: dict[str, Any], entry: RequestEntry) -> tuple[str, list[tuple[str, str]], bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= 0:
            raise _Fault("soap:Client", "empty request body", "DRP-0001", status=400)
        if length > MAX_BODY:
            raise _Fault("soap:Client", f"request larger than {MAX_BODY} bytes", "DRP-0002", status=413)
        body = environ["wsgi.input"].read(length)
        try:
            root = etree.fromstring(body, _safe_parser())
        except etree.XMLSyntaxError as exc:
            raise _Fault("soap:Client", f"malformed envelope: {exc}", "DRP-0003") from None
        if root.getroottree().docinfo.doctype:
            raise _Fault("soap:Client", "DTDs and entity declarations are not allowed", "DRP-0004")
        if root.tag == f"{{{SOAP12}}}Envelope":
            raise _Fault("soap:VersionMismatch", "this service speaks SOAP 1.1 only", "DRP-0005")
        if root.tag != f"{{{SOAP11}}}Envelope":
            raise _Fault("soap:Client", "root element is not a SOAP 1.1 Envelope", "DRP-0003")
        soap_body = root.find(f"{{{SOAP11}}}Body")
        payload = None if soap_body is None else next((c for c in soap_body if isinstance(c.tag, str)), None)
        if payload is None:
            raise _Fault("soap:Client", "SOAP Body is empty", "DRP-0003")
        qname = etree.QName(payload)
        entry.operation = qname.localname
        spec = self.faults.take(entry.operation)
        if spec is not None:
            entry.injected = spec.kind
            if spec.kind == "slow":
                time.sleep(spec.seconds)
            else:
                return _injected(spec, entry.operation)
        if self.auth is not None:
            try:
                entry.user, entry.auth = self.auth.check(
                    environ.get("HTTP_AUTHORIZATION"), root.find(f"{{{SOAP11}}}Header")
                )
            except AuthFailure as exc:
                if exc.http:
                    entry.fault_code = "http:401"
                    return (
                        "401 Unauthorized",
                        [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Basic realm="DRP"')],
                        str(exc).encode(),
                    )
                raise _Fault("wsse:FailedAuthentication", str(exc), "DRP-0401") from None
        handler = self._handlers.get(qname.localname) if qname.namespace == NS else None
        if handler is None:
            raise _Fault("soap:Client", f"unknown operation {{{qname.namespace}}}{qname.localname}", "DRP-0006")
        try:
            result = handler(payload)
        except BusinessFault as exc:
            raise _Fault("soap:Client", exc.message, exc.code, exc.field) from None
        return "200 OK", [("Content-Type", "text/xml; charset=utf-8")], _envelope(result)

    # -- operations --------------------------------------------------------------------------
    def _get_customers(self, el: etree._Element) -> etree._Element:
        p = _params(el, {"modifiedSince": "datetime", "page": "int", "pageSize": "int"})
        since = p.get("modifiedSince")
        keep = None if since is None else (lambda r: r.get("lastModified") is not None and r["lastModified"] >= since)
        return self._page_response("customers", "GetCustomersResponse", p, keep)

    def _paged(self, el: etree._Element, name: str, response: str) -> etree._Element:
        return self._page_response(name, response, _params(el, {"page": "int", "pageSize": "int"}), None)

    def _get_inventory(self, el: etree._Element) -> etree._Element:
        p = _params(el, {"warehouse": "str", "page": "int", "pageSize": "int"})
        wh = p.get("warehouse")
        if wh is not None and self.store.get("warehouses", wh) is None:
            raise BusinessFault("DRP-1008", f"warehouse {wh} does not exist", "warehouse")
        keep = None if wh is None else (lambda r: r["warehouseCode"] == wh)
        return self._page_response("inventory", "GetInventoryResponse", p, keep)

    def _page_response(
        self, name: str, response: str, p: dict[str, Any], keep: Callable[[dict[str, Any]], bool] | None
    ) -> etree._Element:
        page = p.get("page") or 1
        size = _page_size(p.get("pageSize"))
        if page < 1:
            raise BusinessFault("DRP-1000", "page must be >= 1", "page")
        rows = self.store.rows(name, keep)
        ent = ENTITIES[name]
        out = etree.Element(_q(response))
        etree.SubElement(out, _q("page")).text = str(page)
        etree.SubElement(out, _q("pageCount")).text = str((len(rows) + size - 1) // size)
        etree.SubElement(out, _q("totalCount")).text = str(len(rows))
        lst = etree.SubElement(out, _q(ent.list_element))
        for r in rows[(page - 1) * size : page * size]:
            _record(lst, ent, r)
        return out

    def _tokened(self, el: etree._Element, name: str, date_field: str, response: str) -> etree._Element:
        p = _params(el, {"fromDate": "date", "toDate": "date", "continuationToken": "str", "pageSize": "int"})
        lo, hi = p.get("fromDate"), p.get("toDate")
        size = _page_size(p.get("pageSize"))
        filt = [lo.isoformat() if lo else None, hi.isoformat() if hi else None]
        offset = _decode_token(p.get("continuationToken"), filt) if p.get("continuationToken") else 0

        def keep(r: dict[str, Any]) -> bool:
            d: date | None = r.get(date_field)
            if lo is None and hi is None:
                return True
            return d is not None and (lo is None or d >= lo) and (hi is None or d < hi)

        rows = self.store.rows(name, keep)
        chunk = rows[offset : offset + size]
        ent = ENTITIES[name]
        out = etree.Element(_q(response))
        if offset + size < len(rows):
            etree.SubElement(out, _q("continuationToken")).text = _encode_token(offset + size, filt)
        lst = etree.SubElement(out, _q(ent.list_element))
        for r in chunk:
            item = _record(lst, ent, r)
            if name == "sales_orders":
                lines = etree.SubElement(item, _q("lines"))
                for ln in self.store.lines(r["orderNo"]):
                    _record(lines, ENTITIES["sales_order_lines"], ln, skip=("orderNo",))
        return out

    def _create_customer(self, el: etree._Element) -> etree._Element:
        p = _params(el, {"requestId": "str", "customer": "node"})
        node = p.get("customer")
        if node is None:
            raise BusinessFault("DRP-1000", "customer element is required", "customer")
        fields = {f.element: f.kind for f in ENTITIES["customers"].fields if f.element != "lastModified"}
        data = _params(node, fields)
        res = self.store.create_customer(data, p.get("requestId"))
        return _simple(
            "CreateCustomerResponse",
            [
                ("customerCode", res["customerCode"]),
                ("created", "true" if res["created"] else "false"),
                ("lastModified", res["lastModified"]),
            ],
        )

    def _update_credit_limit(self, el: etree._Element) -> etree._Element:
        p = _params(el, {"requestId": "str", "customerCode": "str", "creditLimit": "decimal"})
        for req in ("customerCode", "creditLimit"):
            if p.get(req) is None:
                raise BusinessFault("DRP-1000", f"{req} is required", req)
        res = self.store.update_credit_limit(p["customerCode"], p["creditLimit"], p.get("requestId"))
        return _simple(
            "UpdateCreditLimitResponse", [(k, res[k]) for k in ("customerCode", "creditLimit", "lastModified")]
        )

    def _update_order_status(self, el: etree._Element) -> etree._Element:
        p = _params(el, {"requestId": "str", "orderNo": "str", "status": "str"})
        for req in ("orderNo", "status"):
            if p.get(req) is None:
                raise BusinessFault("DRP-1000", f"{req} is required", req)
        res = self.store.update_order_status(p["orderNo"], p["status"], p.get("requestId"))
        return _simple("UpdateOrderStatusResponse", [("orderNo", res["orderNo"]), ("status", res["status"])])

    def _create_sales_order(self, el: etree._Element) -> etree._Element:
        p = _params(el, {"requestId": "str", "order": "node"})
        node = p.get("order")
        if node is None:
            raise BusinessFault("DRP-1000", "order element is required", "order")
        data = _params(
            node,
            {
                "customerCode": "str",
                "orderDate": "date",
                "currency": "str",
                "orderAmount": "decimal",
                "sourceRef": "str",
                "lines": "node",
            },
        )
        lines_el = data.pop("lines", None)
        spec = {"lineNo": "int", "sku": "str", "qty": "decimal", "unitPrice": "decimal"}
        lines = [_params(ln, spec) for ln in (lines_el if lines_el is not None else []) if isinstance(ln.tag, str)]
        res = self.store.create_sales_order(data, lines, p.get("requestId"))
        return _simple(
            "CreateSalesOrderResponse",
            [
                ("orderNo", res["orderNo"]),
                ("created", "true" if res["created"] else "false"),
                ("status", res["status"]),
            ],
        )

    def _get_sales_order(self, el: etree._Element) -> etree._Element:
        p = _params(el, {"orderNo": "str", "sourceRef": "str"})
        if not (p.get("orderNo") or p.get("sourceRef")):
            raise BusinessFault("DRP-1000", "orderNo or sourceRef is required", "orderNo")
        record = self.store.find_order(p.get("orderNo"), p.get("sourceRef"))
        out = etree.Element(_q("GetSalesOrderResponse"))
        if record is not None:
            item = _record(out, ENTITIES["sales_orders"], record)
            lines = etree.SubElement(item, _q("lines"))
            for ln in self.store.lines(record["orderNo"]):
                _record(lines, ENTITIES["sales_order_lines"], ln, skip=("orderNo",))
        return out


# -- helpers --------------------------------------------------------------------------------
def _params(el: etree._Element, spec: dict[str, str]) -> dict[str, Any]:
    """Children of a request element as typed values; unknown or bad children are client faults."""
    out: dict[str, Any] = {}
    for child in el:
        if not isinstance(child.tag, str):
            continue
        q = etree.QName(child)
        kind = spec.get(q.localname) if q.namespace == NS else None
        if kind is None:
            raise BusinessFault(
                "DRP-1000", f"unexpected element {q.localname} in {etree.QName(el).localname}", q.localname
            )
        if kind == "node":
            out[q.localname] = child
            continue
        try:
            out[q.localname] = parse_value(Field(q.localname, q.localname, kind), child.text)
        except ValueError as exc:
            raise BusinessFault("DRP-1000", f"{q.localname}: {exc}", q.localname) from None
    return out


def _page_size(value: int | None) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise BusinessFault("DRP-1000", f"pageSize must be between 1 and {MAX_PAGE_SIZE}", "pageSize")
    return value


def _encode_token(offset: int, filt: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "f": filt}).encode()).decode()


def _decode_token(token: str, filt: list[Any]) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = int(data["o"])
        same = data["f"] == filt
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise BusinessFault("DRP-1100", "invalid continuation token", "continuationToken") from None
    if not same or offset < 0:
        raise BusinessFault("DRP-1100", "continuation token does not belong to this query", "continuationToken")
    return offset


def _record(parent: etree._Element, ent: Entity, record: dict[str, Any], skip: tuple[str, ...] = ()) -> etree._Element:
    item = etree.SubElement(parent, _q(ent.item_element))
    for f in ent.fields:
        value = record.get(f.element)
        if value is None or f.element in skip:
            continue
        etree.SubElement(item, _q(f.element)).text = format_value(value)
    return item


def _simple(name: str, children: list[tuple[str, Any]]) -> etree._Element:
    out = etree.Element(_q(name))
    for key, value in children:
        etree.SubElement(out, _q(key)).text = format_value(value)
    return out


def _envelope(payload: etree._Element) -> bytes:
    env = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"soap": SOAP11, "tns": NS})
    etree.SubElement(env, f"{{{SOAP11}}}Body").append(payload)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def _fault_envelope(f: _Fault) -> bytes:
    env = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"soap": SOAP11, "tns": NS, "wsse": WSSE_NS})
    fault = etree.SubElement(etree.SubElement(env, f"{{{SOAP11}}}Body"), f"{{{SOAP11}}}Fault")
    etree.SubElement(fault, "faultcode").text = f.code
    etree.SubElement(fault, "faultstring").text = f.string
    if f.drp_code:
        detail = etree.SubElement(etree.SubElement(fault, "detail"), _q("DrpFault"))
        etree.SubElement(detail, _q("code")).text = f.drp_code
        etree.SubElement(detail, _q("message")).text = f.string
        if f.field:
            etree.SubElement(detail, _q("field")).text = f.field
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def _injected(spec: FaultSpec, operation: str) -> tuple[str, list[tuple[str, str]], bytes]:
    kind = spec.kind
    xml = [("Content-Type", "text/xml; charset=utf-8")]
    if kind == "server_fault":
        return (
            "500 Internal Server Error",
            xml,
            _fault_envelope(_Fault("soap:Server", "DRP database unavailable (injected)", "DRP-9000")),
        )
    if kind == "http":
        reason = HTTPStatus(spec.status).phrase if spec.status in HTTPStatus._value2member_map_ else "Error"
        return (
            f"{spec.status} {reason}",
            [("Content-Type", "text/plain")],
            f"{spec.status} {reason} (injected)".encode(),
        )
    if kind == "malformed":
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP11}"><soap:Body>'
            f'<tns:{operation}Response xmlns:tns="{NS}"><tns:page>1</tns:pa'
        ).encode()
        return "200 OK", xml, body
    if kind == "xxe":
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><!DOCTYPE e [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
            f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body><tns:{operation}Response xmlns:tns="{NS}">'
            f"<tns:page>&xxe;</tns:page></tns:{operation}Response></soap:Body></soap:Envelope>"
        ).encode()
        return "200 OK", xml, body
    raise ValueError(kind)


def _status(code: int) -> str:
    return f"{code} {HTTPStatus(code).phrase}"
