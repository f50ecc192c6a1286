"""The discrepancies page: filtered list in words, values side by side, lifecycle actions, CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from hub.console import discrepancy_query as dq
from hub.console.audit import recent
from hub.console.auth import reader, writer
from hub.console.discrepancy_actions import apply
from hub.console.web import age_text, render, root

router = APIRouter()
PAGE = 200
CSV_COLUMNS = [
    "kind",
    "severity",
    "status",
    "system",
    "external_id",
    "other_external_id",
    "key",
    "customer",
    "team",
    "salesperson",
    "first_seen",
    "age",
    "assignee",
    "acknowledged_by",
    "message",
]


def _filters(request: Request) -> dq.Filters:
    p = request.query_params
    age = p.get("age", "").strip()
    status = p.get("status", "open")
    return dq.Filters(
        kind=p.get("kind", ""),
        severity=p.get("severity", ""),
        status=status if status in dq.STATUSES else "open",
        team=p.get("team", ""),
        salesperson=p.get("salesperson", ""),
        min_age_days=int(age) if age.isdigit() else None,
        assignee=p.get("assignee", ""),
        q=p.get("q", "").strip()[:200],
    )


def _decorate(conn: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    notes = dq.notes_of(conn, [(r["kind"], r["key"]) for r in items])
    for r in items:
        r["pairs"], r["figures"], r["systems"] = dq.side_by_side(r["details"])
        r["notes"] = notes.get((r["kind"], r["key"]), [])
        r["touched_by"] = sorted(
            {n["user_name"] for n in r["notes"]} | ({r["acknowledged_by"]} if r["acknowledged_by"] else set())
        )
        r["ident"] = f"{r['kind']}:{r['key']}"
    return items


@router.get("/discrepancies")
def page(request: Request, user: dict = Depends(reader)) -> Response:
    f = _filters(request)
    offset = (
        max(0, int(request.query_params.get("offset", "0") or 0))
        if request.query_params.get("offset", "0").isdigit()
        else 0
    )
    with request.app.state.console.engine().connect() as conn:
        total = dq.count(conn, f)
        items = _decorate(conn, list(dq.rows(conn, f, PAGE, offset)))
        opts = dq.options(conn)
    qs = urlencode(f.query_string())
    return render(
        request,
        "discrepancies.html.j2",
        items=items,
        total=total,
        f=f,
        opts=opts,
        qs=qs,
        offset=offset,
        page=PAGE,
        statuses=dq.STATUSES,
        message=request.query_params.get("msg", ""),
    )


@router.get("/discrepancy")
def detail(request: Request, kind: str = "", key: str = "", user: dict = Depends(reader)) -> Response:
    f = dq.Filters(status="all")
    with request.app.state.console.engine().connect() as conn:
        from hub.store.models import Discrepancy

        q = dq.select_rows(f).where(Discrepancy.__table__.c.kind == kind, Discrepancy.__table__.c.key == key)
        found = [dict(r._mapping) for r in conn.execute(q)]
        items = _decorate(conn, found)
        history = recent(conn, 100, target_kind="discrepancy", target_key=f"{kind}:{key}")
    if not items:
        return render(
            request, "message.html.j2", status_code=404, title="Not found", message=f"no {kind} discrepancy {key}"
        )
    return render(request, "discrepancy.html.j2", d=items[0], history=history)


def _csv_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    if (
        isinstance(value, str)
        and value[:1] in ("=", "+", "@", "\t", "\r")
        or (isinstance(value, str) and value[:1] == "-" and not value[1:2].isdigit())
    ):
        return "'" + value
    return value


@router.get("/discrepancies.csv")
def export_csv(request: Request, user: dict = Depends(reader)) -> Response:
    f = _filters(request)
    engine = request.app.state.console.engine()

    def lines() -> Iterator[str]:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        with engine.connect() as conn:
            for r in dq.rows(conn, f, limit=None):
                r["age"] = age_text(r["first_seen"])
                r["first_seen"] = r["first_seen"].isoformat() if r["first_seen"] else ""
                w.writerow([_csv_cell("" if r.get(c) is None else r.get(c)) for c in CSV_COLUMNS])
                if buf.tell() > 64_000:
                    yield buf.getvalue()
                    buf.seek(0)
                    buf.truncate()
        yield buf.getvalue()

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="discrepancies.csv"'},
    )


@router.get("/api/discrepancies")
def api_list(request: Request, user: dict = Depends(reader)) -> Response:
    f = _filters(request)
    with request.app.state.console.engine().connect() as conn:
        total = dq.count(conn, f)
        items = list(dq.rows(conn, f, PAGE))
    keep = (
        "kind",
        "key",
        "severity",
        "status",
        "system",
        "external_id",
        "other_external_id",
        "message",
        "details",
        "customer",
        "team",
        "salesperson",
        "assignee",
        "acknowledged_by",
    )
    return JSONResponse(
        {
            "total": total,
            "items": [
                {k: r[k] for k in keep} | {"first_seen": r["first_seen"].isoformat() if r["first_seen"] else None}
                for r in items
            ],
        }
    )


def _act(
    request: Request, action: str, user: dict, items: list[str], kind: str, key: str, value: str, back: str
) -> Response:
    idents = [i.split(":", 1) for i in items if ":" in i] + ([[kind, key]] if kind and key else [])
    if not idents:
        return _back(request, back, "select at least one discrepancy")
    problems = []
    with request.app.state.console.engine().begin() as conn:
        for k, ky in idents:
            why = apply(conn, action, k, ky, user["name"], value)
            if why:
                problems.append(why)
    done = len(idents) - len(problems)
    verb = {"ack": "acknowledged", "resolve": "resolved", "assign": "assigned", "comment": "commented"}[action]
    msg = f"{done} {verb}" + (f"; not done: {'; '.join(problems[:5])}" if problems else "")
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"done": done, "problems": problems}, status_code=200 if done or not problems else 409)
    return _back(request, back, msg)


def _back(request: Request, back: str, msg: str) -> Response:
    base = root(request)
    target = back if back.startswith(base + "/discrepanc") and "//" not in back else f"{base}/discrepancies"
    sep = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{sep}{urlencode({'msg': msg})}", status_code=303)


def _route(action: str) -> None:
    @router.post(f"/discrepancies/{action}", name=f"discrepancies_{action}")
    def act(
        request: Request,
        user: dict = Depends(writer("steward")),
        item: list[str] = Form([]),
        kind: str = Form(""),
        key: str = Form(""),
        value: str = Form(""),
        back: str = Form(""),
    ) -> Response:
        return _act(request, action, user, item, kind, key, value, back)


for _action in ("ack", "resolve", "assign", "comment"):
    _route(_action)
