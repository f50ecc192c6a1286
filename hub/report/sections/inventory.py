"""Channel inventory section: consignment stock per distributor vs its EDI 846, variance value, stale reports."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from hub.report.cells import money
from hub.report.model import Chart, Column, Figure, Section
from hub.report.query import names, stream
from hub.report.sections import SectionContext, make_table

WAREHOUSE_COLUMNS = [
    Column("warehouse", "Warehouse"),
    Column("warehouse_name", "Warehouse name"),
    Column("owner", "Distributor code"),
    Column("owner_name", "Distributor"),
    Column("skus", "SKUs", "int"),
    Column("drp_on_hand", "DRP on hand", "qty"),
    Column("reported_on_hand", "Reported on hand (846)", "qty"),
    Column("skus_differing", "SKUs differing", "int"),
    Column("net_variance", "Net variance (DRP − reported)", "qty"),
    Column("variance_value", "Variance value", "money"),
    Column("last_846", "Latest 846", "date"),
    Column("stale", "No 846 this week"),
]
DETAIL_COLUMNS = [
    Column("warehouse", "Warehouse"),
    Column("owner_name", "Distributor"),
    Column("sku", "SKU"),
    Column("product", "Product"),
    Column("drp_on_hand", "DRP on hand", "qty"),
    Column("reported_on_hand", "Reported (846)", "qty"),
    Column("difference", "Difference", "qty"),
    Column("unit_price", "List price", "money"),
    Column("value", "Variance value", "money"),
]


def _latest(rows: list[tuple[dt.date | None, str, Decimal]]) -> tuple[dt.date | None, dict[str, Decimal]]:
    """(latest date, sku -> qty at that date) from (date, sku, qty) rows."""
    dates = [d for d, _, _ in rows if d is not None]
    top = max(dates) if dates else None
    qty: dict[str, Decimal] = defaultdict(Decimal)
    for d, sku, q in rows:
        if d == top:
            qty[sku] += q
    return top, dict(qty)


def build(conn: Connection, ctx: SectionContext) -> Section:
    scope, roles, cfg = ctx.scope, ctx.roles, ctx.config
    kinds = {k.casefold() for k in cfg.consignment_kinds}
    warehouses = {
        r["external_id"]: r
        for r in stream(conn, "location", roles.drp, ["name", "kind", "owner_ref"])
        if (r["kind"] or "").casefold() in kinds
    }
    owners = {w["owner_ref"] for w in warehouses.values() if w["owner_ref"]}
    owner_names = names(conn, "party", roles.drp, owners)

    drp_rows: dict[str, list[tuple[Any, str, Decimal]]] = defaultdict(list)
    if warehouses:
        for r in stream(
            conn, "inventory", roles.drp, ["location_ref", "sku", "as_of", "on_hand"], location_ref=list(warehouses)
        ):
            if r["sku"] and r["on_hand"] is not None and (r["as_of"] is None or r["as_of"] <= scope.as_of):
                drp_rows[r["location_ref"]].append((r["as_of"], r["sku"], r["on_hand"]))
    edi_rows: dict[str, list[tuple[Any, str, Decimal]]] = defaultdict(list)
    if owners:
        for r in stream(conn, "inventory", roles.edi, ["party_ref", "sku", "as_of", "on_hand"], party_ref=list(owners)):
            if r["sku"] and r["on_hand"] is not None and (r["as_of"] is None or r["as_of"] <= scope.as_of):
                edi_rows[r["party_ref"]].append((r["as_of"], r["sku"], r["on_hand"]))
    products = {
        r["sku"] or r["external_id"]: r for r in stream(conn, "product", roles.drp, ["sku", "name", "list_price"])
    }

    fresh_from = scope.as_of - dt.timedelta(days=cfg.stale_846_days - 1)
    wh_rows, detail_rows = [], []
    for code in sorted(warehouses):
        w = warehouses[code]
        owner = w["owner_ref"]
        owner_name = owner_names.get(owner or "", owner)
        _, stock = _latest_per_sku(drp_rows.get(code, []))
        report_date, reported = _latest(edi_rows.get(owner or "", [])) if owner in edi_rows else (None, None)
        stale = report_date is None or report_date < fresh_from
        differing, net, value = 0, Decimal(0), Decimal(0)
        if reported is not None:
            for sku in sorted(set(stock) | set(reported)):
                dq, rq = stock.get(sku, Decimal(0)), reported.get(sku, Decimal(0))
                if dq == rq:
                    continue
                price = (products.get(sku) or {}).get("list_price")
                val = money(abs(dq - rq) * price) if price is not None else None
                differing += 1
                net += dq - rq
                value += val or 0
                detail_rows.append(
                    (code, owner_name, sku, (products.get(sku) or {}).get("name"), dq, rq, dq - rq, price, val)
                )
        wh_rows.append(
            (
                code,
                w["name"],
                owner,
                owner_name,
                len(set(stock) | set(reported or {})),
                sum(stock.values(), Decimal(0)),
                None if reported is None else sum(reported.values(), Decimal(0)),
                differing if reported is not None else None,
                net if reported is not None else None,
                money(value) if reported is not None else None,
                report_date,
                stale,
            )
        )
    detail_rows.sort(key=lambda r: (-(r[8] or 0), r[0], r[2]))
    stale_n = sum(1 for r in wh_rows if r[11])
    total_value = money(sum((r[9] or 0 for r in wh_rows), Decimal(0)))
    figures = (
        Figure("warehouses", "Consignment warehouses", len(wh_rows)),
        Figure("reported_this_week", "Reported this week", len(wh_rows) - stale_n, "int", "good"),
        Figure("stale_reports", "Stale reports (no 846 this week)", stale_n, "int", "bad" if stale_n else "good"),
        Figure("skus_differing", "SKUs differing", len(detail_rows), "int", "warn" if detail_rows else "good"),
        Figure(
            "variance_value", "Variance value (at list price)", total_value, "money", "warn" if total_value else "good"
        ),
    )
    chart = Chart(
        "variance_by_warehouse",
        "Variance value by distributor",
        "bar",
        tuple((str(r[3] or r[0]), r[9]) for r in wh_rows if r[9]),
        "money",
    )
    tables = (
        make_table("warehouses", "Consignment stock per distributor", WAREHOUSE_COLUMNS, wh_rows, ctx.max_rows),
        make_table(
            "variances", "SKUs where the DRP and the distributor disagree", DETAIL_COLUMNS, detail_rows, ctx.max_rows
        ),
    )
    notes = (
        f"Stock is compared with the distributor's latest EDI 846 up to {scope.as_of}; "
        f"a report is stale when no 846 is dated {fresh_from} to {scope.as_of}. "
        "Variance value is the absolute quantity difference times the DRP list price.",
    )
    return Section("inventory", "Channel inventory", figures, (chart,), tables, notes)


def _latest_per_sku(rows: list[tuple[Any, str, Decimal]]) -> tuple[None, dict[str, Decimal]]:
    """sku -> quantity of the DRP's latest row per SKU (a warehouse's SKUs may be counted on different days)."""
    best: dict[str, tuple[Any, Decimal]] = {}
    for d, sku, q in rows:
        cur = best.get(sku)
        if cur is None or (d is not None and (cur[0] is None or d > cur[0])):
            best[sku] = (d, q)
    return None, {sku: q for sku, (_, q) in best.items()}
