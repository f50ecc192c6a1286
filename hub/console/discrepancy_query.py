"""Discrepancies as the console lists them: filters, owner team and salesperson, age, notes, values side by side."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Select, and_, func, or_, select

from hub.clock import utcnow
from hub.store.models import GOLDEN, MODELS, Discrepancy, DiscrepancyNote, Run

__all__ = ["Filters", "STATUSES", "select_rows", "count", "rows", "notes_of", "side_by_side", "options"]

STATUSES = ("open", "acknowledged", "unresolved", "resolved", "all")
_SIDES = ("crm", "drp", "edi")


@dataclass
class Filters:
    """What the list is narrowed to (all optional; status defaults to open)."""

    kind: str = ""
    severity: str = ""
    status: str = "open"
    team: str = ""
    salesperson: str = ""
    min_age_days: int | None = None
    assignee: str = ""
    q: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def query_string(self) -> dict[str, str]:
        out = {
            "kind": self.kind,
            "severity": self.severity,
            "status": self.status,
            "team": self.team,
            "salesperson": self.salesperson,
            "age": "" if self.min_age_days is None else str(self.min_age_days),
            "assignee": self.assignee,
            "q": self.q,
        }
        return {k: v for k, v in out.items() if v}


def _assignee_subquery() -> Any:
    """The latest assignment of each discrepancy."""
    n = DiscrepancyNote.__table__
    latest = (
        select(n.c.kind, n.c.key, func.max(n.c.id).label("id"))
        .where(n.c.note_type == "assign")
        .group_by(n.c.kind, n.c.key)
        .subquery("latest_assign")
    )
    return (select(n.c.kind, n.c.key, n.c.assignee).join(latest, latest.c.id == n.c.id)).subquery("assignment")


def select_rows(f: Filters) -> Select[Any]:
    """The filtered discrepancies with team, salesperson, first-seen time and assignee (bound parameters only)."""
    d, run = Discrepancy.__table__, Run.__table__
    party, sp = MODELS["party"].__table__.alias("gp"), MODELS["salesperson"].__table__.alias("gs")
    asg = _assignee_subquery()
    q = (
        select(
            d,
            party.c.name.label("customer"),
            sp.c.external_id.label("salesperson_id"),
            sp.c.name.label("salesperson"),
            sp.c.team.label("team"),
            run.c.started_at.label("first_seen"),
            asg.c.assignee.label("assignee"),
        )
        .select_from(d)
        .join(party, and_(party.c.system == GOLDEN, party.c.external_id == d.c.scope), isouter=True)
        .join(sp, and_(sp.c.system == GOLDEN, sp.c.external_id == party.c.owner_ref), isouter=True)
        .join(run, run.c.id == d.c.first_run, isouter=True)
        .join(asg, and_(asg.c.kind == d.c.kind, asg.c.key == d.c.key), isouter=True)
    )
    if f.kind:
        q = q.where(d.c.kind == f.kind)
    if f.severity:
        q = q.where(d.c.severity == f.severity)
    if f.status == "unresolved":
        q = q.where(d.c.status != "resolved")
    elif f.status in ("open", "acknowledged", "resolved"):
        q = q.where(d.c.status == f.status)
    if f.team:
        q = q.where(sp.c.team == f.team)
    if f.salesperson:
        q = q.where(sp.c.external_id == f.salesperson)
    if f.min_age_days is not None:
        q = q.where(run.c.started_at <= utcnow() - dt.timedelta(days=f.min_age_days))
    if f.assignee:
        q = q.where(asg.c.assignee == f.assignee)
    if f.q:
        like = "%" + f.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        q = q.where(
            or_(
                func.lower(d.c.message).like(like, escape="\\"),
                func.lower(d.c.key).like(like, escape="\\"),
                func.lower(func.coalesce(party.c.name, "")).like(like, escape="\\"),
            )
        )
    return q


def count(conn: Connection, f: Filters) -> int:
    return conn.execute(select(func.count()).select_from(select_rows(f).subquery())).scalar_one()


def rows(conn: Connection, f: Filters, limit: int | None = 200, offset: int = 0) -> Iterator[dict[str, Any]]:
    """Filtered rows, most severe and oldest first."""
    d = Discrepancy.__table__
    severity = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    from sqlalchemy import case

    q = select_rows(f).order_by(case(severity, value=d.c.severity, else_=9), d.c.first_run, d.c.kind, d.c.key)
    if limit is not None:
        q = q.limit(limit).offset(offset)
    for r in conn.execution_options(yield_per=1000).execute(q):
        yield dict(r._mapping)


def notes_of(conn: Connection, idents: list[tuple[str, str]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Notes (assignments, comments, resolutions) of the given discrepancies, oldest first."""
    n = DiscrepancyNote.__table__
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for start in range(0, len(idents), 200):
        chunk = idents[start : start + 200]
        cond = or_(*[and_(n.c.kind == k, n.c.key == key) for k, key in chunk]) if chunk else None
        if cond is None:
            continue
        for r in conn.execute(select(n).where(cond).order_by(n.c.id)):
            out.setdefault((r.kind, r.key), []).append(dict(r._mapping))
    return out


def side_by_side(details: Any) -> tuple[list[tuple[str, list[Any]]], list[tuple[str, Any]], list[str]]:
    """From a discrepancy's details: rows of (field, [value per system]), the other figures, and the systems shown.

    ``crm_amount``/``drp_amount`` become one row "amount" with both values; keys without a
    system prefix are figures of the discrepancy itself (difference, limit, tolerance).
    """
    if not isinstance(details, dict):
        return [], [], []
    paired: dict[str, dict[str, Any]] = {}
    figures: list[tuple[str, Any]] = []
    for name, value in details.items():
        prefix, _, rest = name.partition("_")
        if prefix in _SIDES and rest:
            paired.setdefault(rest, {})[prefix] = value
        else:
            figures.append((name.replace("_", " "), ", ".join(map(str, value)) if isinstance(value, list) else value))
    systems = [s for s in _SIDES if any(s in v for v in paired.values())]
    if len(systems) < 2:  # a one-sided record (missing order): its fields are figures too
        figures = [(f"{s} {k}".replace("_", " "), v[s]) for k, v in paired.items() for s in v] + figures
        return [], figures, systems
    table = [(k.replace("_", " "), [v.get(s) for s in systems]) for k, v in paired.items()]
    return table, figures, systems


def options(conn: Connection) -> dict[str, list[Any]]:
    """Values the filter drop-downs offer."""
    d = Discrepancy.__table__
    sp = MODELS["salesperson"].__table__
    n = DiscrepancyNote.__table__
    return {
        "kinds": [r[0] for r in conn.execute(select(d.c.kind).distinct().order_by(d.c.kind))],
        "severities": [r[0] for r in conn.execute(select(d.c.severity).distinct().order_by(d.c.severity))],
        "teams": [
            r[0]
            for r in conn.execute(
                select(sp.c.team).where(sp.c.system == GOLDEN, sp.c.team.is_not(None)).distinct().order_by(sp.c.team)
            )
        ],
        "salespeople": [
            (r[0], r[1])
            for r in conn.execute(select(sp.c.external_id, sp.c.name).where(sp.c.system == GOLDEN).order_by(sp.c.name))
        ],
        "assignees": [
            r[0]
            for r in conn.execute(
                select(n.c.assignee).where(n.c.assignee.is_not(None)).distinct().order_by(n.c.assignee)
            )
        ],
    }
