"""Credit quota: available credit per customer and per group (limit - open receivables - open orders), as pure functions.

A customer's exposure is its open receivables (open invoice balances) plus its open orders (DRP
orders in an open status with no invoice yet). A group is a parent with a credit limit and every
customer below it: the parent's limit is shared, so an order must fit the customer's own available
credit (when it has a limit) and its group's. :class:`CreditBook` hands out credit order by order,
so the orders of one run cannot together exceed what one of them alone would fit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["CreditBook", "Exposure", "Verdict", "exposures", "group_heads"]

ZERO = Decimal(0)


def _dec(value: Any) -> Decimal:
    return ZERO if value in (None, "") else Decimal(str(value))


@dataclass(frozen=True)
class Exposure:
    """One customer's (or group's) credit position; ``limit`` None: no limit set, never held."""

    limit: Decimal | None
    receivables: Decimal
    open_orders: Decimal

    @property
    def used(self) -> Decimal:
        return self.receivables + self.open_orders

    @property
    def available(self) -> Decimal | None:
        return None if self.limit is None else self.limit - self.used


def exposures(
    parties: Iterable[Mapping[str, Any]],
    invoices: Iterable[Mapping[str, Any]],
    orders: Iterable[Mapping[str, Any]],
    open_statuses: Iterable[str],
) -> dict[str, Exposure]:
    """Per DRP customer code: its limit, open receivables and open uninvoiced orders."""
    invoiced = {i["order_ref"] for i in invoices if i.get("order_ref")}
    receivables: dict[str, Decimal] = defaultdict(Decimal)
    for inv in invoices:
        if inv.get("party_ref"):
            receivables[inv["party_ref"]] += max(_dec(inv.get("open_amount")), ZERO)
    open_orders: dict[str, Decimal] = defaultdict(Decimal)
    statuses = set(open_statuses)
    for o in orders:
        if o.get("party_ref") and o.get("status") in statuses and o["external_id"] not in invoiced:
            open_orders[o["party_ref"]] += _dec(o.get("amount"))
    out = {}
    for p in parties:
        code = p["external_id"]
        limit = None if p.get("credit_limit") in (None, "") else _dec(p["credit_limit"])
        out[code] = Exposure(limit, receivables.get(code, ZERO), open_orders.get(code, ZERO))
    return out


def group_heads(parties: Iterable[Mapping[str, Any]], limits: Mapping[str, Exposure]) -> dict[str, str]:
    """Customer code -> the top-most ancestor with a credit limit (its group head); customers without one are left out."""
    parent = {p["external_id"]: p.get("parent_ref") for p in parties}
    out: dict[str, str] = {}
    for code in parent:
        head, seen, node = None, {code}, parent.get(code)
        while node and node not in seen:
            seen.add(node)
            if limits.get(node) is not None and limits[node].limit is not None:
                head = node
            node = parent.get(node)
        if head is not None:
            out[code] = head
    return out


@dataclass(frozen=True)
class Verdict:
    """Whether an order fits; when it does not, the reason in words and the figures."""

    ok: bool
    reason: str = ""
    figures: Mapping[str, str] | None = None


class CreditBook:
    """Available credit of every customer and group, reduced as orders are accepted."""

    def __init__(self, exposure: Mapping[str, Exposure], heads: Mapping[str, str] | None = None) -> None:
        self.exposure = dict(exposure)
        self.heads = dict(heads or {})
        self.taken: dict[str, Decimal] = defaultdict(Decimal)
        self.group_used: dict[str, Decimal] = defaultdict(Decimal)
        self.group_receivables: dict[str, Decimal] = defaultdict(Decimal)
        for code, e in self.exposure.items():
            head = self.heads.get(code)
            if head is not None:
                self.group_used[head] += e.used
                self.group_receivables[head] += e.receivables
        for head in set(self.heads.values()):
            self.group_used[head] += self.exposure[head].used
            self.group_receivables[head] += self.exposure[head].receivables

    def available(self, code: str) -> Decimal | None:
        e = self.exposure.get(code)
        return None if e is None or e.limit is None else e.limit - e.used - self.taken[code]

    def group_available(self, code: str) -> tuple[str, Decimal] | None:
        head = self.heads.get(code)
        if head is None:
            return None
        limit = self.exposure[head].limit or ZERO
        return head, limit - self.group_used[head]

    def check(self, code: str, amount: Decimal) -> Verdict:
        """Would an order of ``amount`` fit? (Does not take the credit: see :meth:`take`.)"""
        own = self.available(code)
        if own is not None and amount > own:
            e = self.exposure[code]
            return Verdict(
                False,
                f"over credit: order {amount:.2f} > available {own:.2f} (limit {e.limit:.2f} - "
                f"receivables {e.receivables:.2f} - open orders {e.open_orders + self.taken[code]:.2f})",
                {
                    "order": f"{amount:.2f}",
                    "available": f"{own:.2f}",
                    "limit": f"{e.limit:.2f}",
                    "receivables": f"{e.receivables:.2f}",
                    "open_orders": f"{e.open_orders + self.taken[code]:.2f}",
                },
            )
        group = self.group_available(code)
        if group is not None and amount > group[1]:
            head, avail = group
            return Verdict(
                False,
                f"over group credit of {head}: order {amount:.2f} > group available {avail:.2f}",
                {
                    "order": f"{amount:.2f}",
                    "available": f"{avail:.2f}",
                    "group": head,
                    "limit": f"{self.exposure[head].limit or ZERO:.2f}",
                    "receivables": f"{self.group_receivables[head]:.2f}",
                    "open_orders": f"{self.group_used[head] - self.group_receivables[head]:.2f}",
                },
            )
        return Verdict(True)

    def take(self, code: str, amount: Decimal) -> None:
        """Count an accepted order against the customer and its group."""
        self.taken[code] += amount
        head = self.heads.get(code, code if code in self.group_used else None)
        if head is not None:
            self.group_used[head] += amount
