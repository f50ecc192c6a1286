"""Admin pages: users (add, disable), the quarantine (requeue or discard) and the audit log."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection, func, select, update

from hub.console.audit import recent, record
from hub.console.auth import reader, writer
from hub.console.users import ROLES, add_user, can, list_users, set_disabled
from hub.console.web import render, root
from hub.errors import HubError
from hub.redact import redact
from hub.store.models import Quarantine, Run, SourceRecord

router = APIRouter()


def _back(request: Request, page: str, msg: str) -> Response:
    return RedirectResponse(f"{root(request)}/{page}?{urlencode({'msg': msg})}", status_code=303)


@router.get("/users")
def users(request: Request, user: dict = Depends(reader)) -> Response:
    if not can(user["role"], "admin"):
        from hub.console.auth import Refused

        raise Refused(f"{user['name']} is a {user['role']}: managing users needs the admin role")
    with request.app.state.console.engine().connect() as conn:
        rows = list_users(conn)
    return render(request, "users.html.j2", users=rows, roles=ROLES, message=request.query_params.get("msg", ""))


@router.post("/users/add")
def users_add(
    request: Request,
    user: dict = Depends(writer("admin")),
    name: str = Form(""),
    role: str = Form(""),
    password: str = Form(""),
) -> Response:
    try:
        with request.app.state.console.engine().begin() as conn:
            add_user(conn, name.strip(), role, password, user["name"])
    except HubError as exc:
        return _back(request, "users", str(exc))
    return _back(request, "users", f"user {name.strip()} added as {role}")


@router.post("/users/disable")
def users_disable(
    request: Request, user: dict = Depends(writer("admin")), name: str = Form(""), enable: str = Form("")
) -> Response:
    if name == user["name"] and not enable:
        return _back(request, "users", "you cannot disable yourself")
    try:
        with request.app.state.console.engine().begin() as conn:
            set_disabled(conn, name, not enable, user["name"])
    except HubError as exc:
        return _back(request, "users", str(exc))
    return _back(request, "users", f"user {name} {'enabled' if enable else 'disabled'}")


@router.get("/audit")
def audit(request: Request, user: dict = Depends(reader), who: str = "", target: str = "") -> Response:
    with request.app.state.console.engine().connect() as conn:
        rows = recent(conn, 300, user=who or None, target_kind=target or None)
    return render(request, "audit.html.j2", history=rows, who=who, target=target)


def _open_quarantine(conn: Connection) -> list[dict]:
    q = Quarantine.__table__
    rows = conn.execute(
        select(
            q.c.system,
            q.c.stream,
            q.c.stage,
            q.c.record_key,
            q.c.location,
            q.c.error_type,
            q.c.field,
            q.c.reason,
            q.c.first_run,
            q.c.last_run,
            q.c.created_at,
        )
        .where(q.c.resolved_run.is_(None))
        .order_by(q.c.system, q.c.stream, q.c.location, q.c.record_key)
        .limit(500)
    )
    return [dict(r._mapping) | {"reason": redact(r.reason)} for r in rows]


@router.get("/quarantine")
def quarantine(request: Request, user: dict = Depends(reader)) -> Response:
    q = Quarantine.__table__
    with request.app.state.console.engine().connect() as conn:
        rows = _open_quarantine(conn)
        total = conn.execute(select(func.count()).select_from(q).where(q.c.resolved_run.is_(None))).scalar_one()
    return render(request, "quarantine.html.j2", rows=rows, total=total, message=request.query_params.get("msg", ""))


@router.post("/quarantine/{action}")
def quarantine_act(
    request: Request, action: str, user: dict = Depends(writer("admin")), item: list[str] = Form([])
) -> Response:
    """``requeue``: the next run maps the record again; ``discard``: set aside (it comes back if the source sends it again)."""
    if action not in ("requeue", "discard"):
        return _back(request, "quarantine", f"unknown action {action}")
    q, sr, run = Quarantine.__table__, SourceRecord.__table__, Run.__table__
    done, problems = 0, []
    with request.app.state.console.engine().begin() as conn:
        last = conn.execute(select(func.max(run.c.id))).scalar() or 0
        for ident in item:
            parts = dict(parse_qsl(ident))
            if set(parts) != {"system", "stream", "stage", "key"}:
                problems.append("a selected record is not named as system, stream, stage and key")
                continue
            system, stream, stage, key = parts["system"], parts["stream"], parts["stage"], parts["key"]
            where = (
                q.c.system == system,
                q.c.stream == stream,
                q.c.stage == stage,
                q.c.record_key == key,
                q.c.resolved_run.is_(None),
            )
            row = conn.execute(select(q.c.location, q.c.reason).where(*where)).first()
            if row is None:
                problems.append(f"{system}/{stream} {key} is not in the quarantine")
                continue
            if action == "requeue":
                if stage != "map":
                    problems.append(
                        f"{system}/{stream} {row.location or key}: fix the source; the next delivery is read again"
                    )
                    continue
                conn.execute(
                    update(sr)
                    .where(sr.c.system == system, sr.c.stream == stream, sr.c.external_id == key)
                    .values(mapped_hash=None)
                )
            else:
                conn.execute(update(q).where(*where).values(resolved_run=last))
            record(
                conn,
                user["name"],
                f"quarantine.{action}",
                "quarantine",
                f"{system}/{stream}/{stage}/{key}",
                {"location": row.location, "reason": redact(row.reason), "open": True},
                {"open": action == "requeue", "requeued": action == "requeue"},
            )
            done += 1
    verb = "requeued for the next run" if action == "requeue" else "discarded"
    return _back(
        request, "quarantine", f"{done} {verb}" + (f"; not done: {'; '.join(problems[:5])}" if problems else "")
    )
