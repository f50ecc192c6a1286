"""Discrepancy rules: one pure function per kind, each yielding frozen :class:`Discrepancy` records.

Baseline semantics (configurable through :mod:`hub.reconcile.rules_config`; each rule's entry in
:mod:`hub.reconcile.rule_registry` names its severity, settings and inputs):

* order_missing_in_drp: a CRM order whose status must reach the DRP (Activated/Shipped) has no
  linked DRP order. Drafts never reach it; a Cancelled order may or may not be there.
* order_missing_in_crm: a DRP order of a customer linked to the CRM has no CRM order and did not
  come from an EDI 850 nor from a CRM opportunity (its source reference is the opportunity's id).
* order_amount_mismatch: linked orders differ by more than the tolerance (0.01 per order).
* order_status_mismatch: linked orders' statuses are in no common equivalence class.
* order_line_mismatch: linked orders' lines differ by SKU or quantity.
* inventory_variance: consignment stock in the DRP differs from the owner's latest EDI 846.
* unapplied_payment: a payment that cash application could not apply to any invoice.
* credit_exceeded: open invoices + approved orders > credit limit.
* credit_hold: a CRM order the order push holds for credit (the push hands over its holds).
* hierarchy_mismatch: a customer's parent (through the crosswalk) or channel level differs between systems.
* invoice_amount_mismatch: a DRP order's invoices add up to more than the order (or, once the order
  is completed, to a different amount) beyond the order tolerance.

Findings are :class:`hub.reconcile.discrepancy.Discrepancy` records.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from hub.errors import MappingError
from hub.reconcile.cashapp import Invoice, PaymentApplication, as_invoice
from hub.reconcile.discrepancy import Discrepancy
from hub.reconcile.orders import (
    LineLookup,
    OrderLink,
    SalesOrder,
    as_order,
    clean_str,
    coerce_date,
    coerce_decimal,
    folded,
    status_in,
)
from hub.reconcile.rules_config import RulesConfig, StatusClass, fold

__all__ = [
    "Discrepancy",
    "Location",
    "StockPosition",
    "as_location",
    "as_position",
    "linked_pairs",
    "order_missing_in_drp",
    "order_missing_in_crm",
    "order_amount_mismatch",
    "order_status_mismatch",
    "order_line_mismatch",
    "statuses_equivalent",
    "inventory_variance",
    "unapplied_payment",
    "credit_exceeded",
    "credit_hold",
    "hierarchy_mismatch",
    "invoice_amount_mismatch",
]


def _money(v: Decimal | None) -> str:
    return "?" if v is None else f"CNY {v:,.2f}"


def _num(o: SalesOrder) -> str:
    return o.order_number or o.external_id


def _status(o: SalesOrder) -> str | None:
    return o.source_status or o.status


def _cfg(config: RulesConfig | None) -> RulesConfig:
    return config or RulesConfig()


def linked_pairs(
    links: Iterable[OrderLink], crm_orders: Mapping[str, SalesOrder], drp_orders: Mapping[str, SalesOrder]
) -> Iterator[tuple[SalesOrder, SalesOrder, OrderLink]]:
    """(CRM order, DRP order, link) for every link whose two orders are known."""
    for lk in links:
        c, d = crm_orders.get(lk.crm_order_id), drp_orders.get(lk.drp_order_no)
        if c is not None and d is not None:
            yield c, d, lk


# ----------------------------------------------------------------------------- orders
def order_missing_in_drp(
    crm_orders: Iterable[SalesOrder | Mapping[str, Any]],
    linked_crm_ids: Container[str],
    config: RulesConfig | None = None,
) -> Iterator[Discrepancy]:
    """CRM orders in a status that must reach the DRP, with no linked DRP order."""
    cfg = _cfg(config)
    kind = "order_missing_in_drp"
    if not cfg.enabled(kind):
        return
    expected = cfg.orders.expected_in_drp
    for raw in crm_orders:
        o = as_order(raw)
        if o.external_id in linked_crm_ids or not status_in(o, expected):
            continue
        yield Discrepancy(
            kind,
            cfg.severity(kind),
            (o.external_id,),
            "crm",
            f"CRM order {_num(o)} ({_status(o)}, {o.order_date}, {_money(o.amount)}) has no order in the DRP.",
            {
                "crm_order_id": o.external_id,
                "order_number": o.order_number,
                "status": _status(o),
                "order_date": o.order_date,
                "amount": o.amount,
                "party_ref": o.party_ref,
            },
        )


def order_missing_in_crm(
    drp_orders: Iterable[SalesOrder | Mapping[str, Any]],
    linked_drp_nos: Container[str],
    edi_order_nos: Container[str],
    linked_customers: Container[str],
    config: RulesConfig | None = None,
    from_opportunity: Container[str] = (),
) -> Iterator[Discrepancy]:
    """DRP orders of customers known to the CRM that have no CRM order and no EDI 850 origin.

    ``linked_customers`` holds the DRP customer codes that have a CRM counterpart;
    ``from_opportunity`` the DRP orders made from a CRM opportunity (their source reference is its id).
    """
    cfg = _cfg(config)
    kind = "order_missing_in_crm"
    if not cfg.enabled(kind):
        return
    for raw in drp_orders:
        o = as_order(raw)
        if (
            o.external_id in linked_drp_nos
            or o.external_id in edi_order_nos
            or o.external_id in from_opportunity
            or o.party_ref is None
            or o.party_ref not in linked_customers
        ):
            continue
        yield Discrepancy(
            kind,
            cfg.severity(kind),
            (o.external_id,),
            "drp",
            f"DRP order {o.external_id} of customer {o.party_ref} ({_status(o)}, {o.order_date}, "
            f"{_money(o.amount)}) has no order in the CRM.",
            {
                "drp_order_no": o.external_id,
                "status": _status(o),
                "order_date": o.order_date,
                "amount": o.amount,
                "party_ref": o.party_ref,
                "source_ref": o.source_ref,
            },
        )


def order_amount_mismatch(
    pairs: Iterable[tuple[SalesOrder, SalesOrder, Any]], config: RulesConfig | None = None
) -> Iterator[Discrepancy]:
    """Linked orders whose amounts differ by more than the per-order tolerance."""
    cfg = _cfg(config)
    kind = "order_amount_mismatch"
    if not cfg.enabled(kind):
        return
    tol = cfg.orders.amount_tolerance
    for c, d, *_ in pairs:
        if c.amount is None or d.amount is None or abs(c.amount - d.amount) <= tol:
            continue
        diff = d.amount - c.amount
        pct = f" ({diff / c.amount:+.1%})" if c.amount else ""
        yield Discrepancy(
            kind,
            cfg.severity(kind),
            (c.external_id, d.external_id),
            "crm",
            f"Order amounts differ: CRM order {_num(c)} is {_money(c.amount)}, DRP order {d.external_id} "
            f"is {_money(d.amount)}, a difference of {diff:+,.2f}{pct}.",
            {
                "crm_order_id": c.external_id,
                "drp_order_no": d.external_id,
                "crm_amount": c.amount,
                "drp_amount": d.amount,
                "difference": diff,
                "tolerance": tol,
            },
        )


def statuses_equivalent(crm: SalesOrder, drp: SalesOrder, config: RulesConfig | None = None) -> bool:
    """Whether some equivalence class holds the CRM status on its CRM side and the DRP one on its DRP side.

    Each side is looked up by its raw status and by its canonical status.
    """
    cs = (fold(crm.source_status), fold(crm.status))
    ds = (fold(drp.source_status), fold(drp.status))
    for crm_side, drp_side in _classes(_cfg(config).orders.status_equivalence):
        if (cs[0] in crm_side or cs[1] in crm_side) and (ds[0] in drp_side or ds[1] in drp_side):
            return True
    return False


@lru_cache(maxsize=16)
def _classes(classes: tuple[StatusClass, ...]) -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    return tuple((folded(c.crm) - {""}, folded(c.drp) - {""}) for c in classes)


def order_status_mismatch(
    pairs: Iterable[tuple[SalesOrder, SalesOrder, Any]], config: RulesConfig | None = None
) -> Iterator[Discrepancy]:
    """Linked orders whose statuses are not equivalent."""
    cfg = _cfg(config)
    kind = "order_status_mismatch"
    if not cfg.enabled(kind):
        return
    same: dict[tuple[str | None, ...], bool] = {}  # per distinct statuses: few, whatever the orders
    for c, d, *_ in pairs:
        key = (c.source_status, c.status, d.source_status, d.status)
        eq = same.get(key)
        if eq is None:
            eq = same[key] = statuses_equivalent(c, d, cfg)
        if eq:
            continue
        yield Discrepancy(
            kind,
            cfg.severity(kind),
            (c.external_id, d.external_id),
            "crm",
            f"Order status differs: CRM order {_num(c)} is {_status(c)!s}, DRP order {d.external_id} is {_status(d)!s}.",
            {
                "crm_order_id": c.external_id,
                "drp_order_no": d.external_id,
                "crm_status": _status(c),
                "drp_status": _status(d),
                "crm_canonical_status": c.status,
                "drp_canonical_status": d.status,
            },
        )


def order_line_mismatch(
    pairs: Iterable[tuple[SalesOrder, SalesOrder, Any]], lines: LineLookup, config: RulesConfig | None = None
) -> Iterator[Discrepancy]:
    """Linked orders whose lines differ by SKU or quantity.

    A CRM line without a known SKU is compared by quantity only, so an unmapped product is not
    reported as a difference.
    """
    cfg = _cfg(config)
    kind = "order_line_mismatch"
    if not cfg.enabled(kind):
        return
    for c, d, *_ in pairs:
        cl, dl = lines("crm", c.external_id), lines("drp", d.external_id)
        if not cl and not dl:
            continue
        if len(cl) == len(dl) and sorted(map(_pair, cl)) == sorted(map(_pair, dl)):
            continue  # fast path: identical lines
        ca = Counter((ln.sku, ln.quantity) for ln in cl if ln.sku)
        da = Counter((ln.sku, ln.quantity) for ln in dl if ln.sku)
        common = ca & da
        only_c, only_d = ca - common, da - common
        # CRM lines without SKU absorb DRP lines of the same quantity
        loose = Counter(ln.quantity for ln in cl if not ln.sku)
        for (sku, q), n in list(only_d.items()):
            take = min(n, loose[q])
            if take:
                loose[q] -= take
                only_d[(sku, q)] -= take
        only_d += Counter()  # drop zero counts
        if not only_c and not only_d and not +loose:
            continue
        fmt = lambda cnt: ", ".join(f"{s} x{q}" for (s, q), n in sorted(cnt.items()) for _ in range(n))  # noqa: E731
        parts = []
        if only_c:
            parts.append(f"only in CRM: {fmt(only_c)}")
        if only_d:
            parts.append(f"only in DRP: {fmt(only_d)}")
        if +loose:
            parts.append("CRM lines with unmapped product, quantity " + ", ".join(str(q) for q in (+loose).elements()))
        yield Discrepancy(
            kind,
            cfg.severity(kind),
            (c.external_id, d.external_id),
            "crm",
            f"Order lines differ between CRM order {_num(c)} and DRP order {d.external_id}: " + "; ".join(parts) + ".",
            {
                "crm_order_id": c.external_id,
                "drp_order_no": d.external_id,
                "crm_only": sorted(only_c.elements()),
                "drp_only": sorted(only_d.elements()),
            },
        )


def _pair(ln: Any) -> tuple[str, Decimal]:
    return (ln.sku or "", ln.quantity)


# ----------------------------------------------------------------------------- inventory
@dataclass(frozen=True, slots=True)
class Location:
    external_id: str
    kind: str | None
    owner_ref: str | None = None


@dataclass(frozen=True, slots=True)
class StockPosition:
    """One inventory figure: a DRP warehouse row (location_ref) or an EDI 846 line (party_ref)."""

    sku: str
    on_hand: Decimal
    as_of: date | None
    location_ref: str | None = None
    party_ref: str | None = None
    report_ref: str | None = None


def as_location(obj: Location | Mapping[str, Any]) -> Location:
    """A Location from itself or a dict with canonical location field names."""
    if isinstance(obj, Location):
        return obj
    ext = clean_str(obj.get("external_id"))
    if ext is None:
        raise MappingError("location without external_id", field="external_id")
    return Location(ext, clean_str(obj.get("kind")), clean_str(obj.get("owner_ref")))


def as_position(obj: StockPosition | Mapping[str, Any]) -> StockPosition:
    """A StockPosition from itself or a dict with canonical inventory field names."""
    if isinstance(obj, StockPosition):
        return obj
    ext = clean_str(obj.get("external_id"))
    sku = clean_str(obj.get("sku"))
    qty = coerce_decimal(obj.get("on_hand"), "on_hand", ext)
    if sku is None or qty is None:
        raise MappingError(
            "inventory row without sku or on_hand", external_id=ext, field="sku" if sku is None else "on_hand"
        )
    return StockPosition(
        sku,
        qty,
        coerce_date(obj.get("as_of"), "as_of", ext),
        clean_str(obj.get("location_ref")),
        clean_str(obj.get("party_ref")),
        clean_str(obj.get("report_ref")),
    )


def inventory_variance(
    locations: Iterable[Location | Mapping[str, Any]],
    drp_positions: Iterable[StockPosition | Mapping[str, Any]],
    edi_positions: Iterable[StockPosition | Mapping[str, Any]],
    config: RulesConfig | None = None,
) -> Iterator[Discrepancy]:
    """Consignment warehouses whose on-hand differs from the owner's latest EDI 846, per SKU.

    The owner is the warehouse's ``owner_ref``; its 846 lines carry the same code as
    ``party_ref`` (N1*DS ... 91). Only the owner's latest report date counts; an owner that sent
    no 846 is not compared.
    """
    cfg = _cfg(config)
    kind = "inventory_variance"
    if not cfg.enabled(kind):
        return
    icfg = cfg.inventory
    kinds = {fold(k) for k in icfg.consignment_kinds}
    owner_of: dict[str, str] = {}
    for raw in locations:
        loc = as_location(raw)
        if fold(loc.kind) in kinds and loc.owner_ref:
            owner_of[loc.external_id] = loc.owner_ref
    # owner -> (latest date, sku -> qty, report ref)
    latest: dict[str, tuple[date | None, dict[str, Decimal], str | None]] = {}
    for pos in edi_positions:
        p = as_position(pos)
        if p.party_ref is None:
            continue
        cur = latest.get(p.party_ref)
        if cur is None or (p.as_of is not None and (cur[0] is None or p.as_of > cur[0])):
            latest[p.party_ref] = (p.as_of, {p.sku: p.on_hand}, p.report_ref)
        elif p.as_of == cur[0]:
            cur[1][p.sku] = cur[1].get(p.sku, Decimal(0)) + p.on_hand
    # warehouse -> sku -> (as_of, qty): the DRP's latest figure
    drp: dict[str, dict[str, tuple[date | None, Decimal]]] = defaultdict(dict)
    for pos in drp_positions:
        p = as_position(pos)
        if p.location_ref not in owner_of:
            continue
        prev = drp[p.location_ref].get(p.sku)
        if prev is None or (p.as_of is not None and (prev[0] is None or p.as_of > prev[0])):
            drp[p.location_ref][p.sku] = (p.as_of, p.on_hand)
    tol = icfg.qty_tolerance
    for wh in sorted(owner_of):
        owner = owner_of[wh]
        rep = latest.get(owner)
        if rep is None:
            continue
        rdate, rq, rref = rep
        stock = drp.get(wh, {})
        skus = set(rq) | set(stock) if icfg.missing_sku_as_zero else set(rq) & set(stock)
        for sku in sorted(skus):
            dq = stock[sku][1] if sku in stock else Decimal(0)
            eq = rq.get(sku, Decimal(0))
            if abs(dq - eq) <= tol:
                continue
            yield Discrepancy(
                kind,
                cfg.severity(kind),
                (wh, sku),
                "drp",
                f"Consignment warehouse {wh} (owner {owner}) holds {dq} of {sku} in the DRP, but the owner's "
                f"EDI 846 of {rdate} reports {eq} (difference {dq - eq:+}).",
                {
                    "warehouse_code": wh,
                    "sku": sku,
                    "owner": owner,
                    "drp_on_hand": dq,
                    "edi_on_hand": eq,
                    "edi_as_of": rdate,
                    "edi_report": rref,
                    "drp_as_of": stock[sku][0] if sku in stock else None,
                },
            )


# ----------------------------------------------------------------------------- payments and credit
def unapplied_payment(
    applications: Iterable[PaymentApplication], config: RulesConfig | None = None
) -> Iterator[Discrepancy]:
    """Payments that cash application could not apply to any invoice of their customer."""
    cfg = _cfg(config)
    kind = "unapplied_payment"
    if not cfg.enabled(kind):
        return
    for app in applications:
        if app.applied:
            continue
        p = app.payment
        yield Discrepancy(
            kind,
            cfg.severity(kind),
            (p.external_id,),
            "drp",
            f"Payment {p.external_id} of {_money(p.amount)} from customer {p.party_ref} on {p.payment_date} "
            f"cannot be applied: {app.reason}.",
            {
                "payment_no": p.external_id,
                "party_ref": p.party_ref,
                "amount": p.amount,
                "payment_date": p.payment_date,
                "memo": p.memo,
                "invoice_refs": list(app.refs),
                "reason": app.reason,
            },
        )


def credit_exceeded(
    parties: Iterable[Mapping[str, Any]],
    invoices: Iterable[Invoice | Mapping[str, Any]],
    orders: Iterable[SalesOrder | Mapping[str, Any]],
    config: RulesConfig | None = None,
) -> Iterator[Discrepancy]:
    """Customers whose open invoices plus approved orders exceed their credit limit.

    ``parties`` are canonical party dicts (``external_id``, ``credit_limit``) of one system;
    invoices and orders are that system's, keyed to them by ``party_ref``. A blank limit means
    no limit is managed and the customer is skipped; a customer with no exposure never exceeds.
    """
    cfg = _cfg(config)
    kind = "credit_exceeded"
    if not cfg.enabled(kind):
        return
    ccfg = cfg.credit
    open_amt: dict[str, Decimal] = defaultdict(Decimal)
    for raw in invoices:
        inv = as_invoice(raw)
        if inv.party_ref is not None:
            open_amt[inv.party_ref] += inv.open_amount if inv.open_amount is not None else inv.amount
    ordered: dict[str, Decimal] = defaultdict(Decimal)
    statuses = ccfg.exposure_order_statuses
    exposed: dict[tuple[str | None, str | None], bool] = {}  # per distinct (raw, canonical) status
    for order_raw in orders:
        o = as_order(order_raw)
        if o.party_ref is None or o.amount is None:
            continue
        key = (o.source_status, o.status)
        counts = exposed.get(key)
        if counts is None:
            counts = exposed[key] = status_in(o, statuses)
        if counts:
            ordered[o.party_ref] += o.amount
    for party in parties:
        code = clean_str(party.get("external_id"))
        limit = coerce_decimal(party.get("credit_limit"), "credit_limit", code)
        if code is None or limit is None or (ccfg.skip_zero_limit and limit == 0):
            continue
        inv_sum, ord_sum = open_amt.get(code, Decimal(0)), ordered.get(code, Decimal(0))
        exposure = inv_sum + ord_sum
        if exposure <= 0 or not (exposure > limit if ccfg.strict else exposure >= limit):
            continue
        yield Discrepancy(
            kind,
            cfg.severity(kind),
            (code,),
            "drp",
            f"Customer {party.get('name') or code} is over its credit limit: open invoices {_money(inv_sum)} + "
            f"approved orders {_money(ord_sum)} = {_money(exposure)}, over the limit of {_money(limit)} "
            f"by {_money(exposure - limit)}.",
            {
                "drp_customer_code": code,
                "credit_limit": limit,
                "open_invoices": inv_sum,
                "approved_orders": ord_sum,
                "exposure": exposure,
                "over_by": exposure - limit,
            },
        )


def credit_hold(holds: Iterable[Mapping[str, Any]], config: RulesConfig | None = None) -> Iterator[Discrepancy]:
    """CRM orders on credit hold, one finding each with the figures the push decided on.

    A hold is a mapping: ``crm_order_id``, ``order_number``, ``customer`` (DRP code), ``amount``,
    ``available``, ``limit``, ``receivables``, ``open_orders`` and ``group`` (the group head whose
    shared credit was short, else None). The push hands over the orders it holds in one run, so an
    order released (or no longer sent) is no longer found.
    """
    cfg = _cfg(config)
    kind = "credit_hold"
    if not cfg.enabled(kind):
        return
    for h in holds:
        whose = f"group {h['group']}" if h.get("group") else f"customer {h['customer']}"
        yield Discrepancy(
            kind,
            cfg.severity(kind),
            (h["crm_order_id"],),
            "crm",
            f"CRM order {h.get('order_number') or h['crm_order_id']} of customer {h['customer']} is held for credit: "
            f"the order amount {_money(h['amount'])} is more than the available credit of {whose}, "
            f"{_money(h['available'])} (limit {_money(h['limit'])} less receivables {_money(h['receivables'])} "
            f"and open orders {_money(h['open_orders'])}).",
            {
                k: h.get(k)
                for k in (
                    "crm_order_id",
                    "order_number",
                    "customer",
                    "amount",
                    "available",
                    "limit",
                    "receivables",
                    "open_orders",
                    "group",
                )
            },
        )


# ----------------------------------------------------------------------------- hierarchy
def _parent_id(system: str, parent: Any, canonical: Mapping[tuple[str, str], str]) -> str | None:
    """The canonical customer a parent ref points at; an unlinked parent as ``?system:ref`` (never equal)."""
    ref = clean_str(parent)
    if ref is None:
        return None
    return canonical.get((system, ref)) or f"?{system}:{ref}"


def hierarchy_mismatch(
    crm_parties: Iterable[Mapping[str, Any]],
    drp_parties: Iterable[Mapping[str, Any]],
    canonical: Mapping[tuple[str, str], str],
    systems_of: Mapping[str, frozenset[str]],
    config: RulesConfig | None = None,
) -> Iterator[Discrepancy]:
    """Linked customers whose parent or channel level differs between the CRM and the DRP.

    ``canonical`` maps (system, customer id) to the canonical customer (the party crosswalk);
    both systems' ``parent_ref`` are compared through it. A parent only one system holds (the
    other cannot record it; the DRP then names the next ancestor it has) is not compared, nor is
    a missing parent against it. ``systems_of``: canonical customer -> the systems holding it.
    Canonical ``channel_level`` values are compared when both sides have one, levels of one
    ``hierarchy.level_equivalence`` group agreeing. Parties carry their ``system``.
    """
    cfg = _cfg(config)
    kind = "hierarchy_mismatch"
    if not cfg.enabled(kind):
        return
    same = {fold(a): i for i, grp in enumerate(cfg.hierarchy.level_equivalence) for a in grp}
    crm_by_cid: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    crm_system = None
    for p in crm_parties:
        crm_system = p["system"]
        cid = canonical.get((p["system"], p["external_id"]))
        if cid is not None:
            crm_by_cid[cid].append(p)
    for d in drp_parties:
        cid = canonical.get((d["system"], d["external_id"]))
        for c in sorted(crm_by_cid.get(cid, []) if cid else [], key=lambda r: r["external_id"]):
            cp, dp = (
                _parent_id(crm_system or c["system"], c.get("parent_ref"), canonical),
                _parent_id(d["system"], d.get("parent_ref"), canonical),
            )
            cl, dl = fold(c.get("channel_level")), fold(d.get("channel_level"))
            both = {c["system"], d["system"]}
            parts = []
            if cp != dp and all(x is None or both <= systems_of.get(x, frozenset()) for x in (cp, dp)):
                parts.append(
                    f"parent: CRM {c.get('parent_ref') or 'none'}, DRP {d.get('parent_ref') or 'none'}"
                    + (" (different customers)" if cp and dp else "")
                )
            if cl and dl and cl != dl and (cl not in same or same.get(cl) != same.get(dl)):
                parts.append(f"channel level: CRM {c.get('channel_level')}, DRP {d.get('channel_level')}")
            if not parts:
                continue
            yield Discrepancy(
                kind,
                cfg.severity(kind),
                (d["external_id"], c["external_id"]),
                "drp",
                f"Customer {d.get('name') or d['external_id']} sits differently in the channel hierarchy: "
                + "; ".join(parts)
                + ".",
                {
                    "drp_customer_code": d["external_id"],
                    "crm_account_id": c["external_id"],
                    "crm_parent": c.get("parent_ref"),
                    "drp_parent": d.get("parent_ref"),
                    "crm_parent_customer": cp,
                    "drp_parent_customer": dp,
                    "crm_channel_level": c.get("channel_level"),
                    "drp_channel_level": d.get("channel_level"),
                },
            )


# ----------------------------------------------------------------------------- order to invoice
def invoice_amount_mismatch(
    drp_orders: Iterable[SalesOrder | Mapping[str, Any]],
    invoices: Iterable[Invoice | Mapping[str, Any]],
    config: RulesConfig | None = None,
) -> Iterator[Discrepancy]:
    """DRP orders whose invoices (by ``order_ref``) do not add up to the order amount.

    Invoicing more than the order is always reported; invoicing less only once the order is in a
    status of ``orders.fully_invoiced`` (partial invoicing of an open order is normal). The
    tolerance is the per-order amount tolerance.
    """
    cfg = _cfg(config)
    kind = "invoice_amount_mismatch"
    if not cfg.enabled(kind):
        return
    tol = cfg.orders.amount_tolerance
    by_order: dict[str, list[Invoice]] = defaultdict(list)
    for raw in invoices:
        inv = as_invoice(raw)
        if inv.order_ref:
            by_order[inv.order_ref].append(inv)
    for order_row in drp_orders:
        o = as_order(order_row)
        invs = by_order.get(o.external_id)
        if not invs or o.amount is None:
            continue
        total = sum((i.amount for i in invs), Decimal(0))
        diff = total - o.amount
        if abs(diff) <= tol or (diff < 0 and not status_in(o, cfg.orders.fully_invoiced)):
            continue
        nos = sorted(i.external_id for i in invs)
        yield Discrepancy(
            kind,
            cfg.severity(kind),
            (o.external_id,),
            "drp",
            f"DRP order {o.external_id} ({_status(o)}, {_money(o.amount)}) is invoiced "
            f"{'more' if diff > 0 else 'less'} than ordered: invoice{'s' if len(nos) > 1 else ''} "
            f"{', '.join(nos)} total {_money(total)}, a difference of {diff:+,.2f}.",
            {
                "drp_order_no": o.external_id,
                "invoice_nos": nos,
                "order_amount": o.amount,
                "invoiced": total,
                "difference": diff,
                "status": _status(o),
                "tolerance": tol,
            },
        )
