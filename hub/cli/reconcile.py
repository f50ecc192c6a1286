"""Commands over reconciliation results: ``explain``, ``review``, ``discrepancies``."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from typing import Any

import typer

from hub.cli.app import app, console, handle_errors, load
from hub.cli.output import OutputFormat, write_csv, write_json
from hub.cli.store import _engine
from hub.clock import utcnow
from hub.errors import HubError

review_app = typer.Typer(help="Mid-confidence matches waiting for a decision.", no_args_is_help=True)
disc_app = typer.Typer(help="What disagrees between the systems.", no_args_is_help=True)
app.add_typer(review_app, name="review")
app.add_typer(disc_app, name="discrepancies")

#: names people use -> canonical entity
ENTITY_ALIASES = {
    "customer": "party",
    "party": "party",
    "order": "sales_order",
    "sales_order": "sales_order",
    "salesperson": "salesperson",
    "product": "product",
    "contact": "contact",
    "person": "person",
}


def _entity(name: str) -> str:
    try:
        return ENTITY_ALIASES[name]
    except KeyError:
        raise HubError(f"unknown entity {name!r}; use one of {', '.join(sorted(ENTITY_ALIASES))}") from None


@app.command()
@handle_errors
def explain(
    entity: str = typer.Argument(..., help="customer, order, salesperson, product"),
    record: str = typer.Argument(..., help="Canonical id, or an external id (optionally system:id)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table (default), csv or json."),
) -> None:
    """Why records were linked: members, rules, signals and scores, and the golden record's lineage."""
    from sqlalchemy import or_, select

    from hub.cli import reconcile_facts as facts
    from hub.store.models import CrosswalkLink

    ent = _entity(entity)
    cw = CrosswalkLink.__table__
    match_config = facts.party_match_config(load()) if ent == "party" else None
    results = []
    with _engine().connect() as conn:
        system, _, ext = record.partition(":") if ":" in record else ("", "", record)
        cond = cw.c.canonical_id == record
        cond = (
            or_(cond, cw.c.external_id == ext)
            if not system
            else or_(cond, (cw.c.system == system) & (cw.c.external_id == ext))
        )
        cids = sorted({r[0] for r in conn.execute(select(cw.c.canonical_id).where(cw.c.entity == ent, cond))})
        if not cids:
            raise HubError(f"no {entity} {record!r} in the crosswalk")
        for cid in cids:
            ms = facts.members(conn, ent, cid, match_config)
            names = {(m["system"], m["external_id"]): m["name"] for m in ms if m["name"]}
            results.append(
                {
                    "entity": entity,
                    "canonical_id": cid,
                    "members": ms,
                    "golden": facts.golden(conn, ent, cid, names),
                    "discrepancies": facts.open_discrepancies(conn, [m["external_id"] for m in ms]),
                }
            )
    if fmt is OutputFormat.json:
        write_json(results)
    elif fmt is OutputFormat.csv:
        write_csv(_explain_rows(results), EXPLAIN_COLUMNS)
    else:
        for res in results:
            _print_explained(res)
            if len(res["members"]) == 1 and ent != "party":  # unlinked: who came closest, and why not
                from hub.cli.match import print_nearest

                m = res["members"][0]
                print_nearest(ent, (m["system"], m["external_id"]))


#: ``explain --format csv``: one row per member, golden field or discrepancy (``section``)
EXPLAIN_COLUMNS = [
    "entity",
    "canonical_id",
    "section",
    "system",
    "external_id",
    "name",
    "rule",
    "decision",
    "score",
    "linked_with",
    "how",
    "score_text",
    "evidence",
    "field",
    "value",
    "rule_text",
    "run_id",
    "run_at",
    "kind",
    "key",
    "status",
    "message",
]


def _explain_rows(results: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for res in results:
        head = {"entity": res["entity"], "canonical_id": res["canonical_id"]}
        for m in res["members"]:
            yield {**head, "section": "member", **m}
        for g in res["golden"]:
            yield {**head, "section": "golden", **g}
        for d in res["discrepancies"]:
            yield {**head, "section": "discrepancy", **d}


def _print_explained(res: dict[str, Any]) -> None:
    from rich.table import Table

    from hub.reconcile.wording import record_label

    ms = res["members"]
    t = Table(title=f"{res['entity']} {res['canonical_id']}: {len(ms)} record(s)")
    for col in ("record", "how it was linked", "score", "evidence"):
        t.add_column(col, overflow="fold")
    for m in ms:
        t.add_row(
            record_label(m["system"], m["external_id"], m["name"]),
            m["how"],
            m["score_text"] or "-",
            m["evidence"] or "-",
        )
    console.print(t)
    if res["golden"]:
        g = Table(title="golden record")
        for col in ("field", "value", "from", "rule", "changed in"):
            g.add_column(col, overflow="fold")
        for f in res["golden"]:
            source = record_label(f["system"], f["external_id"], f["name"]) if f["system"] else "-"
            run = (
                "-"
                if f["run_id"] is None
                else f"run {f['run_id']}" + (f" ({f['run_at']:%Y-%m-%d %H:%M} UTC)" if f["run_at"] else "")
            )
            g.add_row(f["field"], str(f["value"]), source, f["rule_text"] or "-", run)
        console.print(g)
    for d in res["discrepancies"]:
        console.print(f"[yellow]{d['kind']}[/] ({d['status']}): {d['message'] or d['key']}", markup=True)


@review_app.command("list")
@handle_errors
def review_list(
    entity: str = typer.Option("customer"),
    all_: bool = typer.Option(False, "--all", help="Include decided pairs."),
    limit: int = typer.Option(50),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table (default), csv or json."),
) -> None:
    """Candidate pairs between the review thresholds, best first, with both records and the evidence in words."""
    from rich.table import Table

    from hub.cli import reconcile_facts as facts
    from hub.reconcile.wording import record_label

    ent = _entity(entity)
    match_config = facts.party_match_config(load()) if ent == "party" else None
    with _engine().connect() as conn:
        rows, total = facts.review_items(conn, ent, all_, limit, match_config)
    if fmt is OutputFormat.json:
        write_json(rows)
        return
    if fmt is OutputFormat.csv:
        write_csv(rows, facts.REVIEW_COLUMNS)
        return
    if not rows:
        console.print("review queue: empty")
        return
    t = Table(title=f"review queue ({entity})")
    for col in ("pair", "records", "score", "status", "evidence"):
        t.add_column(col, overflow="fold")
    for r in rows:
        records = f"{record_label(r['system_a'], r['id_a'], r['name_a'])}\n{record_label(r['system_b'], r['id_b'], r['name_b'])}"
        status = r["status"] + (f" by {r['decided_by']}" if r["decided_by"] else "")
        t.add_row(r["pair"], records, r["score_text"], status, r["evidence"])
    console.print(t)
    console.print(_shown(len(rows), total))


def _shown(shown: int, total: int) -> str:
    """``50 of 5,245 shown (use --limit to see more)``."""
    return f"{shown:,} of {total:,} shown" + (" (use --limit to see more)" if total > shown else "")


def decide_pair(conn: Any, pair: str, entity: str, status: str, user: str) -> None:
    """Record a review decision (``accepted``/``rejected``) by ``user``; the next run applies it (also the console's)."""
    from sqlalchemy import or_, update

    from hub.store.models import ReviewItem

    try:
        a, b = pair.split("~")
        (sa, ia), (sb, ib) = a.strip().split(":", 1), b.strip().split(":", 1)
    except ValueError:
        raise HubError(f"write the pair as SYSTEM:ID~SYSTEM:ID (as `hub review list` shows it), not {pair!r}") from None
    r = ReviewItem.__table__
    ent = _entity(entity)
    res = conn.execute(
        update(r)
        .where(
            r.c.entity == ent,
            or_(
                (r.c.system_a == sa) & (r.c.id_a == ia) & (r.c.system_b == sb) & (r.c.id_b == ib),
                (r.c.system_a == sb) & (r.c.id_a == ib) & (r.c.system_b == sa) & (r.c.id_b == ia),
            ),
        )
        .values(status=status, decided_by=user, decided_at=utcnow())
    )
    if not res.rowcount:
        raise HubError(f"no review item {pair!r} for {entity}")


def _decide(pair: str, entity: str, status: str) -> None:
    with _engine().begin() as conn:
        decide_pair(conn, pair, entity, status, getpass.getuser())
    console.print(f"{pair}: {status}; the next run applies it")


@review_app.command("accept")
@handle_errors
def review_accept(
    pair: str = typer.Argument(..., help="SYSTEM:ID~SYSTEM:ID"), entity: str = typer.Option("customer")
) -> None:
    """Link the pair: the decision wins over the matcher from the next run on."""
    _decide(pair, entity, "accepted")


@review_app.command("reject")
@handle_errors
def review_reject(
    pair: str = typer.Argument(..., help="SYSTEM:ID~SYSTEM:ID"), entity: str = typer.Option("customer")
) -> None:
    """Keep the pair apart: the decision wins over the matcher from the next run on."""
    _decide(pair, entity, "rejected")


@disc_app.command("list")
@handle_errors
def discrepancies_list(
    kind: str = typer.Option(None, help="Only this kind."),
    status: str = typer.Option("open", help="open, acknowledged, resolved or all."),
    limit: int = typer.Option(50),
) -> None:
    """Discrepancies with their lifecycle state, filtered by kind and status."""
    from rich.table import Table
    from sqlalchemy import func, select

    from hub.store.models import Discrepancy

    d = Discrepancy.__table__
    cond = ([d.c.kind == kind] if kind else []) + ([d.c.status == status] if status != "all" else [])
    with _engine().connect() as conn:
        total = conn.execute(select(func.count()).select_from(d).where(*cond)).scalar_one()
        rows = conn.execute(select(d).where(*cond).order_by(d.c.kind, d.c.key).limit(limit)).all()
    if not rows:
        console.print("no discrepancies match")
        return
    t = Table(title="discrepancies")
    for col in ("kind", "key", "severity", "status", "runs", "what"):
        t.add_column(col, overflow="fold")
    for r in rows:
        runs = f"{r.first_run}-{r.resolved_run or r.last_run}"
        t.add_row(r.kind, r.key, r.severity, r.status, runs, r.message or "")
    console.print(t)
    console.print(_shown(len(rows), total))


@disc_app.command("ack")
@handle_errors
def discrepancies_ack(
    kind: str = typer.Argument(...), key: str = typer.Argument(..., help="The key as listed.")
) -> None:
    """Acknowledge an open discrepancy (it stays listed until the data agrees again)."""
    from hub.reconcile.store.lifecycle import acknowledge

    with _engine().begin() as conn:
        if not acknowledge(conn, kind, key, getpass.getuser()):
            raise HubError(f"no open {kind} discrepancy {key!r}")
    console.print(f"{kind} {key}: acknowledged")
