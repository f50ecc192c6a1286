"""Customer 360 reads: search by name (Chinese or Latin), code or tax id; a customer's records, orders and money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from hub.report.sections.receivables import BUCKET_LABELS, BUCKETS, bucket
from hub.store.models import GOLDEN, MODELS, CrosswalkLink, Discrepancy

__all__ = ["search", "records", "orders", "receivables", "credit", "discrepancies"]


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(conn: Connection, q: str, limit: int = 50) -> list[dict[str, Any]]:
    """Customers whose any record's name, code, tax id or id contains ``q`` (case-insensitive), golden name first."""
    p, cw = MODELS["party"].__table__, CrosswalkLink.__table__
    like = _like(q.strip())
    hit = or_(
        *[
            func.lower(func.coalesce(c, "")).like(like, escape="\\")
            for c in (p.c.name, p.c.erp_code, p.c.tax_id, p.c.external_id)
        ]
    )
    cids = (
        select(cw.c.canonical_id)
        .join(p, and_(p.c.system == cw.c.system, p.c.external_id == cw.c.external_id))
        .where(cw.c.entity == "party", hit)
    )
    gold = select(p.c.external_id).where(p.c.system == GOLDEN, hit)
    g = p.alias("g")
    q_ = (
        select(g.c.external_id, g.c.name, g.c.tax_id, g.c.erp_code, g.c.city)
        .where(g.c.system == GOLDEN, or_(g.c.external_id.in_(cids), g.c.external_id.in_(gold)))
        .order_by(g.c.name)
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(q_)]


def records(conn: Connection, canonical_id: str) -> list[dict[str, Any]]:
    """The customer's member records of every system, as stored."""
    p, cw = MODELS["party"].__table__, CrosswalkLink.__table__
    q = (
        select(p)
        .join(cw, and_(cw.c.system == p.c.system, cw.c.external_id == p.c.external_id))
        .where(cw.c.entity == "party", cw.c.canonical_id == canonical_id)
        .order_by(p.c.system, p.c.external_id)
    )
    return [{k: v for k, v in r._mapping.items() if k not in ("row_hash",)} for r in conn.execute(q)]


def _refs(members: list[dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for m in members:
        out.setdefault(m["system"], []).append(m["external_id"])
    return out


def orders(conn: Connection, members: list[dict[str, Any]], limit: int = 100) -> list[dict[str, Any]]:
    """Orders of the member records, newest first (each system's orders name its own customer record)."""
    o = MODELS["sales_order"].__table__
    conds = [and_(o.c.system == s, o.c.party_ref.in_(ids)) for s, ids in _refs(members).items()]
    if not conds:
        return []
    q = (
        select(
            o.c.system,
            o.c.external_id,
            o.c.order_number,
            o.c.order_date,
            o.c.status,
            o.c.source_status,
            o.c.amount,
            o.c.currency,
            o.c.erp_order_no,
        )
        .where(or_(*conds), o.c.deleted.is_(False))
        .order_by(o.c.order_date.desc(), o.c.system, o.c.external_id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def receivables(conn: Connection, members: list[dict[str, Any]], as_of: dt.date) -> dict[str, Any]:
    """Open invoices with days past due, and the open amount per aging bucket (the report's buckets)."""
    i = MODELS["invoice"].__table__
    conds = [and_(i.c.system == s, i.c.party_ref.in_(ids)) for s, ids in _refs(members).items()]
    totals = dict.fromkeys(BUCKETS, Decimal(0))
    items = []
    if conds:
        for r in conn.execute(select(i).where(or_(*conds), i.c.deleted.is_(False)).order_by(i.c.due_date)):
            amt = r.open_amount if r.open_amount is not None else r.amount
            if not amt or amt <= 0:
                continue
            ref = r.due_date or r.invoice_date
            days = (as_of - ref).days if ref is not None else None
            b = bucket(days, "due_date")
            totals[b] += amt
            items.append(
                {
                    "system": r.system,
                    "external_id": r.external_id,
                    "invoice_date": r.invoice_date,
                    "due_date": r.due_date,
                    "amount": r.amount,
                    "open_amount": amt,
                    "currency": r.currency,
                    "days_overdue": days if days and days > 0 else 0,
                    "bucket": BUCKET_LABELS[b],
                }
            )
    return {
        "items": items,
        "buckets": [(BUCKET_LABELS[b], totals[b]) for b in BUCKETS],
        "open": sum(totals.values(), Decimal(0)),
    }


def credit(
    golden: dict[str, Any],
    open_ar: Decimal,
    members: list[dict[str, Any]],
    conn: Connection,
    open_statuses: tuple[str, ...] = ("approved",),
) -> dict[str, Any]:
    """Credit limit, exposure (open invoices + open orders) and the share of the limit used."""
    o = MODELS["sales_order"].__table__
    drp = _refs(members).get("drp", [])
    open_orders = Decimal(0)
    if drp:
        open_orders = conn.execute(
            select(func.coalesce(func.sum(o.c.amount), 0)).where(
                o.c.system == "drp", o.c.party_ref.in_(drp), o.c.status.in_(open_statuses), o.c.deleted.is_(False)
            )
        ).scalar_one()
        open_orders = Decimal(str(open_orders))
    limit = golden.get("credit_limit")
    exposure = open_ar + open_orders
    used = (exposure / Decimal(limit) * 100).quantize(Decimal("0.1")) if limit else None
    return {
        "limit": limit,
        "open_invoices": open_ar,
        "open_orders": open_orders,
        "exposure": exposure,
        "used_pct": used,
        "over": limit is not None and exposure > Decimal(limit),
    }


def discrepancies(conn: Connection, canonical_id: str, external_ids: list[str]) -> list[dict[str, Any]]:
    """Unresolved discrepancies found for this customer or naming one of its records."""
    d = Discrepancy.__table__
    q = (
        select(d.c.kind, d.c.key, d.c.status, d.c.severity, d.c.message, d.c.external_id)
        .where(
            d.c.status != "resolved",
            or_(d.c.scope == canonical_id, d.c.external_id.in_(external_ids), d.c.other_external_id.in_(external_ids)),
        )
        .order_by(d.c.kind, d.c.key)
    )
    return [dict(r._mapping) for r in conn.execute(q)]
