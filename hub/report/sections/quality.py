"""Data quality section: duplicates inside one system, the review queue, quarantine by reason."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import Connection, func, select

from hub.reconcile.discrepancy import DUPLICATE_KIND, split_key
from hub.report.model import Chart, Column, Figure, Section, Table
from hub.report.query import DiscrepancyRow, alive_discrepancies, count_by, names
from hub.report.sections import SectionContext, make_table
from hub.store.models import Quarantine, ReviewItem


def build(conn: Connection, ctx: SectionContext) -> Section:
    dups = [_pair(d) for d in alive_discrepancies(conn, ctx.scope.run_id, [DUPLICATE_KIND])]
    ids: dict[str, set[str]] = defaultdict(set)
    for system, a, b, _ in dups:
        ids[system].update(x for x in (a, b) if x)
    party_names = {s: names(conn, "party", s, v) for s, v in ids.items()}
    dup_rows = [
        (system, a, party_names[system].get(a), b, party_names[system].get(b), d.status, d.message)
        for system, a, b, d in dups
    ]

    ri = ReviewItem.__table__
    review_open = ri.c.status == "open"
    by_entity = count_by(conn, ri.c.entity, where=review_open)
    review_total = sum(n for _, n in by_entity)
    q = (
        select(ri.c.entity, ri.c.system_a, ri.c.id_a, ri.c.system_b, ri.c.id_b, ri.c.score)
        .where(review_open)
        .order_by(ri.c.score.desc(), ri.c.entity, ri.c.id_a, ri.c.id_b)
        .limit(ctx.max_rows)
    )
    items = conn.execute(q).all()
    wanted: dict[str, set[str]] = defaultdict(set)
    for it in items:
        if it.entity == "party":
            wanted[it.system_a].add(it.id_a)
            wanted[it.system_b].add(it.id_b)
    review_names = {s: names(conn, "party", s, v) for s, v in wanted.items()}

    def nm(system: str, ext: str) -> str | None:
        return review_names.get(system, {}).get(ext)

    review_rows = [
        (
            it.entity,
            it.system_a,
            it.id_a,
            nm(it.system_a, it.id_a),
            it.system_b,
            it.id_b,
            nm(it.system_b, it.id_b),
            None if it.score is None else Decimal(str(round(it.score, 2))),
        )
        for it in items
    ]

    qt = Quarantine.__table__
    open_q = qt.c.resolved_run.is_(None)
    grouped = conn.execute(
        select(qt.c.system, qt.c.stream, qt.c.stage, qt.c.error_type, qt.c.field, func.count(), func.min(qt.c.reason))
        .where(open_q)
        .group_by(qt.c.system, qt.c.stream, qt.c.stage, qt.c.error_type, qt.c.field)
        .order_by(func.count().desc(), qt.c.system, qt.c.stream)
    ).all()
    q_rows = [(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in grouped]
    quarantined = sum(r[5] for r in q_rows)
    by_reason: dict[str, int] = defaultdict(int)
    for r in q_rows:
        by_reason[r[3]] += r[5]

    figures = (
        Figure("duplicates", "Duplicate records", len(dup_rows), "int", "warn" if dup_rows else "good"),
        Figure("review_queue", "Review queue", review_total, "int", "warn" if review_total else "good"),
        Figure("quarantined", "Quarantined records", quarantined, "int", "bad" if quarantined else "good"),
    )
    charts = (
        Chart("quarantine", "Quarantine by reason", "donut", tuple(sorted(by_reason.items(), key=lambda kv: -kv[1]))),
        Chart("review", "Review queue by entity", "bar", tuple((e, n) for e, n in by_entity)),
    )
    tables = (
        make_table(
            "duplicates",
            "Duplicate records inside one system",
            [
                Column("system", "System"),
                Column("id_a", "Record"),
                Column("name_a", "Name"),
                Column("id_b", "Duplicate"),
                Column("name_b", "Name"),
                Column("status", "Status"),
                Column("message", "Why"),
            ],
            dup_rows,
            ctx.max_rows,
        ),
        # the query already cut the list at max_rows: the total comes from the count
        Table(
            "review",
            "Review queue (pairs waiting for a decision)",
            (
                Column("entity", "Entity"),
                Column("system_a", "System"),
                Column("id_a", "Record"),
                Column("name_a", "Name"),
                Column("system_b", "System"),
                Column("id_b", "Record"),
                Column("name_b", "Name"),
                Column("score", "Score", "qty"),
            ),
            tuple(review_rows),
            review_total,
        ),
        make_table(
            "quarantine",
            "Quarantine by reason",
            [
                Column("system", "System"),
                Column("stream", "Stream"),
                Column("stage", "Stage"),
                Column("error", "Error"),
                Column("field", "Field"),
                Column("records", "Records", "int"),
                Column("example", "Example reason"),
            ],
            q_rows,
            ctx.max_rows,
        ),
    )
    return Section("quality", "Data quality", figures, charts, tables)


def _pair(d: DiscrepancyRow) -> tuple[str, str, str, DiscrepancyRow]:
    """(system, id_a, id_b, row): the key is ``system|id_a|id_b`` (the scorer's key order)."""
    parts = split_key(d.key)
    if len(parts) == 3:
        return parts[0], parts[1], parts[2], d
    return d.system or "", d.external_id, d.other_external_id or "", d
