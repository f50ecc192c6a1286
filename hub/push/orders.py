"""CRM orders into DRP sales orders: which CRM orders to send, with which lines, customer and SKUs (pure planning).

A CRM order is sent when its canonical status is one the rules name, it carries no DRP order
number, no DRP order is linked to it or names its order number as 来源单号, and every part
translates: the account through the party crosswalk to a DRP customer, every product through the
product crosswalk to a DRP SKU, a positive quantity and a price on every line, lines adding up to
the header amount, and the order's currency the customer's. Anything else is skipped with the
reason, never sent half-mapped.

With ``trigger: [opportunity]`` a closed-won opportunity with its line items is planned the same
way (``opportunity_orders`` shapes it as an order): its CRM id is its 来源单号, its close date the
order date, and an opportunity that already has a CRM order is left to that order when orders are
a trigger too.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub.push.flow_config import OrderFlow
from hub.reconcile.orders import normalize_order_number

__all__ = ["OrderPlan", "Skip", "create_payload", "opportunity_orders", "order_key", "plan_orders"]

CENT = Decimal("0.01")


@dataclass(frozen=True)
class OrderPlan:
    """A CRM order ready to become a DRP sales order."""

    crm_id: str
    order_number: str
    account_id: str
    customer: str
    order_date: Any
    currency: str
    amount: Decimal
    #: (line no, DRP SKU, quantity, unit price)
    lines: tuple[tuple[int, str, Decimal, Decimal], ...]
    #: the CRM stream the plan came from (the order or the opportunity stream): write-backs go there
    origin: str = "Order"
    #: the CRM owner of the order or opportunity, when it names one
    owner: str | None = None


@dataclass(frozen=True)
class Skip:
    """A CRM order that qualifies but cannot be sent, and why."""

    crm_id: str
    order_number: str
    reason: str


def order_key(crm_id: str) -> str:
    """The create's idempotency key: one per CRM order, whatever its content."""
    return "hub-order-" + hashlib.blake2b(f"order-create\x1f{crm_id}".encode(), digest_size=12).hexdigest()


def _dec(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def plan_orders(
    rules: OrderFlow,
    crm_orders: Iterable[Mapping[str, Any]],
    crm_lines: Iterable[Mapping[str, Any]],
    drp_orders: Iterable[Mapping[str, Any]],
    linked: set[str],
    party_map: Mapping[str, str],
    product_map: Mapping[str, str],
    drp_parties: Mapping[str, Mapping[str, Any]],
) -> tuple[list[OrderPlan], list[Skip]]:
    """CRM orders to send (by order date, then id) and the qualifying ones that cannot be sent."""
    known_refs = {normalize_order_number(o.get("source_ref")) for o in drp_orders if o.get("source_ref")}
    lines_of: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for ln in crm_lines:
        if ln.get("order_ref"):
            lines_of[ln["order_ref"]].append(ln)
    plans: list[OrderPlan] = []
    skips: list[Skip] = []
    wanted = set(rules.when_status)
    for o in sorted(crm_orders, key=lambda r: (str(r.get("order_date") or ""), r["external_id"])):
        crm_id, number = o["external_id"], str(o.get("order_number") or "")
        if o.get("origin") is None and o.get("status") not in wanted:
            continue
        if o.get("erp_order_no") or crm_id in linked:
            continue
        if number and normalize_order_number(number) in known_refs:
            continue
        if rules.not_before and o.get("order_date") and o["order_date"] < rules.not_before:
            continue
        plan = _plan_one(rules, o, lines_of.get(crm_id, []), party_map, product_map, drp_parties)
        if isinstance(plan, OrderPlan):
            plans.append(plan)
        else:
            skips.append(plan)
    return plans, skips


def _plan_one(
    rules: OrderFlow,
    o: Mapping[str, Any],
    lines: list[Mapping[str, Any]],
    party_map: Mapping[str, str],
    product_map: Mapping[str, str],
    drp_parties: Mapping[str, Mapping[str, Any]],
) -> OrderPlan | Skip:
    crm_id, number = o["external_id"], str(o.get("order_number") or "")
    customer = party_map.get(o.get("party_ref") or "")
    if customer is None:
        return Skip(crm_id, number, f"account {o.get('party_ref')} has no DRP customer (party crosswalk)")
    if not lines:
        return Skip(crm_id, number, "the order has no lines")
    out = []
    total = Decimal(0)
    for n, ln in enumerate(sorted(lines, key=lambda r: (r.get("line_no") or 0, r["external_id"])), start=1):
        sku = product_map.get(ln.get("product_ref") or "")
        if sku is None:
            return Skip(crm_id, number, f"line {n}: product {ln.get('product_ref')} has no DRP SKU (product crosswalk)")
        qty, price = _dec(ln.get("quantity")), _dec(ln.get("unit_price"))
        if qty is None or qty <= 0:
            return Skip(crm_id, number, f"line {n}: quantity {ln.get('quantity')!r} is not positive")
        if price is None or price < 0:
            return Skip(crm_id, number, f"line {n}: no unit price")
        total += (qty * price).quantize(CENT)
        out.append((n, sku, qty, price))
    header = _dec(o.get("amount"))
    if header is not None and abs(header - total) > Decimal(str(rules.amount_tolerance)):
        return Skip(crm_id, number, f"header amount {header} differs from the sum of the lines {total}")
    currency = str(o.get("currency") or "CNY")
    theirs = str((drp_parties.get(customer) or {}).get("currency") or "CNY")
    if currency != theirs:
        return Skip(crm_id, number, f"order currency {currency} differs from DRP customer {customer}'s {theirs}")
    return OrderPlan(
        crm_id,
        number,
        o.get("party_ref") or "",
        customer,
        o.get("order_date"),
        currency,
        total,
        tuple(out),
        origin=str(o.get("origin") or rules.crm_stream),
        owner=o.get("owner_ref"),
    )


def opportunity_orders(
    rules: OrderFlow,
    opportunities: Iterable[Mapping[str, Any]],
    raw_opportunities: Mapping[str, Mapping[str, Any]],
    raw_lines: Iterable[Mapping[str, Any]],
    crm_orders: Iterable[Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Closed-won opportunities and their line items shaped as CRM orders and order lines for ``plan_orders``.

    ``opportunities`` are canonical records (stage as the CRM names it), ``raw_opportunities`` the
    extracted records (for the DRP number column), ``raw_lines`` the extracted line items.
    """
    won = set(rules.won_stages)
    has_order = (
        {o["opportunity_ref"] for o in crm_orders if o.get("opportunity_ref")} if "order" in rules.trigger else set()
    )
    orders: list[dict[str, Any]] = []
    for opp in opportunities:
        oid = opp["external_id"]
        if opp.get("stage") not in won or oid in has_order:
            continue
        raw = raw_opportunities.get(oid) or {}
        orders.append(
            {
                "external_id": oid,
                "order_number": oid,
                "origin": rules.opportunity_stream,
                "party_ref": opp.get("party_ref"),
                "order_date": opp.get("close_date"),
                "amount": opp.get("amount"),
                "currency": opp.get("currency"),
                "owner_ref": opp.get("owner_ref"),
                "erp_order_no": raw.get(rules.order_number_column),
            }
        )
    wanted = {o["external_id"] for o in orders}
    lines = [
        {
            "external_id": str(ln.get("Id") or ""),
            "order_ref": ln.get("OpportunityId"),
            "product_ref": ln.get("Product2Id"),
            "quantity": ln.get("Quantity"),
            "unit_price": ln.get("UnitPrice"),
            "line_no": ln.get("SortOrder"),
        }
        for ln in raw_lines
        if ln.get("OpportunityId") in wanted
    ]
    return orders, lines


def create_payload(plan: OrderPlan, create_format: str = "drp_soap") -> dict[str, Any]:
    """The create as the DRP takes it, JSON-able (kept in the outbox as sent): the DRP SOAP CreateSalesOrder record
    (header and lines), or a Tryton draft sale (party id, reference = the CRM order number, lines by SKU)."""
    if create_format == "tryton":
        return {
            "party_id": plan.customer,
            "sale_date": str(plan.order_date),
            "reference": plan.order_number,
            "description": f"CRM {plan.origin} {plan.crm_id}",
            "lines": [
                {"sku": sku, "quantity": str(qty), "unit_price": str(price)} for _, sku, qty, price in plan.lines
            ],
        }
    return {
        "customerCode": plan.customer,
        "orderDate": str(plan.order_date),
        "currency": plan.currency,
        "orderAmount": f"{plan.amount:.2f}",
        "sourceRef": plan.order_number,
        "lines": {
            "line": [
                {"lineNo": n, "sku": sku, "qty": str(qty), "unitPrice": str(price)} for n, sku, qty, price in plan.lines
            ]
        },
    }
