"""Customer 360: search, then the golden record with lineage, member records, orders, receivables, credit, discrepancies."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hub.clock import utcnow
from hub.console import customer_query as cq
from hub.console.auth import reader
from hub.console.web import render

router = APIRouter()


@router.get("/customers")
def search(request: Request, q: str = "", user: dict = Depends(reader)) -> Response:
    q = q.strip()[:200]
    found = []
    if q:
        with request.app.state.console.engine().connect() as conn:
            found = cq.search(conn, q)
    return render(request, "customers.html.j2", q=q, found=found)


@router.get("/customers/{canonical_id}")
def customer(request: Request, canonical_id: str, as_of: str = "", user: dict = Depends(reader)) -> Response:
    from hub.cli import reconcile_facts as facts
    from hub.console.review import _match_config

    try:
        day = dt.date.fromisoformat(as_of) if as_of else utcnow().date()
    except ValueError:
        day = utcnow().date()
    with request.app.state.console.engine().connect() as conn:
        members = facts.members(conn, "party", canonical_id, _match_config(request))
        if not members:
            return render(
                request, "message.html.j2", status_code=404, title="Not found", message=f"no customer {canonical_id}"
            )
        names = {(m["system"], m["external_id"]): m["name"] for m in members if m["name"]}
        golden = facts.golden(conn, "party", canonical_id, names)
        records = cq.records(conn, canonical_id)
        orders = cq.orders(conn, records)
        ar = cq.receivables(conn, records, day)
        gold_values = {g["field"]: g["value"] for g in golden}
        credit = cq.credit(gold_values, ar["open"], records, conn)
        discrepancies = cq.discrepancies(conn, canonical_id, [m["external_id"] for m in members])
    fields = sorted(
        {k for r in records for k, v in r.items() if v is not None} - {"system", "external_id", "run_id", "deleted"}
    )
    return render(
        request,
        "customer.html.j2",
        cid=canonical_id,
        name=gold_values.get("name") or canonical_id,
        members=members,
        golden=golden,
        records=records,
        fields=fields,
        orders=orders,
        ar=ar,
        credit=credit,
        discrepancies=discrepancies,
        as_of=day,
    )
