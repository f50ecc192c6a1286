"""EDIFACT messages <-> canonical dicts: ORDERS, ORDRSP, DESADV, INVOIC, INVRPT, REMADV in; ORDERS, INVOIC out.

Records have the same shape as :mod:`connectors.edi.transactions` (``_entity``, ``external_id``,
canonical fields, plain string values).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from connectors.edi import edifact
from connectors.edi.transactions import money, qty
from hub.errors import EdiError

__all__ = ["map_message", "map_interchange", "render_outbound", "SUPPORTED_MESSAGES", "OUTBOUND_MESSAGES"]

Rec = dict[str, Any]
Seg = edifact.Segment


def _date(seg: Seg) -> str | None:
    """DTM C507 value in format 102 (CCYYMMDD), 203 (CCYYMMDDHHMM), 101 (YYMMDD) or 204 -> ISO date."""
    value, fmt = seg.get(1, 1), seg.get(1, 2) or "102"
    pattern = {"102": "%Y%m%d", "203": "%Y%m%d%H%M", "101": "%y%m%d", "204": "%Y%m%d%H%M%S"}.get(fmt)
    try:
        if pattern is None:
            raise ValueError
        return datetime.strptime(value, pattern).date().isoformat()
    except ValueError:
        raise EdiError(
            f"DTM+{seg.get(1, 0)} value {value!r} is not a valid date in format {fmt}",
            segment=seg.number,
            code="12",
            ack="UCD",
            field="DTM",
            element=1,
        ) from None


def _num(value: str, seg: Seg, decimal_mark: str) -> str:
    return value.replace(decimal_mark, ".") if decimal_mark != "." else value


def _first(body: list[Seg], tag: str, qualifier: str | None = None) -> Seg | None:
    return next((s for s in body if s.tag == tag and (qualifier is None or s.get(1) == qualifier)), None)


def _party(body: list[Seg], roles: tuple[str, ...]) -> str | None:
    for role in roles:
        s = _first(body, "NAD", role)
        if s is not None and s.get(2):
            return s.get(2)
    return None


def _doc_number(msg: edifact.Message) -> tuple[Seg, str]:
    bgm = _first(msg.body, "BGM")
    if bgm is None or not bgm.get(2):
        raise EdiError(
            f"{msg.type} message {msg.ref} has no BGM document number",
            segment=msg.header.number,
            code="13",
            ack="UCS",
            field="BGM",
        )
    return bgm, bgm.get(2)


def _header_date(body: list[Seg], *quals: str) -> str | None:
    for q in quals:
        s = _first(body, "DTM", q)
        if s is not None:
            return _date(s)
    return None


def _line_items(body: list[Seg], order_ref: str, qty_qual: str, dm: str) -> list[Rec]:
    lines: list[Rec] = []
    cur: Rec | None = None
    for s in body:
        if s.tag == "LIN":
            n = len(lines) + 1
            line_no = int(s.get(1)) if s.get(1).isdigit() else n
            cur = {
                "_entity": "order_line",
                "external_id": f"{order_ref}|{line_no}",
                "order_ref": order_ref,
                "line_no": line_no,
                "sku": s.get(3) or None,
                "quantity": None,
                "unit_price": None,
                "amount": None,
            }
            lines.append(cur)
        elif cur is None:
            continue
        elif s.tag == "PIA" and not cur["sku"]:
            cur["sku"] = s.get(2) or None
        elif s.tag == "QTY" and s.get(1) == qty_qual:
            cur["quantity"] = qty(_num(s.get(1, 1), s, dm), None, "QTY")
        elif s.tag == "PRI" and s.get(1) in ("AAA", "AAB") and cur["unit_price"] is None:
            cur["unit_price"] = money(_num(s.get(1, 1), s, dm), None, "PRI")
        elif s.tag == "MOA" and s.get(1) in ("203", "66"):
            cur["amount"] = money(_num(s.get(1, 1), s, dm), None, "MOA")
        elif s.tag == "UNS":
            cur = None
    for ln in lines:
        if ln["amount"] is None and ln["quantity"] is not None and ln["unit_price"] is not None:
            ln["amount"] = money(Decimal(ln["quantity"]) * Decimal(ln["unit_price"]))
    return lines


def _total(body: list[Seg], quals: tuple[str, ...], dm: str) -> str | None:
    for q in quals:
        s = _first(body, "MOA", q)
        if s is not None:
            return money(_num(s.get(1, 1), s, dm), None, "MOA")
    return None


def _currency(body: list[Seg]) -> str | None:
    s = _first(body, "CUX")
    return (s.get(1, 1) or None) if s else None


def _map_orders(msg: edifact.Message, dm: str) -> list[Rec]:
    body = msg.body
    _, no = _doc_number(msg)
    lines = _line_items(body, no, "21", dm)
    amount = _total(body, ("86", "79", "128", "77"), dm)
    if amount is None and lines and all(ln["amount"] for ln in lines):
        amount = money(sum(Decimal(ln["amount"]) for ln in lines))
    order = {
        "_entity": "sales_order",
        "external_id": no,
        "order_number": no,
        "source_ref": no,
        "order_date": _header_date(body, "137", "4"),
        "party_ref": _party(body, ("BY",)),
        "ship_to": _party(body, ("DP", "ST")),
        "amount": amount,
        "currency": _currency(body),
    }
    return [order, *lines]


_ORDRSP_STATUS = {
    "AP": "approved",
    "29": "approved",
    "CA": "approved",
    "4": "approved",
    "RE": "cancelled",
    "27": "cancelled",
}


def _map_ordrsp(msg: edifact.Message, dm: str) -> list[Rec]:
    body = msg.body
    bgm, no = _doc_number(msg)
    rff = _first(body, "RFF", "ON")
    order_no = rff.get(1, 1) if rff is not None and rff.get(1, 1) else no
    response = bgm.get(4)
    return [
        {
            "_entity": "sales_order",
            "external_id": order_no,
            "order_number": order_no,
            "order_date": _header_date(body, "137", "4"),
            "party_ref": _party(body, ("BY",)),
            "status": _ORDRSP_STATUS.get(response),
            "source_status": response or None,
        },
        *_line_items(body, order_no, "21", dm),
    ]


def _map_desadv(msg: edifact.Message, dm: str) -> list[Rec]:
    body = msg.body
    _, no = _doc_number(msg)
    rff = _first(body, "RFF", "ON")
    order_no = rff.get(1, 1) if rff is not None and rff.get(1, 1) else no
    shipped = _header_date(body, "11", "137")
    return [
        {
            "_entity": "sales_order",
            "external_id": order_no,
            "order_number": order_no,
            "status": "shipped",
            "source_status": f"DESADV {no} {shipped or ''}".strip(),
            "party_ref": _party(body, ("BY", "DP")),
        },
        *_line_items(body, order_no, "12", dm),
    ]


def _map_invoic(msg: edifact.Message, dm: str) -> list[Rec]:
    body = msg.body
    _, no = _doc_number(msg)
    rff = _first(body, "RFF", "ON")
    return [
        {
            "_entity": "invoice",
            "external_id": no,
            "order_ref": rff.get(1, 1) if rff is not None else None,
            "party_ref": _party(body, ("BY", "IV")),
            "invoice_date": _header_date(body, "137", "3"),
            "due_date": _header_date(body, "13"),
            "amount": _total(body, ("77", "86", "39", "9"), dm),
            "currency": _currency(body),
        }
    ]


def _map_invrpt(msg: edifact.Message, dm: str) -> list[Rec]:
    body = msg.body
    _, no = _doc_number(msg)
    as_of = _header_date(body, "366", "137")
    party = _party(body, ("GY", "SU", "WH", "BY", "DP"))
    out: list[Rec] = []
    cur: Rec | None = None
    for s in body:
        if s.tag == "LIN":
            cur = {
                "_entity": "inventory",
                "party_ref": party,
                "location_ref": None,
                "sku": s.get(3) or None,
                "as_of": as_of,
                "on_hand": None,
                "report_ref": no,
            }
            out.append(cur)
        elif cur is not None and s.tag == "QTY" and s.get(1) in ("145", "198", "156"):
            if cur["on_hand"] is None or s.get(1) == "145":
                cur["on_hand"] = qty(_num(s.get(1, 1), s, dm), None, "QTY")
    for r in out:
        r["external_id"] = f"{r['party_ref']}|{r['sku']}|{r['as_of']}"
    return out


def _map_remadv(msg: edifact.Message, dm: str) -> list[Rec]:
    body = msg.body
    _, no = _doc_number(msg)
    pay_date = _header_date(body, "202", "137")
    payer = _party(body, ("PR", "PE", "BY"))
    total = _total(body, ("9", "12"), dm)
    out: list[Rec] = []
    cur: Rec | None = None
    for s in body:
        if s.tag == "DOC":
            n = len(out) + 1
            cur = {
                "_entity": "remittance_line",
                "external_id": f"{no}|{n}",
                "trace": no,
                "party_ref": payer,
                "payment_date": pay_date,
                "payment_amount": None,
                "invoice_ref": s.get(2) or None,
                "paid_amount": None,
                "invoice_amount": None,
            }
            out.append(cur)
        elif cur is not None and s.tag == "MOA":
            if s.get(1) == "12":
                cur["paid_amount"] = money(_num(s.get(1, 1), s, dm), None, "MOA")
            elif s.get(1) in ("39", "77"):
                cur["invoice_amount"] = money(_num(s.get(1, 1), s, dm), None, "MOA")
        elif s.tag == "UNS":
            cur = None
    for r in out:
        r["payment_amount"] = total
    return out


_MAPPERS: dict[str, Callable[[edifact.Message, str], list[Rec]]] = {
    "ORDERS": _map_orders,
    "ORDRSP": _map_ordrsp,
    "DESADV": _map_desadv,
    "INVOIC": _map_invoic,
    "INVRPT": _map_invrpt,
    "REMADV": _map_remadv,
}
SUPPORTED_MESSAGES = tuple(_MAPPERS)


def map_message(msg: edifact.Message, delimiters: edifact.Delimiters | None = None) -> list[Rec]:
    """Canonical records of one message; EdiError when the type is not supported or a value is unreadable."""
    mapper = _MAPPERS.get(msg.type)
    if mapper is None:
        raise EdiError(
            f"message type {msg.type} is not supported (supported: {', '.join(SUPPORTED_MESSAGES)})",
            segment=msg.header.number,
            code="14",
            ack="UCM",
            field="UNH",
        )
    return mapper(msg, (delimiters or edifact.Delimiters()).decimal)


def map_interchange(ic: edifact.Interchange) -> Iterator[tuple[edifact.Message, list[Rec]]]:
    for msg in ic.messages:
        if msg.accepted and msg.type in _MAPPERS:
            yield msg, map_message(msg, ic.delimiters)


# -- outbound -----------------------------------------------------------------------------------


def _d(value: Any) -> str:
    return str(value).replace("-", "") if value else ""


def _lin_segments(lines: list[Rec], qty_qual: str) -> list[tuple[object, ...]]:
    segs: list[tuple[object, ...]] = []
    for i, ln in enumerate(lines, 1):
        segs.append(("LIN", str(ln.get("line_no") or i), "", (str(ln.get("sku") or ""), "SA")))
        segs.append(("QTY", (qty_qual, qty(ln.get("quantity")) or "0")))
        if ln.get("amount") is not None:
            segs.append(("MOA", ("203", money(ln["amount"]) or "")))
        if ln.get("unit_price") is not None:
            segs.append(("PRI", ("AAA", money(ln["unit_price"]) or "")))
    return segs


def _orders(order: Rec, lines: list[Rec]) -> list[tuple[object, ...]]:
    no = order.get("order_number") or order.get("external_id")
    if not no or not order.get("order_date"):
        raise EdiError("cannot write ORDERS: order_number and order_date are required", field="order_number")
    segs: list[tuple[object, ...]] = [("BGM", "220", str(no), "9"), ("DTM", ("137", _d(order["order_date"]), "102"))]
    if order.get("party_ref"):
        segs.append(("NAD", "BY", (str(order["party_ref"]), "", "92")))
    if order.get("ship_to"):
        segs.append(("NAD", "DP", (str(order["ship_to"]), "", "92")))
    if order.get("currency"):
        segs.append(("CUX", ("2", str(order["currency"]), "9")))
    segs += _lin_segments(lines, "21")
    segs.append(("UNS", "S"))
    if order.get("amount") is not None:
        segs.append(("MOA", ("86", money(order["amount"]) or "")))
    segs.append(("CNT", ("2", str(len(lines)))))
    return segs


def _invoic(inv: Rec, lines: list[Rec]) -> list[tuple[object, ...]]:
    no = inv.get("external_id")
    if not no or not inv.get("invoice_date") or inv.get("amount") is None:
        raise EdiError("cannot write INVOIC: external_id, invoice_date and amount are required", field="external_id")
    segs: list[tuple[object, ...]] = [("BGM", "380", str(no), "9"), ("DTM", ("137", _d(inv["invoice_date"]), "102"))]
    if inv.get("due_date"):
        segs.append(("DTM", ("13", _d(inv["due_date"]), "102")))
    if inv.get("order_ref"):
        segs.append(("RFF", ("ON", str(inv["order_ref"]))))
    if inv.get("party_ref"):
        segs.append(("NAD", "BY", (str(inv["party_ref"]), "", "92")))
    if inv.get("currency"):
        segs.append(("CUX", ("2", str(inv["currency"]), "4")))
    segs += _lin_segments(lines, "47")
    segs.append(("UNS", "S"))
    segs.append(("MOA", ("77", money(inv["amount"]) or "")))
    return segs


_OUTBOUND = {"ORDERS": _orders, "INVOIC": _invoic}
OUTBOUND_MESSAGES = tuple(_OUTBOUND)


def render_outbound(
    message_type: str,
    docs: Iterable[tuple[Rec, list[Rec]]],
    *,
    sender: str,
    receiver: str,
    control: str,
    when: datetime | None = None,
    syntax: str = "UNOC",
) -> str:
    """One interchange with one message per ``(header, lines)`` document (ORDERS/INVOIC, D.96A)."""
    build = _OUTBOUND.get(message_type)
    if build is None:
        raise EdiError(f"cannot write {message_type}; outbound messages: {', '.join(OUTBOUND_MESSAGES)}", field="UNH")
    w = edifact.EdifactWriter(sender, receiver, control, syntax=syntax, when=when)
    for i, (header, lines) in enumerate(docs, 1):
        w.add_message(message_type, str(i), build(header, list(lines)))
    return w.render()
