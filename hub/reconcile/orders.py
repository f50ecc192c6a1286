"""Link CRM sales orders to DRP sales orders and find the DRP orders that came from EDI 850s.

Rules, in order (each link says which one made it):

1. ``erp_order_no``: the CRM order's ERP_Order_No__c equals a DRP 订单号.
2. ``source_ref``: the DRP 来源单号 equals the CRM OrderNumber after normalisation (lost
   leading zeros, full-width digits, blanks and separators).
3. ``content``: for what is left, same canonical customer, DRP date within a window of the CRM
   date, and the best line/amount similarity (mutually exclusive, best pairs first).

An EDI 850 PO is tied to a DRP order by 来源单号 = PO number, or else by identical amount and
lines within a few days. Reference links are rejected when the two customers are known and
differ (``require_same_customer``).

Everything here is pure: inputs are :class:`SalesOrder` (or plain dicts with the canonical
``sales_order`` field names) and a line lookup; outputs are frozen dataclasses. Memory is one
small tuple per order, indexed by key; only the unlinked remainder is compared on content.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from hub.errors import MappingError
from hub.reconcile.rules_config import OrderLinkConfig, fold

__all__ = [
    "SalesOrder",
    "OrderLine",
    "OrderLink",
    "EdiOrigin",
    "RejectedLink",
    "OrderLinkResult",
    "as_order",
    "order_from_row",
    "ORDER_ROW",
    "coerce_decimal",
    "coerce_date",
    "clean_str",
    "text_date",
    "stored_text",
    "stored_date",
    "normalize_order_number",
    "status_in",
    "folded",
    "line_similarity",
    "link_orders",
    "find_edi_origins",
]


@dataclass(frozen=True, slots=True)
class SalesOrder:
    """A canonical sales order (the fields reconciliation needs)."""

    system: str
    external_id: str
    party_ref: str | None = None
    order_number: str | None = None
    order_date: date | None = None
    status: str | None = None
    source_status: str | None = None
    amount: Decimal | None = None
    source_ref: str | None = None
    erp_order_no: str | None = None


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One order line: the SKU (None when the system's product has no known SKU) and quantity."""

    sku: str | None
    quantity: Decimal
    amount: Decimal | None = None
    line_no: int | None = None


@dataclass(frozen=True, slots=True)
class OrderLink:
    """CRM order <-> DRP order, with the rule that linked them and why."""

    crm_order_id: str
    drp_order_no: str
    rule: str
    explanation: str
    score: float = 1.0


@dataclass(frozen=True, slots=True)
class EdiOrigin:
    """A DRP order that came from an EDI 850 purchase order."""

    drp_order_no: str
    po_number: str
    rule: str


@dataclass(frozen=True, slots=True)
class RejectedLink:
    """A reference that pointed at an order but was not used, and why."""

    crm_order_id: str
    drp_order_no: str
    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class OrderLinkResult:
    links: tuple[OrderLink, ...]
    edi_origins: Mapping[str, EdiOrigin]  # drp_order_no -> origin
    rejected: tuple[RejectedLink, ...]

    def crm_to_drp(self) -> dict[str, str]:
        return {lk.crm_order_id: lk.drp_order_no for lk in self.links}

    def drp_to_crm(self) -> dict[str, str]:
        return {lk.drp_order_no: lk.crm_order_id for lk in self.links}


LineLookup = Callable[[str, str], Sequence[OrderLine]]
"""(system, order external id) -> the order's lines (empty when unknown)."""


# ----------------------------------------------------------------------------- coercion
def coerce_decimal(value: Any, field: str, ext: str | None) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise MappingError(f"not a number: {value!r}", external_id=ext, field=field) from None


def coerce_date(value: Any, field: str, ext: str | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    got = text_date(value) if isinstance(value, str) else None
    if got is not None:
        return got
    try:
        return date.fromisoformat(str(value).strip()[:10].replace("/", "-"))
    except ValueError:
        raise MappingError(f"not a date: {value!r}", external_id=ext, field=field) from None


@lru_cache(maxsize=4096)
def text_date(value: str) -> date | None:
    """A date's text (as a store without a date type returns it) parsed once per distinct value; None if it is not one."""
    try:
        return date.fromisoformat(value.strip()[:10].replace("/", "-"))
    except ValueError:
        return None


def stored_text(value: Any) -> str | None:
    """:func:`clean_str` of a stored value, at the cost of one strip for text."""
    return (value.strip() or None) if type(value) is str else clean_str(value)


def stored_date(value: Any, field: str, ext: str) -> date | None:
    """:func:`coerce_date` of a stored value, a date's text parsed once per distinct value."""
    if value is None:
        return None
    if type(value) is str and (got := text_date(value)) is not None:
        return got
    return coerce_date(value, field, ext)


def clean_str(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def as_order(obj: SalesOrder | Mapping[str, Any]) -> SalesOrder:
    """A SalesOrder from itself or from a dict with canonical field names (extra keys ignored)."""
    if isinstance(obj, SalesOrder):
        return obj
    get = obj.get
    ext = clean_str(get("external_id"))
    system = clean_str(get("system"))
    if ext is None or system is None:
        raise MappingError(
            "sales order without system/external_id", external_id=ext, field="external_id" if ext is None else "system"
        )
    return SalesOrder(
        system=system,
        external_id=ext,
        party_ref=clean_str(get("party_ref")),
        order_number=clean_str(get("order_number")),
        order_date=coerce_date(get("order_date"), "order_date", ext),
        status=clean_str(get("status")),
        source_status=clean_str(get("source_status")),
        amount=coerce_decimal(get("amount"), "amount", ext),
        source_ref=clean_str(get("source_ref")),
        erp_order_no=clean_str(get("erp_order_no")),
    )


def order_from_row(system: str, row: Sequence[Any]) -> SalesOrder:
    """:func:`as_order` of ``{"system": system, **dict(zip(ORDER_ROW, row))}`` (the same order, the
    same errors) without the dict: a store row's columns in :data:`ORDER_ROW` order."""
    ext, party, number, day, status, source_status, amount, source_ref, erp_no = row
    if type(ext) is not str or not (ext := ext.strip()) or not system or system.strip() != system:
        return as_order({"system": system, **dict(zip(ORDER_ROW, row))})
    if amount is not None and type(amount) is not Decimal:
        amount = coerce_decimal(amount, "amount", ext)
    return SalesOrder(
        system,
        ext,
        stored_text(party),
        stored_text(number),
        stored_date(day, "order_date", ext),
        stored_text(status),
        stored_text(source_status),
        amount,
        stored_text(source_ref),
        stored_text(erp_no),
    )


#: the columns :func:`order_from_row` reads, in order
ORDER_ROW = (
    "external_id",
    "party_ref",
    "order_number",
    "order_date",
    "status",
    "source_status",
    "amount",
    "source_ref",
    "erp_order_no",
)


# ----------------------------------------------------------------------------- normalisation
_SEP = re.compile(r"[\s\-_/#.]+")


def normalize_order_number(value: str | None) -> str | None:
    """Comparable form of an order number: NFKC, upper case, no separators, no leading zeros.

    ``00012345``, ``12345``, ``１２３４５`` and `` 0001-2345 `` all give ``12345``; a number with
    letters keeps them (``SO2504000123`` stays as is) so different schemes do not collide.
    """
    if not value:
        return None
    s = _SEP.sub("", unicodedata.normalize("NFKC", value)).upper()
    if not s:
        return None
    if s.isdigit():
        return s.lstrip("0") or "0"
    return s


def status_in(order: SalesOrder, names: tuple[str, ...]) -> bool:
    """Whether the order's raw or canonical status is one of ``names`` (case-insensitive)."""
    wanted = folded(names)
    return fold(order.source_status) in wanted or fold(order.status) in wanted


@lru_cache(maxsize=64)
def folded(names: tuple[str, ...]) -> frozenset[str]:
    """The folded (trimmed, case-folded) forms of status names, cached per configured tuple."""
    return frozenset(fold(n) for n in names)


# ----------------------------------------------------------------------------- line similarity
def line_similarity(a: Sequence[OrderLine], b: Sequence[OrderLine]) -> float:
    """0..1 similarity of two orders' lines: equal (sku, qty) pairs count 1, and a line whose SKU
    is unknown (``None``: a product not mapped to a SKU) counts 3/4 against a remaining line of
    the same quantity on the other side. Known but different SKUs never match.
    """
    if not a or not b:
        return 0.0
    ca = Counter((ln.sku, ln.quantity) for ln in a)
    cb = Counter((ln.sku, ln.quantity) for ln in b)
    exact = ca & cb
    n_exact = sum(exact.values())
    ra, rb = ca - exact, cb - exact
    n_loose = _loose_matches(ra, rb) if ra and rb else 0
    return (n_exact + 0.75 * n_loose) / max(len(a), len(b))


def _loose_matches(ra: Counter, rb: Counter) -> int:
    """Count SKU-less lines on either side paired by quantity with leftover lines of the other."""
    known_a = Counter(q for (s, q), n in ra.items() if s is not None for _ in range(n))
    known_b = Counter(q for (s, q), n in rb.items() if s is not None for _ in range(n))
    loose_a = Counter(q for (s, q), n in ra.items() if s is None for _ in range(n))
    loose_b = Counter(q for (s, q), n in rb.items() if s is None for _ in range(n))
    a_known = loose_a & known_b  # a's SKU-less lines against b's SKU lines
    la = loose_a - a_known
    both_loose = la & loose_b
    b_known = (loose_b - both_loose) & known_a  # b's SKU-less lines against a's SKU lines
    return sum(a_known.values()) + sum(both_loose.values()) + sum(b_known.values())


# ----------------------------------------------------------------------------- linking
@dataclass(slots=True)
class _Slim:
    ext: str
    party: str | None
    day: date | None
    amount: Decimal | None
    eligible: bool


def link_orders(
    crm_orders: Iterable[SalesOrder | Mapping[str, Any]],
    drp_orders: Iterable[SalesOrder | Mapping[str, Any]],
    *,
    crm_customers: Mapping[str, str] | None = None,
    drp_customers: Mapping[str, str] | None = None,
    edi_orders: Iterable[SalesOrder | Mapping[str, Any]] = (),
    lines: LineLookup | None = None,
    config: OrderLinkConfig | None = None,
    origins: Mapping[str, EdiOrigin] | None = None,
) -> OrderLinkResult:
    """Link CRM orders to DRP orders (1:1) and tie DRP orders to the EDI 850s they came from.

    ``crm_customers`` / ``drp_customers`` map each system's customer id to a canonical customer
    id (the customer crosswalk); ``edi_orders`` are 850 POs as sales orders (``order_number`` =
    PO number); ``lines(system, external_id)`` returns an order's lines for content matching.
    ``origins`` (DRP order -> EDI origin, from :func:`find_edi_origins`) replaces ``edi_orders``
    when the POs were tied to DRP orders beforehand, over every customer at once.
    """
    cfg = config or OrderLinkConfig()
    crm_c = crm_customers or {}
    drp_c = drp_customers or {}
    have_customers = bool(crm_c) and bool(drp_c)

    crm: dict[str, _Slim] = {}
    crm_by_number: dict[str, str] = {}
    crm_by_erp: dict[str, list[str]] = defaultdict(list)
    for raw in crm_orders:
        o = as_order(raw)
        crm[o.external_id] = _Slim(
            o.external_id, crm_c.get(o.party_ref or ""), o.order_date, o.amount, status_in(o, cfg.crm_statuses)
        )
        key = normalize_order_number(o.order_number)
        if key is not None:
            crm_by_number.setdefault(key, o.external_id)
        if o.erp_order_no:
            crm_by_erp[o.erp_order_no.strip().upper()].append(o.external_id)

    po_by_number = _po_index(edi_orders) if origins is None else {}

    drp: dict[str, _Slim] = {}
    drp_src: dict[str, str] = {}
    edi: dict[str, EdiOrigin] = {}
    for raw in drp_orders:
        o = as_order(raw)
        drp[o.external_id] = _Slim(o.external_id, drp_c.get(o.party_ref or ""), o.order_date, o.amount, True)
        origin = origins.get(o.external_id) if origins is not None else None
        if origin is not None:
            edi[o.external_id] = origin
            if origin.rule == "source_ref":
                continue
        key = normalize_order_number(o.source_ref)
        if key is None:
            continue
        if key in po_by_number:
            edi[o.external_id] = EdiOrigin(o.external_id, po_by_number[key].order_number or key, "source_ref")
        else:
            drp_src[o.external_id] = key

    links: dict[str, OrderLink] = {}  # crm id -> link
    taken_drp: set[str] = set()
    rejected: list[RejectedLink] = []

    def same_customer(c: _Slim, d: _Slim) -> bool:
        if not cfg.require_same_customer or c.party is None or d.party is None:
            return True
        return c.party == d.party

    def try_link(cid: str, dno: str, rule: str, why: str) -> None:
        if cid in links or dno in taken_drp:
            if links.get(cid) is None or links[cid].drp_order_no != dno:
                rejected.append(RejectedLink(cid, dno, rule, "one side is already linked"))
            return
        if not same_customer(crm[cid], drp[dno]):
            rejected.append(RejectedLink(cid, dno, rule, "the orders belong to different customers"))
            return
        links[cid] = OrderLink(cid, dno, rule, why)
        taken_drp.add(dno)

    # rule 1: the CRM holds the DRP order number
    drp_upper = {k.upper(): k for k in drp}
    for erp_no, cids in crm_by_erp.items():
        dno = drp_upper.get(erp_no)
        if dno is None:
            for cid in cids:
                rejected.append(RejectedLink(cid, erp_no, "erp_order_no", "no DRP order has this number"))
            continue
        for cid in cids:
            try_link(cid, dno, "erp_order_no", f"CRM ERP order no {erp_no} = DRP order no")
    # rule 2: the DRP 来源单号 holds the CRM order number
    for dno, key in drp_src.items():
        src_cid = crm_by_number.get(key)
        if src_cid is not None:
            try_link(src_cid, dno, "source_ref", f"DRP source ref normalises to CRM order number {key}")

    if lines is not None and po_by_number:
        _edi_by_content(drp.values(), edi, po_by_number.values(), lines, cfg)

    if cfg.content_match and have_customers and lines is not None:
        _content_links(crm, drp, links, taken_drp, edi, lines, cfg)

    return OrderLinkResult(tuple(links.values()), edi, tuple(rejected))


def _po_index(edi_orders: Iterable[SalesOrder | Mapping[str, Any]]) -> dict[str, SalesOrder]:
    """Normalised PO number -> the first 850 PO with it."""
    po_by_number: dict[str, SalesOrder] = {}
    for raw in edi_orders:
        o = as_order(raw)
        key = normalize_order_number(o.order_number)
        if key is not None:
            po_by_number.setdefault(key, o)
    return po_by_number


def find_edi_origins(
    drp_orders: Callable[[], Iterable[SalesOrder | Mapping[str, Any]]],
    edi_orders: Iterable[SalesOrder | Mapping[str, Any]],
    lines: LineLookup | None = None,
    config: OrderLinkConfig | None = None,
    drp_refs: Callable[[], Iterable[SalesOrder | Mapping[str, Any]]] | None = None,
    drp_by_amount: Callable[[set[Decimal]], Iterable[SalesOrder | Mapping[str, Any]]] | None = None,
) -> dict[str, EdiOrigin]:
    """DRP order -> the EDI 850 it came from, over every customer (what :func:`link_orders`
    does with ``edi_orders``). ``drp_orders()`` is called twice, so the DRP orders can be
    streamed instead of held: once for 来源单号 references, once for content matches.
    ``drp_refs()``, when given, replaces it for the references: the same orders in the same
    order (those without a reference may be left out), with only system, external id and
    ``source_ref``. ``drp_by_amount(amounts)``, when given, replaces it for the content matches:
    the same orders in the same order, of which those whose amount is not one of ``amounts``
    may be left out."""
    cfg = config or OrderLinkConfig()
    po_by_number = _po_index(edi_orders)
    edi: dict[str, EdiOrigin] = {}
    if not po_by_number:
        return edi
    for raw in (drp_refs or drp_orders)():  # only the reference is needed here: no full conversion per order
        key = normalize_order_number(clean_str(_raw(raw, "source_ref")))
        if key is not None and key in po_by_number:
            o = as_order(raw)
            edi[o.external_id] = EdiOrigin(o.external_id, po_by_number[key].order_number or key, "source_ref")
    if lines is not None:
        named = {e.po_number for e in edi.values()}
        amounts = {po.amount for po in po_by_number.values() if po.order_number not in named and po.amount is not None}
        if amounts:
            source = drp_orders() if drp_by_amount is None else drp_by_amount(amounts)
            wanted = (r for r in source if _raw_amount(r) in amounts)
            slim = (_Slim(o.external_id, None, o.order_date, o.amount, True) for o in map(as_order, wanted))
            _edi_by_content(slim, edi, po_by_number.values(), lines, cfg)
    return edi


def _raw(obj: SalesOrder | Mapping[str, Any], name: str) -> Any:
    return getattr(obj, name) if isinstance(obj, SalesOrder) else obj.get(name)


def _raw_amount(obj: SalesOrder | Mapping[str, Any]) -> Decimal | None:
    v = _raw(obj, "amount")
    return (
        v if isinstance(v, Decimal) or v is None else coerce_decimal(v, "amount", clean_str(_raw(obj, "external_id")))
    )


def _lines_key(ls: Sequence[OrderLine]) -> tuple:
    return tuple(sorted((ln.sku or "", ln.quantity) for ln in ls))


def _edi_by_content(
    drp: Iterable[_Slim], edi: dict[str, EdiOrigin], pos: Iterable[SalesOrder], lines: LineLookup, cfg: OrderLinkConfig
) -> None:
    """Tie POs not named in any 来源单号 to the DRP order with the same amount and lines."""
    named = {e.po_number for e in edi.values()}
    by_amount: dict[Decimal, list[SalesOrder]] = defaultdict(list)
    for po in pos:
        if po.order_number not in named and po.amount is not None:
            by_amount[po.amount].append(po)
    if not by_amount:
        return
    for d in drp:
        dno = d.ext
        if dno in edi or d.amount is None or d.amount not in by_amount:
            continue
        cands = by_amount[d.amount]
        dkey = None
        best = None
        for po in cands:
            if d.day is not None and po.order_date is not None:
                lag = (d.day - po.order_date).days
                if not 0 <= lag <= cfg.edi_date_window_after:
                    continue
            if dkey is None:
                dkey = _lines_key(lines("drp", dno))
            if _lines_key(lines(po.system, po.external_id)) == dkey:
                best = po
                break
        if best is not None:
            cands.remove(best)
            edi[dno] = EdiOrigin(dno, best.order_number or best.external_id, "content")


def _content_links(
    crm: dict[str, _Slim],
    drp: dict[str, _Slim],
    links: dict[str, OrderLink],
    taken_drp: set[str],
    edi: Mapping[str, EdiOrigin],
    lines: LineLookup,
    cfg: OrderLinkConfig,
) -> None:
    """Pair the still-unlinked orders of each canonical customer on date, lines and amount."""
    by_party: dict[str, list[_Slim]] = defaultdict(list)
    for d in drp.values():
        if d.ext not in taken_drp and d.ext not in edi and d.party is not None and d.day is not None:
            by_party[d.party].append(d)
    if not by_party:
        return
    cands: list[tuple[float, int, str, str, str]] = []
    rel_tol = Decimal(str(cfg.amount_rel_tolerance))
    line_cache: dict[tuple[str, str], Sequence[OrderLine]] = {}

    def lines_of(system: str, ext: str) -> Sequence[OrderLine]:
        k = (system, ext)
        if k not in line_cache:
            line_cache[k] = lines(system, ext)
        return line_cache[k]

    for c in crm.values():
        if c.ext in links or not c.eligible or c.party is None or c.day is None:
            continue
        for d in by_party.get(c.party, ()):
            lag = (d.day - c.day).days  # type: ignore[operator]
            if not -cfg.date_window_before <= lag <= cfg.date_window_after:
                continue
            cl, dl = lines_of("crm", c.ext), lines_of("drp", d.ext)
            sim = line_similarity(cl, dl)
            same_amount = (
                c.amount is not None and d.amount is not None and (abs(c.amount - d.amount) <= abs(c.amount) * rel_tol)
            )
            # lines decide when both sides have them; without lines only an equal amount will do
            if sim < cfg.min_line_score and (bool(cl and dl) or not same_amount):
                continue
            score = sim + (0.25 if same_amount else 0.0)
            why = f"same customer, {lag:+d} day(s), line similarity {sim:.2f}" + (
                ", same amount" if same_amount else ""
            )
            cands.append((-score, abs(lag), c.ext, d.ext, why))
    cands.sort()
    for neg, _lag, cid, dno, why in cands:
        if cid in links or dno in taken_drp:
            continue
        links[cid] = OrderLink(cid, dno, "content", why, round(-neg, 4))
        taken_drp.add(dno)
