"""X12 transaction sets <-> canonical dicts: 846, 850, 855, 856, 810, 820, 997 in; 850/855/856/810 out.

Every mapped record is a flat dict with ``_entity`` (a hub.canonical entity name, or ``edi_ack``
for 997s, which have no canonical entity), ``external_id`` and canonical field names. Values are
plain strings: dates ISO ``YYYY-MM-DD``, money with two decimals, quantities without trailing
zeros, so records stay JSON-safe and compare exactly in round trips.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from connectors.edi import x12
from hub.errors import EdiError

__all__ = [
    "map_set",
    "map_interchange",
    "render_outbound",
    "money",
    "qty",
    "edi_date",
    "SUPPORTED_SETS",
    "OUTBOUND_SETS",
]

Rec = dict[str, Any]


# -- value helpers -----------------------------------------------------------------------------


def _decimal(value: Any, seg: x12.Segment | None = None, field: str = "") -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise EdiError(
            f"{field or 'value'} {value!r} is not a number",
            segment=seg.number if seg else None,
            field=field,
            code="6",
            ack="AK4",
        ) from None


def money(value: Any, seg: x12.Segment | None = None, field: str = "") -> str | None:
    """Two-decimal money string (``765.4`` -> ``765.40``)."""
    d = _decimal(value, seg, field)
    return None if d is None else f"{d.quantize(Decimal('0.01')):f}"


def qty(value: Any, seg: x12.Segment | None = None, field: str = "") -> str | None:
    """Quantity without trailing zeros (``22.000`` -> ``22``)."""
    d = _decimal(value, seg, field)
    if d is None:
        return None
    s = f"{d.normalize():f}"
    return s if s != "-0" else "0"


def edi_date(value: str, seg: x12.Segment | None = None, field: str = "") -> str | None:
    """CCYYMMDD or YYMMDD -> ISO date string; EdiError (AK4 code 8) when invalid."""
    value = (value or "").strip()
    if not value:
        return None
    iso = _iso_date(value)
    if iso is None:
        raise EdiError(
            f"{field or 'date'} {value!r} is not a valid date",
            segment=seg.number if seg else None,
            field=field,
            code="8",
            ack="AK4",
        )
    return iso


@lru_cache(maxsize=4096)
def _iso_date(value: str) -> str | None:
    """CCYYMMDD / YYMMDD -> ISO (cached: the same few dates repeat across thousands of segments)."""
    fmt = "%Y%m%d" if len(value) == 8 else "%y%m%d" if len(value) == 6 else None
    if fmt is None or not value.isdigit():
        return None
    try:
        return datetime.strptime(value, fmt).date().isoformat()
    except ValueError:
        return None


def _to_edi_date(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.strftime("%Y%m%d")
    return str(value).replace("-", "") if value else ""


def _product_id(seg: x12.Segment, start: int, prefer: tuple[str, ...] = ("VP", "BP", "SK", "IN", "UP")) -> str | None:
    """The product id of a LIN/PO1/IT1 qualifier-value list, preferring vendor/buyer part numbers."""
    pairs: dict[str, str] = {}
    first = None
    for i in range(start, len(seg.elements) - 1, 2):
        q, v = seg.elements[i], seg.elements[i + 1]
        if q and v:
            pairs.setdefault(q, v)
            first = first or v
    for q in prefer:
        if q in pairs:
            return pairs[q]
    return first


def _party(segs: Iterable[x12.Segment], roles: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(code, name) of the first N1 whose role is in ``roles``."""
    for s in segs:
        if s.tag == "N1" and s.get(1) in roles:
            return (s.get(4) or None), (s.get(2) or None)
    return None, None


# -- inbound ------------------------------------------------------------------------------------


def _map_846(ts: x12.TransactionSet) -> list[Rec]:
    body = ts.body
    bia = next((s for s in body if s.tag == "BIA"), None)
    if bia is None:
        raise EdiError("846 has no BIA segment", segment=ts.header.number, code="3", ack="AK3", field="BIA")
    report_ref = bia.get(3) or None
    report_date = edi_date(bia.get(4), bia, "BIA04")
    party_ref, _ = _party(body, ("DS", "SE", "ST", "WH", "SU", "RL"))
    out: list[Rec] = []
    current: Rec | None = None
    for s in body:
        if s.tag == "LIN":
            current = {
                "_entity": "inventory",
                "party_ref": party_ref,
                "location_ref": None,
                "sku": _product_id(s, 2),
                "as_of": report_date,
                "on_hand": None,
                "report_ref": report_ref,
            }
            out.append(current)
        elif current is not None and s.tag == "QTY" and s.get(1) in ("33", "17"):
            if s.get(1) == "33" or current["on_hand"] is None:
                current["on_hand"] = qty(s.get(2), s, "QTY02")
        elif current is not None and s.tag == "DTM" and s.get(1) == "007":
            current["as_of"] = edi_date(s.get(2), s, "DTM02")
    for r in out:
        r["external_id"] = f"{r['party_ref']}|{r['sku']}|{r['as_of']}"
    return out


def _lines(body: list[x12.Segment], tag: str, order_ref: str) -> list[Rec]:
    lines: list[Rec] = []
    for s in body:
        if s.tag == tag:
            n = len(lines) + 1
            line_no = int(s.get(1)) if s.get(1).isdigit() else n
            quantity, price = qty(s.get(2), s, f"{tag}02"), money(s.get(4), s, f"{tag}04") if s.get(4) else None
            amount = money(Decimal(quantity) * Decimal(price)) if quantity is not None and price is not None else None
            lines.append(
                {
                    "_entity": "order_line",
                    "external_id": f"{order_ref}|{line_no}",
                    "order_ref": order_ref,
                    "line_no": line_no,
                    "sku": _product_id(s, 6),
                    "quantity": quantity,
                    "unit_price": price,
                    "amount": amount,
                }
            )
    return lines


def _map_850(ts: x12.TransactionSet) -> list[Rec]:
    body = ts.body
    beg = body[0]
    po = beg.get(3)
    if not po:
        raise EdiError("BEG03 purchase order number is missing", segment=beg.number, field="BEG03", code="1", ack="AK4")
    ship_code, ship_name = _party(body, ("ST",))
    buyer_code, _ = _party(body, ("BY",))
    lines = _lines(body, "PO1", po)
    amt = next((s for s in body if s.tag == "AMT" and s.get(1) == "TT"), None)
    amount = money(amt.get(2), amt, "AMT02") if amt else money(sum(Decimal(r["amount"]) for r in lines if r["amount"]))
    cur = next((s.get(2) for s in body if s.tag == "CUR"), None)
    order = {
        "_entity": "sales_order",
        "external_id": po,
        "order_number": po,
        "source_ref": po,
        "order_date": edi_date(beg.get(5), beg, "BEG05"),
        "party_ref": ship_code or buyer_code,
        "ship_to": ship_name,
        "amount": amount,
        "currency": cur,
        "source_status": beg.get(1) or None,
    }
    return [order, *lines]


_BAK_STATUS = {
    "AC": "approved",
    "AD": "approved",
    "AE": "approved",
    "AK": "approved",
    "AP": "approved",
    "RD": "approved",
    "RJ": "cancelled",
    "RO": "cancelled",
}


def _map_855(ts: x12.TransactionSet) -> list[Rec]:
    body = ts.body
    bak = body[0]
    po = bak.get(3)
    if not po:
        raise EdiError("BAK03 purchase order number is missing", segment=bak.number, field="BAK03", code="1", ack="AK4")
    code, _ = _party(body, ("ST", "BY"))
    lines = _lines(body, "PO1", po)
    order = {
        "_entity": "sales_order",
        "external_id": po,
        "order_number": po,
        "order_date": edi_date(bak.get(4), bak, "BAK04"),
        "party_ref": code,
        "status": _BAK_STATUS.get(bak.get(2)),
        "source_status": bak.get(2) or None,
    }
    return [order, *lines]


def _map_856(ts: x12.TransactionSet) -> list[Rec]:
    body = ts.body
    bsn = body[0]
    ship_date = edi_date(bsn.get(3), bsn, "BSN03")
    out: list[Rec] = []
    order: Rec | None = None
    line: Rec | None = None
    for s in body:
        if s.tag == "PRF":
            po = s.get(1)
            order = {
                "_entity": "sales_order",
                "external_id": po,
                "order_number": po,
                "status": "shipped",
                "source_status": f"ASN {bsn.get(2)} {ship_date or ''}".strip(),
            }
            out.append(order)
        elif s.tag == "LIN" and order is not None:
            n = sum(1 for r in out if r["_entity"] == "order_line" and r["order_ref"] == order["order_number"]) + 1
            line_no = int(s.get(1)) if s.get(1).isdigit() else n
            line = {  # one order line may ship in several ASNs: the shipment id keeps them apart
                "_entity": "order_line",
                "external_id": f"{order['order_number']}|{line_no}" + (f"|{bsn.get(2)}" if bsn.get(2) else ""),
                "order_ref": order["order_number"],
                "line_no": line_no,
                "sku": _product_id(s, 2),
                "quantity": None,
            }
            out.append(line)
        elif s.tag == "SN1" and line is not None:
            line["quantity"] = qty(s.get(2), s, "SN102")
    if not any(r["_entity"] == "sales_order" for r in out):
        raise EdiError("856 names no order (no PRF segment)", segment=bsn.number, code="3", ack="AK3", field="PRF")
    return out


def _map_810(ts: x12.TransactionSet) -> list[Rec]:
    body = ts.body
    big = body[0]
    inv = big.get(2)
    if not inv:
        raise EdiError("BIG02 invoice number is missing", segment=big.number, field="BIG02", code="1", ack="AK4")
    code, _ = _party(body, ("BY", "BT", "ST"))
    tds = next((s for s in body if s.tag == "TDS"), None)
    amount = money(Decimal(tds.get(1)) / 100, tds) if tds and tds.get(1).lstrip("-").isdigit() else None
    itd = next((s for s in body if s.tag == "ITD" and s.get(6)), None)
    cur = next((s.get(2) for s in body if s.tag == "CUR"), None)
    po = big.get(4) or None
    lines = []
    for ln in _lines(body, "IT1", inv):  # IT1 has PO1's layout: the invoiced lines, for the order they bill
        ln.update(_entity="invoice_line", invoice_ref=inv, order_ref=po)
        lines.append(ln)
    return [
        {
            "_entity": "invoice",
            "external_id": inv,
            "order_ref": po,
            "party_ref": code,
            "invoice_date": edi_date(big.get(1), big, "BIG01"),
            "due_date": edi_date(itd.get(6), itd, "ITD06") if itd else None,
            "amount": amount,
            "currency": cur,
        },
        *lines,
    ]


def _map_820(ts: x12.TransactionSet) -> list[Rec]:
    body = ts.body
    bpr = body[0]
    trn = next((s for s in body if s.tag == "TRN"), None)
    trace = trn.get(2) if trn else None
    if not trace:  # no TRN (optional before 004010): the first header reference (check number, ...) ties the payment
        header = [s for s in body[: next((i for i, s in enumerate(body) if s.tag in ("ENT", "RMR", "N1")), len(body))]]
        trace = next((s.get(2) for s in header if s.tag == "REF" and s.get(2)), None)
    if not trace:
        raise EdiError(
            "820 has no TRN trace number (nor a header REF)", segment=bpr.number, code="3", ack="AK3", field="TRN02"
        )
    payer, _ = _party(body, ("PR",))
    pay_date = edi_date(bpr.get(16), bpr, "BPR16") if bpr.tag == "BPR" and bpr.get(16) else None
    pay_amount = money(bpr.get(2), bpr, "BPR02")
    out: list[Rec] = []
    for s in body:
        if s.tag == "RMR":
            n = len(out) + 1
            out.append(
                {
                    "_entity": "remittance_line",
                    "external_id": f"{trace}|{n}",
                    "trace": trace,
                    "party_ref": payer,
                    "payment_date": pay_date,
                    "payment_amount": pay_amount,
                    "invoice_ref": s.get(2) or None,
                    "paid_amount": money(s.get(4), s, "RMR04"),
                    "invoice_amount": money(s.get(5), s, "RMR05"),
                }
            )
    return out


def _map_997(ts: x12.TransactionSet) -> list[Rec]:
    body = ts.body
    ak1 = body[0]
    ak9 = next((s for s in body if s.tag == "AK9"), None)
    out: list[Rec] = []
    current: Rec | None = None
    for s in body:
        if s.tag == "AK2":
            current = {
                "_entity": "edi_ack",
                "external_id": f"{ak1.get(1)}|{ak1.get(2)}|{s.get(2)}",
                "functional_id": ak1.get(1),
                "group_control": ak1.get(2),
                "set_id": s.get(1),
                "set_control": s.get(2),
                "status": None,
                "group_status": ak9.get(1) if ak9 else None,
            }
            out.append(current)
        elif s.tag in ("AK5", "IK5") and current is not None:
            current["status"] = s.get(1)
    if not out:  # group-level acknowledgment only
        out.append(
            {
                "_entity": "edi_ack",
                "external_id": f"{ak1.get(1)}|{ak1.get(2)}|",
                "functional_id": ak1.get(1),
                "group_control": ak1.get(2),
                "set_id": None,
                "set_control": None,
                "status": None,
                "group_status": ak9.get(1) if ak9 else None,
            }
        )
    return out


_MAPPERS: dict[str, Callable[[x12.TransactionSet], list[Rec]]] = {
    "846": _map_846,
    "850": _map_850,
    "855": _map_855,
    "856": _map_856,
    "810": _map_810,
    "820": _map_820,
    "997": _map_997,
}
SUPPORTED_SETS = tuple(_MAPPERS)


def map_set(ts: x12.TransactionSet) -> list[Rec]:
    """Canonical records of one transaction set; EdiError if the set is not supported or unreadable."""
    mapper = _MAPPERS.get(ts.id)
    if mapper is None:
        raise EdiError(
            f"transaction set {ts.id} is not supported (supported: {', '.join(SUPPORTED_SETS)})",
            segment=ts.header.number,
            code="1",
            ack="AK5",
            field="ST01",
        )
    if not ts.body:
        raise EdiError(f"transaction set {ts.id} {ts.control} is empty", segment=ts.header.number, code="3", ack="AK3")
    return mapper(ts)


def map_interchange(ic: x12.Interchange) -> Iterator[tuple[x12.TransactionSet, list[Rec]]]:
    """(set, records) for every accepted, supported set of an interchange."""
    for g in ic.groups:
        for ts in g.sets:
            if ts.accepted and ts.id in _MAPPERS:
                yield ts, map_set(ts)


# -- outbound -----------------------------------------------------------------------------------


def _need(doc: Rec, key: str, kind: str) -> Any:
    value = doc.get(key)
    if value in (None, ""):
        raise EdiError(f"cannot write {kind}: field {key!r} is empty", field=key)
    return value


def _po1(lines: list[Rec]) -> list[tuple[str, ...]]:
    return [
        (
            "PO1",
            str(ln.get("line_no") or i),
            qty(ln.get("quantity")) or "",
            "EA",
            money(ln.get("unit_price")) or "",
            "",
            "VP",
            str(ln.get("sku") or ""),
        )
        for i, ln in enumerate(lines, 1)
    ]


def _segments_850(order: Rec, lines: list[Rec]) -> list[tuple[str, ...]]:
    po = str(_need(order, "order_number", "850"))
    segs: list[tuple[str, ...]] = [
        ("BEG", order.get("source_status") or "00", "SA", po, "", _to_edi_date(_need(order, "order_date", "850")))
    ]
    if order.get("currency"):
        segs.append(("CUR", "BY", str(order["currency"])))
    if order.get("party_ref") or order.get("ship_to"):
        segs.append(("N1", "ST", str(order.get("ship_to") or ""), "92", str(order.get("party_ref") or "")))
    segs += _po1(lines)
    segs.append(("CTT", str(len(lines))))
    if order.get("amount") is not None:
        segs.append(("AMT", "TT", money(order["amount"]) or ""))
    return segs


_STATUS_BAK = {"approved": "AC", "cancelled": "RJ"}


def _segments_855(order: Rec, lines: list[Rec]) -> list[tuple[str, ...]]:
    po = str(_need(order, "order_number", "855"))
    segs: list[tuple[str, ...]] = [
        (
            "BAK",
            "00",
            order.get("source_status") or _STATUS_BAK.get(str(order.get("status")), "AC"),
            po,
            _to_edi_date(_need(order, "order_date", "855")),
        )
    ]
    if order.get("party_ref"):
        segs.append(("N1", "ST", "", "92", str(order["party_ref"])))
    segs += _po1(lines)
    segs.append(("CTT", str(len(lines))))
    return segs


def _segments_856(order: Rec, lines: list[Rec]) -> list[tuple[str, ...]]:
    po = str(_need(order, "order_number", "856"))
    # source_status carries "ASN <shipment id> <ship date>" when the order came from an 856
    parts = str(order.get("source_status") or "").split()
    shipment = parts[1] if len(parts) > 1 and parts[0] == "ASN" else po
    ship = _to_edi_date(parts[2] if len(parts) > 2 else order.get("order_date") or "")
    segs: list[tuple[str, ...]] = [
        ("BSN", "00", shipment, ship, "0000"),
        ("HL", "1", "", "S"),
        ("HL", "2", "1", "O"),
        ("PRF", po),
    ]
    for i, ln in enumerate(lines, 1):
        segs += [
            ("HL", str(i + 2), "2", "I"),
            ("LIN", str(ln.get("line_no") or i), "VP", str(ln.get("sku") or "")),
            ("SN1", "", qty(ln.get("quantity")) or "0", "EA"),
        ]
    segs.append(("CTT", str(len(lines) + 2)))
    return segs


def _segments_810(inv: Rec, lines: list[Rec]) -> list[tuple[str, ...]]:
    no = str(_need(inv, "external_id", "810"))
    amount = Decimal(money(_need(inv, "amount", "810")) or "0")
    segs: list[tuple[str, ...]] = [
        ("BIG", _to_edi_date(_need(inv, "invoice_date", "810")), no, "", str(inv.get("order_ref") or ""))
    ]
    if inv.get("currency"):
        segs.append(("CUR", "SE", str(inv["currency"])))
    if inv.get("party_ref"):
        segs.append(("N1", "BY", "", "92", str(inv["party_ref"])))
    if inv.get("due_date"):
        segs.append(("ITD", "01", "3", "", "", "", _to_edi_date(inv["due_date"])))
    for i, ln in enumerate(lines, 1):
        segs.append(
            (
                "IT1",
                str(ln.get("line_no") or i),
                qty(ln.get("quantity")) or "",
                "EA",
                money(ln.get("unit_price")) or "",
                "",
                "VP",
                str(ln.get("sku") or ""),
            )
        )
    segs.append(("TDS", str(int(amount * 100))))
    segs.append(("CTT", str(len(lines))))
    return segs


_OUTBOUND: dict[str, Callable[[Rec, list[Rec]], list[tuple[str, ...]]]] = {
    "850": _segments_850,
    "855": _segments_855,
    "856": _segments_856,
    "810": _segments_810,
}
OUTBOUND_SETS = tuple(_OUTBOUND)


def render_outbound(
    set_id: str,
    docs: Iterable[tuple[Rec, list[Rec]]],
    *,
    sender: str,
    receiver: str,
    control: int,
    when: datetime | None = None,
    newline: bool = True,
) -> str:
    """One interchange with one transaction set per ``(header, lines)`` document (850/855/856/810)."""
    build = _OUTBOUND.get(set_id)
    if build is None:
        raise EdiError(
            f"cannot write transaction set {set_id}; outbound sets: {', '.join(OUTBOUND_SETS)}", field="ST01"
        )
    w = x12.X12Writer(sender, receiver, control, when=when, newline=newline)
    w.add_group(x12.FUNCTIONAL_IDS[set_id], control)
    for i, (header, lines) in enumerate(docs, 1):
        w.add_set(set_id, f"{i:04d}", build(header, list(lines)))
    return w.render()
