"""Summary section: systems compared, records matched and match rate, open discrepancies, trend over runs."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Connection, case, func, select

from hub.report.cells import ratio
from hub.report.model import Chart, Column, Figure, Section
from hub.report.query import alive_clause, previous_runs, resolve_run
from hub.report.sections import SectionContext, make_table
from hub.store.models import GOLDEN, CrosswalkLink, Discrepancy

SEVERITIES = ("critical", "high", "medium", "low", "info")


@dataclass
class EntityMatch:
    """Crosswalk counts of one entity."""

    systems: set[str] = field(default_factory=set)
    records: int = 0
    matched: int = 0  # records in a cluster spanning more than one system
    clusters: int = 0
    linked: int = 0  # clusters spanning more than one system


def matching(conn: Connection) -> dict[str, EntityMatch]:
    """Per entity: systems, records, records linked to another system, cross-system clusters."""
    cw = CrosswalkLink.__table__
    clusters = (
        select(cw.c.entity, func.count(func.distinct(cw.c.system)).label("systems"), func.count().label("records"))
        .where(cw.c.system != GOLDEN)
        .group_by(cw.c.entity, cw.c.canonical_id)
        .subquery()
    )
    linked = clusters.c.systems > 1
    q = select(
        clusters.c.entity,
        func.sum(clusters.c.records),
        func.count(),
        func.sum(case((linked, clusters.c.records), else_=0)),
        func.sum(case((linked, 1), else_=0)),
    ).group_by(clusters.c.entity)
    out: dict[str, EntityMatch] = defaultdict(EntityMatch)
    for entity, records, n_clusters, matched, n_linked in conn.execute(q):  # counted in the store: one row per entity
        e = out[entity]
        e.records, e.clusters, e.matched, e.linked = int(records), int(n_clusters), int(matched), int(n_linked)
    for entity, system in conn.execute(select(cw.c.entity, cw.c.system).where(cw.c.system != GOLDEN).distinct()).all():
        out[entity].systems.add(system)
    return dict(out)


def build(conn: Connection, ctx: SectionContext) -> Section:
    scope = ctx.scope
    match = matching(conn)
    systems = sorted({s for e in match.values() for s in e.systems})
    records = sum(e.records for e in match.values())
    matched = sum(e.matched for e in match.values())
    match_rows = [
        (entity, ", ".join(sorted(e.systems)), e.records, e.matched, e.linked, ratio(e.matched, e.records))
        for entity, e in sorted(match.items())
    ]

    d = Discrepancy.__table__
    by_kind_sev: Counter[tuple[str, str]] = Counter()
    for kind, sev, n in conn.execute(
        select(d.c.kind, d.c.severity, func.count()).where(alive_clause(scope.run_id)).group_by(d.c.kind, d.c.severity)
    ):
        by_kind_sev[(kind, sev)] += n
    open_total = sum(by_kind_sev.values())
    high = sum(n for (_, sev), n in by_kind_sev.items() if sev in ("critical", "high"))
    sev_present = [s for s in SEVERITIES if any(k[1] == s for k in by_kind_sev)] + sorted(
        {s for _, s in by_kind_sev} - set(SEVERITIES)
    )
    kinds = sorted({k for k, _ in by_kind_sev})
    disc_rows = [
        (k, *(by_kind_sev.get((k, s), 0) for s in sev_present), sum(by_kind_sev.get((k, s), 0) for s in sev_present))
        for k in kinds
    ]
    disc_cols = [
        Column("kind", "Kind"),
        *(Column(s, s.capitalize(), "int") for s in sev_present),
        Column("total", "Total", "int"),
    ]

    trend_rows = []
    if scope.run_id is not None:
        run = resolve_run(conn, scope.run_id)
        for r in previous_runs(conn, run, ctx.config.trend_runs):
            alive = conn.execute(select(func.count()).select_from(d).where(alive_clause(r.id))).scalar() or 0
            opened = conn.execute(select(func.count()).select_from(d).where(d.c.first_run == r.id)).scalar() or 0
            resolved = conn.execute(select(func.count()).select_from(d).where(d.c.resolved_run == r.id)).scalar() or 0
            trend_rows.append((r.id, r.started_at, r.status, alive, opened, resolved))
    previous = trend_rows[-2][3] if len(trend_rows) > 1 else None

    figures = [
        Figure("systems", "Systems compared", len(systems), "int"),
        Figure("records", "Records", records, "int"),
        Figure("matched", "Records matched across systems", matched, "int"),
        Figure("match_rate", "Match rate", ratio(matched, records), "pct", "good"),
        Figure("open_discrepancies", "Open discrepancies", open_total, "int", "warn" if open_total else "good"),
        Figure("high_severity", "High or critical", high, "int", "bad" if high else "good"),
    ]
    if previous is not None:
        figures.append(
            Figure(
                "change_vs_previous",
                "Change vs previous run",
                open_total - previous,
                "int",
                "bad" if open_total > previous else "good",
            )
        )
    charts = [
        Chart(
            "by_kind",
            "Open discrepancies by kind",
            "bar",
            tuple((k, sum(n for (kk, _), n in by_kind_sev.items() if kk == k)) for k in kinds),
        ),
        Chart(
            "by_severity",
            "Open discrepancies by severity",
            "donut",
            tuple((s, sum(n for (_, ss), n in by_kind_sev.items() if ss == s)) for s in sev_present),
        ),
    ]
    if trend_rows:
        charts.append(
            Chart("trend", "Open discrepancies per run", "bar", tuple((f"run {r[0]}", r[3]) for r in trend_rows))
        )
    tables = [
        make_table(
            "matching",
            "Matching by entity",
            [
                Column("entity", "Entity"),
                Column("systems", "Systems"),
                Column("records", "Records", "int"),
                Column("matched", "Matched records", "int"),
                Column("linked", "Linked clusters", "int"),
                Column("match_rate", "Match rate", "pct"),
            ],
            match_rows,
            ctx.max_rows,
        ),
        make_table("discrepancies", "Open discrepancies by kind and severity", disc_cols, disc_rows, ctx.max_rows),
        make_table(
            "trend",
            "Trend over runs",
            [
                Column("run", "Run", "int"),
                Column("started", "Started", "datetime"),
                Column("status", "Status"),
                Column("open", "Open at end", "int"),
                Column("opened", "Newly opened", "int"),
                Column("resolved", "Resolved", "int"),
            ],
            trend_rows,
            ctx.max_rows,
        ),
    ]
    notes = (
        "Systems compared: " + (", ".join(systems) or "none") + ".",
        "Matched records belong to a crosswalk cluster that spans more than one system.",
    )
    return Section("summary", "Summary", tuple(figures), tuple(charts), tuple(tables), notes)
