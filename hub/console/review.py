"""The review queue: each pair side by side with differing fields marked, the evidence in words, decisions."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection, select

from hub.console.audit import record
from hub.console.auth import reader, writer
from hub.console.web import render, root
from hub.errors import HubError
from hub.store.models import MODELS, ReviewItem

router = APIRouter()
ENTITY = "party"
SHOWN = (
    "name",
    "tax_id",
    "erp_code",
    "phone",
    "email",
    "province",
    "city",
    "address",
    "channel_level",
    "credit_limit",
    "country",
    "website",
)
DECISIONS = {"accept": "accepted", "reject": "rejected"}


def _match_config(request: Request) -> Any:
    from hub.cli import reconcile_facts as facts
    from hub.reconcile.match_config import default_party_config

    config = request.app.state.console.config()
    return facts.party_match_config(config) if config is not None else default_party_config()


def _records(conn: Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    t = MODELS[ENTITY].__table__
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for system in {s for s, _ in keys}:
        ids = [e for s, e in keys if s == system]
        for r in conn.execute(select(t).where(t.c.system == system, t.c.external_id.in_(ids))):
            out[(r.system, r.external_id)] = dict(r._mapping)
    return out


def _compare(a: dict[str, Any] | None, b: dict[str, Any] | None) -> list[dict[str, Any]]:
    rows = []
    for f in SHOWN:
        va, vb = (a or {}).get(f), (b or {}).get(f)
        if va is None and vb is None:
            continue
        rows.append({"field": f.replace("_", " "), "a": va, "b": vb, "differ": str(va or "") != str(vb or "")})
    return rows


@router.get("/review")
def page(request: Request, user: dict = Depends(reader), show: str = "open") -> Response:
    from hub.cli import reconcile_facts as facts

    with request.app.state.console.engine().connect() as conn:
        items, total = facts.review_items(conn, ENTITY, show == "all", 200, _match_config(request))
        recs = _records(conn, {(i["system_a"], i["id_a"]) for i in items} | {(i["system_b"], i["id_b"]) for i in items})
    for i in items:
        i["fields"] = _compare(recs.get((i["system_a"], i["id_a"])), recs.get((i["system_b"], i["id_b"])))
    return render(
        request, "review.html.j2", items=items, total=total, show=show, message=request.query_params.get("msg", "")
    )


@router.post("/review/decide")
def decide(
    request: Request,
    user: dict = Depends(writer("steward")),
    pair: list[str] = Form([]),
    decision: str = Form(""),
    confirm: str = Form(""),
) -> Response:
    """One pair decides at once; several pairs ask for a confirmation first (``confirm=yes``)."""
    from hub.cli.reconcile import decide_pair

    status = DECISIONS.get(decision)
    pairs = list(dict.fromkeys(p for p in pair if p))
    if status is None or not pairs:
        return _back(request, "choose accept or reject and at least one pair")
    if len(pairs) > 1 and confirm != "yes":
        return render(request, "review_confirm.html.j2", pairs=pairs, decision=decision, status=status)
    problems = []
    with request.app.state.console.engine().begin() as conn:
        for p in pairs:
            before = _state(conn, p)
            try:
                decide_pair(conn, p, "customer", status, user["name"])
            except HubError as exc:
                problems.append(str(exc))
                continue
            record(conn, user["name"], f"review.{decision}", "review_item", p, before, _state(conn, p))
    done = len(pairs) - len(problems)
    return _back(
        request,
        f"{done} {status}; the next run applies it" + (f"; not done: {'; '.join(problems[:5])}" if problems else ""),
    )


def _state(conn: Connection, pair: str) -> dict[str, Any] | None:
    try:
        (sa, ia), (sb, ib) = (x.split(":", 1) for x in pair.split("~"))
    except ValueError:
        return None
    r = ReviewItem.__table__
    row = conn.execute(
        select(r.c.status, r.c.decided_by).where(
            r.c.entity == ENTITY,
            ((r.c.system_a == sa) & (r.c.id_a == ia) & (r.c.system_b == sb) & (r.c.id_b == ib))
            | ((r.c.system_a == sb) & (r.c.id_a == ib) & (r.c.system_b == sa) & (r.c.id_b == ia)),
        )
    ).first()
    return dict(row._mapping) if row else None


def _back(request: Request, msg: str) -> Response:
    return RedirectResponse(f"{root(request)}/review?{urlencode({'msg': msg})}", status_code=303)
