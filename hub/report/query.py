"""Store reads the sections share: streamed canonical rows, names, runs and the discrepancies alive at a run.

Money columns are exact decimals stored as text on SQLite, so sums are taken in Python over
streamed rows (``yield_per``) rather than with SQL ``SUM``. The DRP customers, invoices and orders
that several sections add up are read once per report as compact named tuples
(:func:`read_rows`, held by the section context for one build); the other reads stream.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from hub.errors import NotFoundError
from hub.report.model import RunInfo
from hub.store.models import GOLDEN, MODELS, CrosswalkLink, Discrepancy, Run

__all__ = [
    "stream",
    "read_rows",
    "SHARED_FIELDS",
    "rows_by_ids",
    "names",
    "resolve_run",
    "previous_runs",
    "alive_discrepancies",
    "alive_clause",
    "DiscrepancyRow",
    "CHUNK",
]

CHUNK = 500


def stream(conn: Connection, entity: str, system: str, fields: Sequence[str], **equal: Any) -> Iterator[dict[str, Any]]:
    """Live rows of one entity and system (``external_id`` plus ``fields``), streamed in batches."""
    t = MODELS[entity].__table__
    q = select(t.c.external_id, *(t.c[f] for f in fields)).where(t.c.system == system, t.c.deleted.is_(False))
    for name, value in equal.items():
        q = q.where(t.c[name].in_(value) if isinstance(value, (list, tuple, set, frozenset)) else t.c[name] == value)
    keys = ("external_id", *fields)
    for row in conn.execute(q.order_by(t.c.external_id).execution_options(yield_per=5000)):
        yield dict(zip(keys, row))  # plain tuples zipped: a RowMapping per row costs more than the query


#: the fields of the DRP tables several sections read: read once per report (``SectionContext.rows``)
SHARED_FIELDS: dict[str, tuple[str, ...]] = {
    "party": ("name", "channel_level", "parent_ref", "credit_limit", "owner_ref"),
    "invoice": ("party_ref", "invoice_date", "due_date", "amount", "open_amount"),
    "sales_order": ("party_ref", "order_date", "amount", "status"),
}


@cache
def _row_type(entity: str, fields: tuple[str, ...]) -> Any:
    return namedtuple(f"{entity}_row", ("external_id", *fields))


def read_rows(conn: Connection, entity: str, system: str, fields: Sequence[str]) -> list[Any]:
    """Live rows of one entity and system as named tuples (``external_id`` plus ``fields``), by external id."""
    t = MODELS[entity].__table__
    q = select(t.c.external_id, *(t.c[f] for f in fields)).where(t.c.system == system, t.c.deleted.is_(False))
    make = _row_type(entity, tuple(fields))._make
    return [make(row) for row in conn.execute(q.order_by(t.c.external_id).execution_options(yield_per=5000))]


def rows_by_ids(
    conn: Connection, entity: str, system: str, ids: Iterable[str], fields: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Rows of one entity and system for the given external ids (looked up in chunks)."""
    t = MODELS[entity].__table__
    wanted = sorted({i for i in ids if i})
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), CHUNK):
        q = select(t.c.external_id, *(t.c[f] for f in fields)).where(
            t.c.system == system, t.c.external_id.in_(wanted[start : start + CHUNK])
        )
        out.update({r["external_id"]: dict(r) for r in conn.execute(q).mappings()})
    return out


def names(conn: Connection, entity: str, system: str, ids: Iterable[str] | None = None) -> dict[str, str]:
    """external id -> name for one entity and system (all records, or only ``ids``)."""
    if ids is not None:
        return {k: v["name"] for k, v in rows_by_ids(conn, entity, system, ids, ["name"]).items() if v["name"]}
    return {r["external_id"]: r["name"] for r in stream(conn, entity, system, ["name"]) if r["name"]}


def canonical_ids(conn: Connection, entity: str, system: str) -> dict[str, str]:
    """external id -> canonical id from the crosswalk."""
    cw = CrosswalkLink.__table__
    q = select(cw.c.external_id, cw.c.canonical_id).where(cw.c.entity == entity, cw.c.system == system)
    return dict(conn.execute(q).all())


def _info(row: Any) -> RunInfo:
    return RunInfo(row.id, row.pipeline, row.status, row.started_at, row.finished_at)


def resolve_run(conn: Connection, run: str | int, pipeline: str | None = None) -> RunInfo:
    """A run by id, or ``latest``: the newest succeeded run (of ``pipeline`` when given)."""
    t = Run.__table__
    if isinstance(run, int) or str(run).isdigit():
        row = conn.execute(select(t).where(t.c.id == int(run))).first()
        if row is None:
            raise NotFoundError(f"there is no run {run} in the store")
        return _info(row)
    if str(run) != "latest":
        raise NotFoundError(f"--run must be a run id or 'latest', not {run!r}")
    q = select(t).where(t.c.status == "succeeded")
    if pipeline:
        q = q.where(t.c.pipeline == pipeline)
    row = conn.execute(q.order_by(t.c.id.desc()).limit(1)).first()
    if row is None:
        where = f" of pipeline {pipeline!r}" if pipeline else ""
        raise NotFoundError(f"no succeeded run{where} in the store: run the pipeline first")
    return _info(row)


def previous_runs(conn: Connection, run: RunInfo, limit: int) -> list[RunInfo]:
    """Up to ``limit`` runs of the same pipeline up to and including ``run``, oldest first."""
    t = Run.__table__
    q = select(t).where(t.c.pipeline == run.pipeline, t.c.id <= run.id).order_by(t.c.id.desc()).limit(limit)
    return [_info(r) for r in reversed(conn.execute(q).all())]


def alive_clause(run_id: int | None) -> Any:
    """SQL condition: the discrepancy was open (or acknowledged) at the end of ``run_id`` (None: now)."""
    d = Discrepancy.__table__
    if run_id is None:
        return d.c.status != "resolved"
    return and_(d.c.first_run <= run_id, or_(d.c.resolved_run.is_(None), d.c.resolved_run > run_id))


@dataclass(frozen=True, slots=True)
class DiscrepancyRow:
    kind: str
    key: str
    system: str | None
    external_id: str
    other_external_id: str | None
    severity: str
    message: str | None
    details: dict[str, Any]
    status: str
    first_run: int


def alive_discrepancies(conn: Connection, run_id: int | None, kinds: Iterable[str]) -> Iterator[DiscrepancyRow]:
    """Discrepancies of ``kinds`` alive at ``run_id``, ordered by kind and key."""
    d = Discrepancy.__table__
    q = (
        select(
            d.c.kind,
            d.c.key,
            d.c.system,
            d.c.external_id,
            d.c.other_external_id,
            d.c.severity,
            d.c.message,
            d.c.details,
            d.c.status,
            d.c.first_run,
        )
        .where(d.c.kind.in_(list(kinds)), alive_clause(run_id))
        .order_by(d.c.kind, d.c.key)
    )
    for r in conn.execute(q.execution_options(yield_per=5000)):
        yield DiscrepancyRow(
            r.kind,
            r.key,
            r.system,
            r.external_id,
            r.other_external_id,
            r.severity,
            r.message,
            dict(r.details or {}),
            r.status,
            r.first_run,
        )


def count_by(conn: Connection, *columns: Any, where: Any = None) -> list[tuple[Any, ...]]:
    """(values..., count) grouped by ``columns``."""
    q = select(*columns, func.count()).group_by(*columns).order_by(*columns)
    if where is not None:
        q = q.where(where)
    return [tuple(r) for r in conn.execute(q).all()]


__all__ += ["canonical_ids", "count_by", "GOLDEN"]
