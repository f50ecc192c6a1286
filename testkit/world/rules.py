"""The scenario's discrepancy rules, applied to the rows of a world exactly as written."""

from __future__ import annotations

import re

from testkit.world.values import cents
from testkit.world.vocab import STATUS_EQUIV

_INVOICE_REF = (re.compile(r"INV\s*(\d{4})-?(\d{6})", re.I), re.compile(r"发票\s*号?\s*(\d{4})-?(\d{6})"))
_TRN_REF = re.compile(r"TRN\s*(\d+)", re.I)


def invoice_refs(memo: str) -> set:
    """Invoice numbers named in a payment memo, normalised to INVyyyy-nnnnnn."""
    return {"INV%s-%s" % m for rx in _INVOICE_REF for m in rx.findall(memo)}


def derive_discrepancies(
    rows: dict, customer_links: list, duplicates: dict, order_links: list, edi_po_links: list, x846: list, x820: list
) -> list[dict]:
    """Apply the scenario's discrepancy rules to written rows.

    ``rows`` maps 'crm/Order.csv'-style names to row lists (strings as in the files, no header);
    ``x846`` holds (N1*DS code, BIA date, {sku: QTY*33}); ``x820`` holds (N1*PR code, BPR02,
    BPR16, TRN02, RMR02).
    """
    out = [
        {"kind": "duplicate_customer", "system": s, "id_a": a, "id_b": b}
        for s in ("crm", "drp")
        for a, b in duplicates[s]
    ]
    crm = {row[0]: row for row in rows["crm/Order.csv"]}
    drp = {row[0]: row for row in rows["drp/sales_orders.csv"]}
    linked_crm, linked_drp = {c for c, _ in order_links}, {d for _, d in order_links}
    out += [
        {"kind": "order_missing_in_drp", "crm_order_id": oid}
        for oid, row in sorted(crm.items())
        if row[5] in ("Activated", "Shipped") and oid not in linked_crm
    ]
    linked_customers, from_850 = {d for _, d in customer_links}, {d for _, d in edi_po_links}
    out += [
        {"kind": "order_missing_in_crm", "drp_order_no": no}
        for no, row in sorted(drp.items())
        if row[1] in linked_customers and no not in linked_drp and no not in from_850
    ]
    for c, d in sorted(order_links):
        if abs(cents(crm[c][6]) - cents(drp[d][4])) > 1:
            out.append({"kind": "order_amount_mismatch", "crm_order_id": c, "drp_order_no": d})
    for c, d in sorted(order_links):
        if drp[d][3] not in STATUS_EQUIV.get(crm[c][5], []):
            out.append({"kind": "order_status_mismatch", "crm_order_id": c, "drp_order_no": d})
    owner = {row[0]: row[3] for row in rows["drp/warehouses.csv"] if row[2] == "经销商寄售仓"}
    latest: dict[str, tuple] = {}
    for code, date, qty in x846:
        if code not in latest or date > latest[code][0]:
            latest[code] = (date, qty)
    variances = set()
    for wh, sku, on_hand, *_ in rows["drp/inventory.csv"]:
        report = latest.get(owner.get(wh, ""), ("", {}))[1]
        if sku in report and int(report[sku]) != int(on_hand):
            variances.add((wh, sku))
    out += [{"kind": "inventory_variance", "warehouse_code": wh, "sku": sku} for wh, sku in sorted(variances)]
    invoices: dict[str, dict] = {}
    for inv, _no, code, _d, _due, amount, _open in rows["drp/invoices.csv"]:
        invoices.setdefault(code, {})[inv] = cents(amount)
    by_trace, by_key = {}, {}
    for code, amount, date, trace, inv in x820:
        by_trace.setdefault(trace, set()).add(inv)
        by_key.setdefault((code, cents(amount), date), set()).add(inv)
    for pno, code, date, amount, memo in sorted(rows["drp/payments.csv"]):
        named = invoice_refs(memo)
        trace = _TRN_REF.search(memo)
        if trace and trace.group(1) in by_trace:
            named |= by_trace[trace.group(1)]
        else:
            named |= by_key.get((code, cents(amount), date.replace("/", "")), set())
        own = invoices.get(code, {})
        if not named & own.keys() and cents(amount) not in own.values():
            out.append({"kind": "unapplied_payment", "payment_no": pno})
    exposure: dict[str, int] = {}
    for row in rows["drp/invoices.csv"]:
        exposure[row[2]] = exposure.get(row[2], 0) + cents(row[6])
    for row in rows["drp/sales_orders.csv"]:
        if row[3] == "已审核":
            exposure[row[1]] = exposure.get(row[1], 0) + cents(row[4])
    out += [
        {"kind": "credit_exceeded", "drp_customer_code": row[0]}
        for row in sorted(rows["drp/customers.csv"])
        if exposure.get(row[0], 0) > cents(row[9])
    ]
    return out
