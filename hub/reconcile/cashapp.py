"""Cash application: apply received payments to open invoices of the same customer.

A payment is applied, in this order, to

1. the invoices named in its memo (``INV2025-000123``, ``inv2025-000123``, ``INV2025000123``,
   ``发票 2025000123``, ``发票号2025000123``, ``付INV2025000123货款`` ...) or in the EDI 820
   remittance tied to it (RMR*IV), when they belong to the payment's customer;
2. else an invoice of that customer whose amount equals the payment amount (oldest still
   unsettled first).

An 820 is tied to its payment by the ``TRN`` trace (the payment's ``trace`` field or ``TRN
<trace>`` in its memo), or else by customer, amount and date. Whatever cannot be applied is
listed as unapplied. Pure functions over plain records; invoices are indexed once, payments and
remittance lines are streamed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from hub.errors import MappingError
from hub.reconcile.orders import clean_str, coerce_date, coerce_decimal
from hub.reconcile.rules_config import PaymentRulesConfig

__all__ = [
    "Invoice",
    "Payment",
    "RemittanceLine",
    "Allocation",
    "PaymentApplication",
    "as_invoice",
    "as_payment",
    "as_remittance_line",
    "extract_invoice_refs",
    "extract_trace",
    "tie_remittances",
    "apply_payments",
]


@dataclass(frozen=True, slots=True)
class Invoice:
    external_id: str  # invoice number
    party_ref: str | None
    amount: Decimal
    open_amount: Decimal | None = None
    invoice_date: date | None = None
    due_date: date | None = None
    order_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    external_id: str  # payment number
    party_ref: str | None
    amount: Decimal
    payment_date: date | None = None
    memo: str | None = None
    trace: str | None = None


@dataclass(frozen=True, slots=True)
class RemittanceLine:
    """One EDI 820 RMR line: which invoice a traced payment pays, and how much."""

    trace: str
    party_ref: str | None
    payment_amount: Decimal | None
    payment_date: date | None
    invoice_ref: str | None
    paid_amount: Decimal | None = None
    invoice_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    payment_no: str
    invoice_no: str
    amount: Decimal
    rule: str  # memo_ref | remittance | amount


@dataclass(frozen=True, slots=True)
class PaymentApplication:
    """What happened to one payment: its allocations, the rest left unapplied, and why."""

    payment: Payment
    allocations: tuple[Allocation, ...]
    unapplied_amount: Decimal
    refs: tuple[str, ...]  # invoice numbers named in memo or remittance
    reason: str

    @property
    def applied(self) -> bool:
        return bool(self.allocations)


# ----------------------------------------------------------------------------- coercion
def as_invoice(obj: Invoice | Mapping[str, Any]) -> Invoice:
    """An Invoice from itself or a dict with canonical invoice field names."""
    if isinstance(obj, Invoice):
        return obj
    ext = clean_str(obj.get("external_id"))
    amount = coerce_decimal(obj.get("amount"), "amount", ext)
    if ext is None or amount is None:
        raise MappingError(
            "invoice without number or amount", external_id=ext, field="external_id" if ext is None else "amount"
        )
    return Invoice(
        ext,
        clean_str(obj.get("party_ref")),
        amount,
        coerce_decimal(obj.get("open_amount"), "open_amount", ext),
        coerce_date(obj.get("invoice_date"), "invoice_date", ext),
        coerce_date(obj.get("due_date"), "due_date", ext),
        clean_str(obj.get("order_ref")),
    )


def as_payment(obj: Payment | Mapping[str, Any]) -> Payment:
    """A Payment from itself or a dict with canonical payment field names."""
    if isinstance(obj, Payment):
        return obj
    ext = clean_str(obj.get("external_id"))
    amount = coerce_decimal(obj.get("amount"), "amount", ext)
    if ext is None or amount is None:
        raise MappingError(
            "payment without number or amount", external_id=ext, field="external_id" if ext is None else "amount"
        )
    return Payment(
        ext,
        clean_str(obj.get("party_ref")),
        amount,
        coerce_date(obj.get("payment_date"), "payment_date", ext),
        obj.get("memo") or None,
        clean_str(obj.get("trace")),
    )


def as_remittance_line(obj: RemittanceLine | Mapping[str, Any]) -> RemittanceLine:
    """A RemittanceLine from itself or a dict with canonical remittance_line field names."""
    if isinstance(obj, RemittanceLine):
        return obj
    trace = clean_str(obj.get("trace"))
    ext = clean_str(obj.get("external_id")) or trace
    if trace is None:
        raise MappingError("remittance line without trace", external_id=ext, field="trace")
    return RemittanceLine(
        trace,
        clean_str(obj.get("party_ref")),
        coerce_decimal(obj.get("payment_amount"), "payment_amount", ext),
        coerce_date(obj.get("payment_date"), "payment_date", ext),
        clean_str(obj.get("invoice_ref")),
        coerce_decimal(obj.get("paid_amount"), "paid_amount", ext),
        coerce_decimal(obj.get("invoice_amount"), "invoice_amount", ext),
    )


# ----------------------------------------------------------------------------- memo parsing
@lru_cache(maxsize=16)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def extract_invoice_refs(memo: str | None, config: PaymentRulesConfig | None = None) -> tuple[str, ...]:
    """Invoice numbers named in a free-text memo, written in the configured format, in order."""
    if not memo:
        return ()
    cfg = config or PaymentRulesConfig()
    text = _nfkc(memo)
    found: list[tuple[int, str]] = []
    for pat in _compiled(cfg.invoice_patterns):
        for m in pat.finditer(text):
            ref = cfg.invoice_format.format(year=m.group("year"), seq=m.group("seq"))
            found.append((m.start(), ref))
    out: list[str] = []
    for _pos, ref in sorted(found):
        if ref not in out:
            out.append(ref)
    return tuple(out)


def extract_trace(memo: str | None, config: PaymentRulesConfig | None = None) -> str | None:
    """The EDI 820 trace number named in a memo as ``TRN <trace>``, if any."""
    if not memo:
        return None
    cfg = config or PaymentRulesConfig()
    m = _compiled((cfg.trace_pattern,))[0].search(_nfkc(memo))
    return m.group("trace") if m else None


# ----------------------------------------------------------------------------- remittances
def tie_remittances(
    payments: Iterable[Payment],
    remittance_lines: Iterable[RemittanceLine | Mapping[str, Any]],
    config: PaymentRulesConfig | None = None,
) -> dict[str, tuple[RemittanceLine, ...]]:
    """payment_no -> the 820 lines of its remittance (by trace, else customer + amount + date)."""
    cfg = config or PaymentRulesConfig()
    by_trace: dict[str, list[RemittanceLine]] = defaultdict(list)
    for raw in remittance_lines:
        rl = as_remittance_line(raw)
        by_trace[rl.trace].append(rl)
    # remittances not claimed by a trace, indexed by (customer, amount)
    pending: dict[tuple[str | None, Decimal | None], list[str]] = defaultdict(list)
    tied: dict[str, tuple[RemittanceLine, ...]] = {}
    untraced: list[Payment] = []
    claimed: set[str] = set()
    for p in payments:
        trace = p.trace or extract_trace(p.memo, cfg)
        if trace and trace in by_trace and trace not in claimed:
            tied[p.external_id] = tuple(by_trace[trace])
            claimed.add(trace)
        else:
            untraced.append(p)
    for trace, rls in by_trace.items():
        if trace not in claimed:
            first = rls[0]
            pending[(first.party_ref, first.payment_amount)].append(trace)
    window = cfg.remittance_date_window_days
    for p in untraced:
        traces = pending.get((p.party_ref, p.amount))
        if not traces:
            continue
        best, best_gap = None, None
        for trace in traces:
            rdate = by_trace[trace][0].payment_date
            if p.payment_date is None or rdate is None:
                gap = 0
            else:
                gap = abs((p.payment_date - rdate).days)
            if gap <= window and (best_gap is None or gap < best_gap):
                best, best_gap = trace, gap
        if best is not None:
            traces.remove(best)
            tied[p.external_id] = tuple(by_trace[best])
    return tied


# ----------------------------------------------------------------------------- application
def apply_payments(
    payments: Iterable[Payment | Mapping[str, Any]],
    invoices: Iterable[Invoice | Mapping[str, Any]],
    remittance_lines: Iterable[RemittanceLine | Mapping[str, Any]] = (),
    config: PaymentRulesConfig | None = None,
    invoice_owner: Callable[[str], str | None] | None = None,
) -> Iterator[PaymentApplication]:
    """Apply each payment to invoices of its own customer; yield one result per payment.

    Payments are applied in the order given (give them by date for a realistic ledger).
    ``invoice_owner(invoice no)`` names the customer of an invoice not among ``invoices``
    (when they are one group of customers' invoices), so a payment naming another
    customer's invoice is reported as such.
    """
    cfg = config or PaymentRulesConfig()
    inv_by_no: dict[str, Invoice] = {}
    inv_by_amount: dict[tuple[str | None, Decimal], list[Invoice]] = defaultdict(list)
    inv_by_party: dict[str | None, list[Invoice]] = defaultdict(list)
    for raw in invoices:
        one = as_invoice(raw)
        inv_by_no[one.external_id.upper()] = one
        inv_by_amount[(one.party_ref, one.amount)].append(one)
        if cfg.amount_tolerance > 0:
            inv_by_party[one.party_ref].append(one)
    for lst in inv_by_amount.values():
        lst.sort(key=lambda i: (i.due_date or date.max, i.external_id))
    pays = [as_payment(p) for p in payments]
    remits = tie_remittances(pays, remittance_lines, cfg) if remittance_lines else {}
    settled: dict[str, Decimal] = defaultdict(Decimal)  # invoice no -> amount applied so far
    tol = cfg.amount_tolerance

    for p in pays:
        memo_refs = extract_invoice_refs(p.memo, cfg)
        rls = remits.get(p.external_id, ())
        named: list[tuple[str, Decimal | None, str]] = [(r, None, "memo_ref") for r in memo_refs]
        named += [(rl.invoice_ref, rl.paid_amount, "remittance") for rl in rls if rl.invoice_ref]
        refs = tuple(dict.fromkeys(r for r, _a, _k in named))
        left = p.amount
        allocs: list[Allocation] = []
        seen: set[str] = set()
        foreign: list[str] = []
        for ref, paid, rule in named:
            inv = inv_by_no.get(ref.upper())
            if inv is None and invoice_owner is not None:
                owner = invoice_owner(ref.upper())
                if owner is not None and owner != p.party_ref and ref.upper() not in foreign:
                    foreign.append(ref.upper())
                continue
            if inv is None or inv.external_id in seen:
                continue
            if inv.party_ref != p.party_ref:
                foreign.append(inv.external_id)
                continue
            seen.add(inv.external_id)
            room = max(inv.amount - settled[inv.external_id], Decimal(0))
            amt = min(left, paid if paid is not None else room) if left > 0 else Decimal(0)
            if amt <= 0 and paid is None:
                amt = min(left, inv.amount) if left > 0 else Decimal(0)  # over-payment of a settled invoice
            allocs.append(Allocation(p.external_id, inv.external_id, amt, rule))
            settled[inv.external_id] += amt
            left -= amt
        if allocs:
            reason = "applied to the invoice(s) it names"
        else:
            inv = _by_amount(inv_by_amount, inv_by_party, p, settled, tol)
            if inv is not None:
                allocs.append(Allocation(p.external_id, inv.external_id, p.amount, "amount"))
                settled[inv.external_id] += p.amount
                left -= p.amount
                reason = f"amount equals invoice {inv.external_id}"
            elif foreign:
                reason = f"names invoice(s) of another customer: {', '.join(foreign)}"
            elif refs:
                reason = f"names unknown invoice(s) {', '.join(refs)} and matches no invoice amount"
            else:
                reason = "names no invoice and matches no invoice amount of the customer"
        yield PaymentApplication(p, tuple(allocs), max(left, Decimal(0)), refs, reason)


def _by_amount(
    index: Mapping[tuple[str | None, Decimal], list[Invoice]],
    by_party: Mapping[str | None, list[Invoice]],
    p: Payment,
    settled: Mapping[str, Decimal],
    tol: Decimal,
) -> Invoice | None:
    cands = list(index.get((p.party_ref, p.amount), ()))
    if tol > 0:  # near amounts: scan this customer's invoices only when a tolerance is set
        near = [i for i in by_party.get(p.party_ref, ()) if i.amount != p.amount and abs(i.amount - p.amount) <= tol]
        cands += sorted(near, key=lambda i: (i.due_date or date.max, i.external_id))
    if not cands:
        return None
    for inv in cands:  # oldest still unsettled first
        if settled.get(inv.external_id, Decimal(0)) + p.amount <= inv.amount + tol:
            return inv
    return cands[0]  # the amount matches but the invoice looks settled already: still this one
