"""The order-to-cash push: credit-check the CRM orders, create the ones that fit in the DRP, hold the rest.

Steps: plan the CRM orders that have no DRP counterpart (``hub.push.orders``); hand out credit
order by order (``hub.push.credit``); the circuit breaker on the creates; each create through the
outbox keyed by the CRM order id (the DRP also deduplicates by request id and 来源单号); the DRP
order number written back to the CRM order; a held order gets the reason in its hold column and a
released one has it cleared; every CRM account gets its available credit. A dry run plans only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from hub.connector import Connector
from hub.push.breaker import evaluate
from hub.push.config import BreakerRules, PushRules, RetryRules
from hub.push.credit import CreditBook, Verdict, exposures, group_heads
from hub.push.flow_data import crosswalk, raw_records, records
from hub.push.flow_send import FlowChange, send_changes
from hub.push.hold_findings import record_holds
from hub.push.orders import OrderPlan, Skip, create_payload, opportunity_orders, order_key, plan_orders

__all__ = ["Hold", "OrderOutcome", "run_orders"]


@dataclass(frozen=True)
class Hold:
    """An order held for credit."""

    plan: OrderPlan
    verdict: Verdict


@dataclass
class OrderOutcome:
    """What the order flow did (or would do): created, held, skipped, and the CRM writes."""

    created: dict[str, str] = field(default_factory=dict)  # CRM order id -> DRP order number
    planned: list[OrderPlan] = field(default_factory=list)
    held: list[Hold] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    breaker: str | None = None
    available: dict[str, Decimal | None] = field(default_factory=dict)  # CRM account id -> available credit
    counts: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "planned": len(self.planned),
            "created": len(self.created),
            "held": len(self.held),
            "skipped": len(self.skipped),
            "breaker": self.breaker,
            **self.counts,
            "held_orders": [f"{h.plan.order_number}: {h.verdict.reason}" for h in self.held],
            "skipped_orders": [f"{s.order_number}: {s.reason}" for s in self.skipped],
        }


def _key(prefix: str, *parts: Any) -> str:
    return f"hub-{prefix}-" + hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=12).hexdigest()


def _retry(rules: PushRules, system: str) -> RetryRules:
    target = rules.targets.get(system)
    return target.retry if target else RetryRules()


def run_orders(
    engine: Engine,
    run_id: int,
    rules: PushRules,
    connector: Callable[[str], Connector],
    dry_run: bool = False,
    approve: bool = False,
) -> OrderOutcome:
    """Plan, credit-check, create, write back and hold; see the module docstring."""
    flows = rules.flows
    assert flows is not None and flows.orders is not None
    of, cf = flows.orders, flows.credit
    out = OrderOutcome()
    opps: list[dict[str, Any]] = []
    opp_lines: list[dict[str, Any]] = []
    with engine.connect() as conn:
        crm_orders = records(conn, "sales_order", of.crm)
        crm_lines = records(conn, "order_line", of.crm)
        drp_orders = records(conn, "sales_order", of.drp)
        drp_parties = records(conn, "party", of.drp)
        invoices = records(conn, "invoice", of.drp)
        linked = set(crosswalk(conn, "sales_order", of.crm, of.drp))
        party_map = crosswalk(conn, "party", of.crm, of.drp)
        # CRM product -> DRP product -> its SKU (a DRP keyed by SKU, like the SOAP DRP, maps to itself)
        sku_of = {p["external_id"]: p.get("sku") or p["external_id"] for p in records(conn, "product", of.drp)}
        product_map = {k: sku_of.get(v, v) for k, v in crosswalk(conn, "product", of.crm, of.drp).items()}
        raw_orders = raw_records(conn, of.crm, of.crm_stream)
        raw_accounts = raw_records(conn, of.crm, "Account") if cf and cf.account_column else {}
        if "opportunity" in of.trigger:
            raw_opps = raw_records(conn, of.crm, of.opportunity_stream)
            opps, opp_lines = opportunity_orders(
                of,
                records(conn, "opportunity", of.crm),
                raw_opps,
                raw_records(conn, of.crm, of.opportunity_line_stream).values(),
                crm_orders,
            )
            raw_orders = {**raw_orders, **raw_opps}
    parties = {p["external_id"]: p for p in drp_parties}
    candidates = crm_orders if "order" in of.trigger else []
    candidate_lines = crm_lines if "order" in of.trigger else []
    if "opportunity" in of.trigger:
        candidates, candidate_lines = [*candidates, *opps], [*candidate_lines, *opp_lines]
    out.planned, out.skipped = plan_orders(
        of, candidates, candidate_lines, drp_orders, linked, party_map, product_map, parties
    )
    book = None
    if cf is not None and cf.enabled:
        exp = exposures(drp_parties, invoices, drp_orders, cf.open_statuses)
        book = CreditBook(exp, group_heads(drp_parties, exp) if cf.group else None)
    send: list[OrderPlan] = []
    for plan in out.planned:
        verdict = book.check(plan.customer, plan.amount) if book else Verdict(True)
        if verdict.ok:
            if book:
                book.take(plan.customer, plan.amount)
            send.append(plan)
        else:
            out.held.append(Hold(plan, verdict))
    if book is not None:
        back = {drp: crm for crm, drp in party_map.items()}
        out.available = {back[c]: book.available(c) for c in book.exposure if c in back}
    trip = evaluate(BreakerRules(max_share=of.breaker_share, min_changes=of.breaker_min), len(send), len(drp_orders))
    if trip.tripped and not approve:
        out.breaker = trip.describe()
        send = []
    if dry_run:
        return out
    # the holds as credit_hold discrepancies: a released order's is resolved
    _merge(out.counts, record_holds(engine, run_id, of.drp, out.held), "credit_hold_")
    creates = [FlowChange(order_key(p.crm_id), p.crm_id, "create", create_payload(p, of.create_format)) for p in send]
    sent = send_changes(
        engine,
        run_id,
        of.drp,
        of.drp_stream,
        "sales_order",
        connector(of.drp),
        creates,
        _retry(rules, of.drp),
        deduplicating=True,
        batch=1,
    )
    out.failed.update(sent.failed)
    _merge(out.counts, sent.counts, "drp_")
    for p in send:
        number = sent.written.get(order_key(p.crm_id))
        if number:
            out.created[p.crm_id] = number
    origin = {p.crm_id: p.origin for p in out.planned}
    crm_writes = _crm_order_writes(of, out, raw_orders)
    for stream in sorted({origin.get(c.record_id, of.crm_stream) for c in crm_writes}):
        res = send_changes(
            engine,
            run_id,
            of.crm,
            stream,
            "sales_order" if stream == of.crm_stream else "opportunity",
            connector(of.crm),
            [c for c in crm_writes if origin.get(c.record_id, of.crm_stream) == stream],
            _retry(rules, of.crm),
            deduplicating=False,
        )
        out.failed.update(res.failed)
        _merge(out.counts, res.counts, "crm_order_")
    if cf is not None and cf.account_column and out.available:
        acct = [
            FlowChange(
                _key("credit", a, cf.account_column, f"{v:.2f}"),
                a,
                "update",
                {cf.account_column: float(v)},
                external_id=a,
            )
            for a, v in sorted(out.available.items())
            if v is not None and _changed((raw_accounts.get(a) or {}).get(cf.account_column), v)
        ]
        if acct:
            res = send_changes(
                engine,
                run_id,
                of.crm,
                "Account",
                "party",
                connector(of.crm),
                acct,
                _retry(rules, of.crm),
                deduplicating=False,
            )
            out.failed.update(res.failed)
            _merge(out.counts, res.counts, "crm_credit_")
    return out


def _changed(live: Any, value: Decimal) -> bool:
    try:
        return live in (None, "") or Decimal(str(live)).quantize(Decimal("0.01")) != value.quantize(Decimal("0.01"))
    except ArithmeticError:
        return True


def _crm_order_writes(of: Any, out: OrderOutcome, raw: dict[str, dict[str, Any]]) -> list[FlowChange]:
    """DRP numbers into the created orders (clearing a hold), hold reasons into held ones, cleared on release."""
    changes = []
    col, hold = of.order_number_column, of.hold_column
    for crm_id, number in sorted(out.created.items()):
        data: dict[str, Any] = {col: number}
        if hold and (raw.get(crm_id) or {}).get(hold):
            data[hold] = None
        changes.append(
            FlowChange(
                _key("orderno", crm_id, number),
                crm_id,
                "update",
                data,
                external_id=crm_id,
                diff={col: {"field": "erp_order_no", "before": None, "after": number}},
            )
        )
    if hold:
        held = {h.plan.crm_id: h.verdict.reason for h in out.held}
        for crm_id, reason in sorted(held.items()):
            if (raw.get(crm_id) or {}).get(hold) != reason[:255]:
                changes.append(
                    FlowChange(_key("hold", crm_id, reason), crm_id, "update", {hold: reason[:255]}, external_id=crm_id)
                )
    return changes


def _merge(into: dict[str, int], counts: dict[str, int], prefix: str) -> None:
    for k, v in counts.items():
        into[prefix + k] = into.get(prefix + k, 0) + v
