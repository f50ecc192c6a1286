"""Runs: recent runs with outcome, stages, counts, culprits and alerts sent."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Connection, func, select

from hub.console.auth import reader
from hub.console.web import render
from hub.redact import redact
from hub.store.models import AlertSent, Run, StageLog

router = APIRouter()


def _culprits(summary: Any) -> list[str]:
    out = []
    for c in (summary or {}).get("culprits") or []:
        if isinstance(c, dict):
            where = "/".join(str(c[k]) for k in ("system", "stream") if c.get(k))
            out.append(redact(str(c.get("message") or f"{c.get('kind', '')} {where}".strip())))
        else:
            out.append(redact(str(c)))
    return out


def _runs(conn: Connection, limit: int, run_id: int | None = None) -> list[dict[str, Any]]:
    r, s, a = Run.__table__, StageLog.__table__, AlertSent.__table__
    q = select(r).order_by(r.c.id.desc()).limit(limit) if run_id is None else select(r).where(r.c.id == run_id)
    runs = [dict(x._mapping) for x in conn.execute(q)]
    ids = [x["id"] for x in runs]
    counts = (
        {
            x.run_id: x
            for x in conn.execute(
                select(
                    s.c.run_id,
                    func.sum(s.c.rows_in).label("rows_in"),
                    func.sum(s.c.rows_changed).label("changed"),
                    func.sum(s.c.rows_quarantined).label("quarantined"),
                    func.count().label("stages"),
                )
                .where(s.c.run_id.in_(ids))
                .group_by(s.c.run_id)
            )
        }
        if ids
        else {}
    )
    alerts: dict[int, list[dict[str, Any]]] = {}
    for al in conn.execute(select(a).where(a.c.run_id.in_(ids)).order_by(a.c.id)) if ids else []:
        alerts.setdefault(al.run_id, []).append(
            {
                "channel": al.channel,
                "event": al.event,
                "status": al.status,
                "attempts": al.attempts,
                "error": redact(al.error or ""),
                "at": al.sent_at,
            }
        )
    for x in runs:
        summary = x["summary"] if isinstance(x["summary"], dict) else {}
        c = counts.get(x["id"])
        x.update(
            outcome=summary.get("outcome") or x["status"],
            culprits=_culprits(summary),
            mapped=summary.get("mapped"),
            report=summary.get("report"),
            alerts=alerts.get(x["id"], []),
            rows_in=c.rows_in if c else 0,
            changed=c.changed if c else 0,
            quarantined=c.quarantined if c else 0,
            error=redact(x["error"] or ""),
            seconds=(x["finished_at"] - x["started_at"]).total_seconds() if x["finished_at"] else None,
        )
    return runs


@router.get("/runs")
def page(request: Request, user: dict = Depends(reader)) -> Response:
    with request.app.state.console.engine().connect() as conn:
        runs = _runs(conn, 30)
    return render(request, "runs.html.j2", runs=runs)


@router.get("/runs/{run_id}")
def run(request: Request, run_id: int, user: dict = Depends(reader)) -> Response:
    s = StageLog.__table__
    with request.app.state.console.engine().connect() as conn:
        runs = _runs(conn, 1, run_id)
        stages = [dict(x._mapping) for x in conn.execute(select(s).where(s.c.run_id == run_id).order_by(s.c.id))]
    if not runs:
        return render(request, "message.html.j2", status_code=404, title="Not found", message=f"no run {run_id}")
    for st in stages:
        st["error"] = redact(st["error"] or "")
    return render(request, "run.html.j2", r=runs[0], stages=stages)
