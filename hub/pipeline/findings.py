"""Order linking and discrepancy detection inside the reconcile stage, over the canonical store.

Loads what the rules of ``hub.reconcile`` need from the store (orders and lines of the CRM,
the DRP and EDI, warehouses, inventory and 846 positions, invoices, payments, 820 remittance
lines, credit limits), links orders using the customer crosswalk, and runs every enabled rule.
System roles (which configured system is the CRM, the DRP, the EDI feed) come from the rule
file's ``roles``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from hub.reconcile.cashapp import apply_payments, as_invoice, as_payment, as_remittance_line
from hub.reconcile.crosswalk import Cluster, canonical_ids
from hub.reconcile.discrepancy_rules import (
    credit_exceeded,
    inventory_variance,
    linked_pairs,
    order_amount_mismatch,
    order_line_mismatch,
    order_missing_in_crm,
    order_missing_in_drp,
    order_status_mismatch,
    unapplied_payment,
)
from hub.reconcile.orders import OrderLine, as_order, link_orders
from hub.reconcile.rules_config import RULE_KINDS, RulesConfig
from hub.store.models import MODELS, CrosswalkLink
from hub.store.types import ExactDecimal

__all__ = ["Roles", "OrderFindings", "link_and_detect", "RULE_KINDS"]


@dataclass(frozen=True)
class Roles:
    """Which configured systems play the CRM, the DRP and the EDI feed."""

    crm: str = "crm"
    drp: str = "drp"
    edi: str = "edi"


@dataclass
class OrderFindings:
    """Order clusters for the crosswalk and the discrepancies found."""

    clusters: list[Cluster]
    findings: list[Any]
    stats: dict[str, int]


def _rows(conn: Connection, entity: str, system: str, fields: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Live rows of one system as dicts, streamed; decimals as Decimal, dates left as ISO text (the rules coerce them).

    Read through the driver: at 100k customers this is millions of values, and the ORM's
    per-value type processing would cost more than the rules themselves.
    """
    t = MODELS[entity].__table__
    names = ["external_id", *fields]
    decimals = [i for i, n in enumerate(names) if isinstance(t.c[n].type, ExactDecimal)]
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.execute(f"SELECT {', '.join(names)} FROM {t.name} WHERE system = {mark} AND deleted = {mark} ORDER BY external_id",
                    [system, False])
        while chunk := cur.fetchmany(10_000):
            for row in chunk:
                if decimals:
                    row = list(row)
                    for i in decimals:
                        if row[i] is not None and not isinstance(row[i], Decimal):
                            row[i] = Decimal(row[i])
                yield dict(zip(names, row))
    finally:
        cur.close()


def _sku_of_products(conn: Connection, roles: Roles) -> dict[str, str]:
    """CRM product id -> DRP SKU through the product crosswalk (else the CRM's own SKU field)."""
    cw = CrosswalkLink.__table__
    by_cid: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for system, ext, cid in conn.execute(select(cw.c.system, cw.c.external_id, cw.c.canonical_id).where(cw.c.entity == "product")):
        by_cid[cid][system].append(ext)
    out = {}
    for members in by_cid.values():
        drp = sorted(members.get(roles.drp, []))
        for crm_id in members.get(roles.crm, []):
            if drp:
                out[crm_id] = drp[0]
    return out


_ORDER_FIELDS = ("party_ref", "order_number", "order_date", "status", "source_status", "amount", "source_ref", "erp_order_no")


def link_and_detect(conn: Connection, rules: RulesConfig, roles: Roles, extra_findings: Iterable[Any] = ()) -> OrderFindings:
    """Link orders across the CRM, the DRP and EDI, then run every enabled discrepancy rule."""
    crm_orders = [as_order({**r, "system": roles.crm}) for r in _rows(conn, "sales_order", roles.crm, _ORDER_FIELDS)]
    drp_orders = [as_order({**r, "system": roles.drp}) for r in _rows(conn, "sales_order", roles.drp, _ORDER_FIELDS)]
    edi_orders = [as_order({**r, "system": roles.edi}) for r in _rows(conn, "sales_order", roles.edi, _ORDER_FIELDS)]
    crm_sku = _sku_of_products(conn, roles)
    lines: dict[tuple[str, str], list[OrderLine]] = defaultdict(list)
    for system in (roles.crm, roles.drp, roles.edi):
        for r in _rows(conn, "order_line", system, ("order_ref", "line_no", "product_ref", "sku", "quantity", "amount")):
            sku = r["sku"] or (crm_sku.get(r["product_ref"]) if system == roles.crm else r["product_ref"])
            if r["quantity"] is not None:
                lines[(system, r["order_ref"])].append(OrderLine(sku, r["quantity"], r["amount"], r["line_no"]))

    def lookup(system: str, ext: str) -> list[OrderLine]:
        return lines.get((system, ext), [])

    crm_cust = {ext: cid for (_, ext), cid in canonical_ids(conn, "party", roles.crm).items()}
    drp_cust = {ext: cid for (_, ext), cid in canonical_ids(conn, "party", roles.drp).items()}
    res = link_orders(crm_orders, drp_orders, crm_customers=crm_cust, drp_customers=drp_cust, edi_orders=edi_orders,
                      lines=lookup, config=rules.orders.link)

    # crosswalk clusters: linked pairs, DRP orders with the 850 they came from, singletons
    members: dict[str, list[tuple[str, str]]] = {}
    why: dict[tuple[str, str], tuple[str, float | None, dict[str, Any] | None]] = {}
    crm_to_drp = res.crm_to_drp()
    for lk in res.links:
        a, b = (roles.crm, lk.crm_order_id), (roles.drp, lk.drp_order_no)
        members[lk.drp_order_no] = [a, b]
        expl = {"rule": lk.rule, "explain": lk.explanation}
        why[a] = why[b] = (lk.rule, float(lk.score), expl)
    po_by_number = {o.order_number: o.external_id for o in edi_orders if o.order_number}
    for drp_no, origin in res.edi_origins.items():
        po = (roles.edi, po_by_number.get(origin.po_number, origin.po_number))
        members.setdefault(drp_no, [(roles.drp, drp_no)]).append(po)
        why[po] = (origin.rule, 1.0, {"rule": origin.rule, "po_number": origin.po_number})
        why.setdefault((roles.drp, drp_no), why[po])
    clusters = [Cluster(tuple(sorted(set(m))), {k: why[k] for k in set(m) if k in why}) for m in members.values()]
    placed = {k for m in members.values() for k in m}
    for system, orders in ((roles.crm, crm_orders), (roles.drp, drp_orders), (roles.edi, edi_orders)):
        clusters.extend(Cluster(((system, o.external_id),)) for o in orders if (system, o.external_id) not in placed)

    crm_by_id = {o.external_id: o for o in crm_orders}
    drp_by_no = {o.external_id: o for o in drp_orders}
    pairs = list(linked_pairs(res.links, crm_by_id, drp_by_no))
    findings: list[Any] = list(extra_findings)
    findings += order_missing_in_drp(crm_orders, crm_to_drp, rules)
    crm_canon = set(crm_cust.values())
    drp_linked = {code for code, cid in drp_cust.items() if cid in crm_canon}  # DRP customers the CRM knows
    findings += order_missing_in_crm(drp_orders, res.drp_to_crm(), res.edi_origins, drp_linked, rules)
    findings += order_amount_mismatch(pairs, rules)
    findings += order_status_mismatch(pairs, rules)
    findings += order_line_mismatch(pairs, lookup, rules)
    lines.clear()  # the line rules are done: free the lines before the payment rules

    locations = list(_rows(conn, "location", roles.drp, ("kind", "owner_ref")))
    stock = list(_rows(conn, "inventory", roles.drp, ("location_ref", "party_ref", "sku", "as_of", "on_hand", "report_ref")))
    edi_stock = list(_rows(conn, "inventory", roles.edi, ("location_ref", "party_ref", "sku", "as_of", "on_hand", "report_ref")))
    findings += inventory_variance(locations, stock, edi_stock, rules)

    invoices = [as_invoice(r) for r in _rows(conn, "invoice", roles.drp, ("party_ref", "amount", "open_amount", "invoice_date", "due_date", "order_ref"))]
    payments = sorted((as_payment(r) for r in _rows(conn, "payment", roles.drp, ("party_ref", "amount", "payment_date", "memo", "trace"))),
                      key=lambda p: (p.payment_date or dt.date.min, p.external_id))
    remits = [as_remittance_line(r) for r in _rows(conn, "remittance_line", roles.edi,
                                                   ("trace", "party_ref", "payment_amount", "payment_date", "invoice_ref", "paid_amount", "invoice_amount"))]
    findings += unapplied_payment(apply_payments(payments, invoices, remits, rules.payments), rules)
    parties = list(_rows(conn, "party", roles.drp, ("name", "credit_limit")))
    findings += credit_exceeded(parties, invoices, drp_orders, rules)
    stats = {"order_links": len(res.links), "edi_origins": len(res.edi_origins), "rejected_refs": len(res.rejected),
             "findings": len(findings)}
    return OrderFindings(clusters, findings, stats)


