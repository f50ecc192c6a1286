"""Commission base a sales director can sign: paid invoices by payment date, attributed to the order's salesperson (pure).

An invoice counts when it is paid in full, in the period of the payment that completed it
(payments of a customer settle its invoices oldest first). It is attributed to the salesperson on
the CRM order (or opportunity) it came from at order time (``hub.push.attribution``), not to the
order's or the account's current owner, so handing either over moves no commission already earned. Figures per salesperson and period: the base,
the invoices, the rate and the commission.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["Figure", "commission_figures", "commission_of", "paid_dates", "period_of"]

ZERO = Decimal(0)


def _dec(v: Any) -> Decimal:
    if type(v) is Decimal:  # the store's amounts: as they are (the same value and exponent)
        return v
    return ZERO if v in (None, "") else Decimal(str(v))


def paid_dates(invoices: Iterable[Mapping[str, Any]], payments: Iterable[Mapping[str, Any]]) -> dict[str, dt.date]:
    """Invoice id -> the date of the payment that settled it in full (oldest invoices settled first, per customer)."""
    inv_by: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    pay_by: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for i in invoices:
        inv_by[i.get("party_ref") or ""].append(i)
    for p in payments:
        if p.get("payment_date"):
            pay_by[p.get("party_ref") or ""].append(p)
    out: dict[str, dt.date] = {}
    for party, invs in inv_by.items():
        pays = sorted(pay_by.get(party, []), key=lambda p: (p["payment_date"], p["external_id"]))
        paid, k = ZERO, 0
        owed = ZERO
        for inv in sorted(invs, key=lambda i: (i.get("invoice_date") or dt.date.min, i["external_id"])):
            owed += _dec(inv.get("amount"))
            while paid < owed and k < len(pays):
                paid += _dec(pays[k].get("amount"))
                k += 1
            if paid >= owed and _dec(inv.get("open_amount")) <= 0 and k > 0:
                out[inv["external_id"]] = pays[k - 1]["payment_date"]
    return out


def period_of(day: dt.date, period: str) -> str:
    """``2026-03`` (month) or ``2026-Q1`` (quarter)."""
    return f"{day.year}-{day.month:02d}" if period == "month" else f"{day.year}-Q{(day.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class Figure:
    """One salesperson's commission in one period."""

    salesperson: str
    period: str
    team: str | None
    base: Decimal
    invoices: int
    rate: Decimal
    commission: Decimal


def commission_of(base: Decimal, rate: Decimal) -> Decimal:
    """The commission on ``base`` at ``rate``, to the cent (the amount the CRM is sent and the report shows)."""
    return (base * rate).quantize(Decimal("0.01"))


def commission_figures(
    invoices: Iterable[Mapping[str, Any]],
    paid: Mapping[str, dt.date],
    earner: Mapping[str, str],
    people: Mapping[str, Mapping[str, Any]],
    period: str,
) -> list[Figure]:
    """Figures per (salesperson, period) from paid invoices; ``earner``: invoice id -> the CRM user credited
    (:mod:`hub.push.commission_base`); ``people``: CRM user id -> {team, commission_rate}."""
    base: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    count: dict[tuple[str, str], int] = defaultdict(int)
    for inv in invoices:
        day = paid.get(inv["external_id"])
        owner = earner.get(inv["external_id"])
        if day is None or owner is None:
            continue
        key = (owner, period_of(day, period))
        base[key] += _dec(inv.get("amount"))
        count[key] += 1
    out = []
    for (owner, per), amount in sorted(base.items()):
        info = people.get(owner) or {}
        rate = _dec(info.get("commission_rate"))
        out.append(Figure(owner, per, info.get("team"), amount, count[(owner, per)], rate, commission_of(amount, rate)))
    return out
