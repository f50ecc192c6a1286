"""Commands over reconciliation results: ``explain``, ``review``, ``discrepancies``."""

from __future__ import annotations

import getpass
import json

import typer
from rich.table import Table
from sqlalchemy import or_, select, update

from hub.cli.app import app, console, handle_errors
from hub.cli.store import _engine
from hub.clock import utcnow
from hub.errors import HubError

review_app = typer.Typer(help="Mid-confidence matches waiting for a decision.", no_args_is_help=True)
disc_app = typer.Typer(help="What disagrees between the systems.", no_args_is_help=True)
app.add_typer(review_app, name="review")
app.add_typer(disc_app, name="discrepancies")

#: names people use -> canonical entity
ENTITY_ALIASES = {"customer": "party", "party": "party", "order": "sales_order", "sales_order": "sales_order",
                  "salesperson": "salesperson", "product": "product", "contact": "contact"}


def _entity(name: str) -> str:
    try:
        return ENTITY_ALIASES[name]
    except KeyError:
        raise HubError(f"unknown entity {name!r}; use one of {', '.join(sorted(ENTITY_ALIASES))}") from None


@app.command()
@handle_errors
def explain(entity: str = typer.Argument(..., help="customer, order, salesperson, product"),
            record: str = typer.Argument(..., help="Canonical id, or an external id (optionally system:id).")) -> None:
    """Why records were linked: members, rules, signals and scores, and the golden record's lineage."""
    from hub.store.models import MODELS, CrosswalkLink, Discrepancy, GoldenLineage

    ent = _entity(entity)
    cw = CrosswalkLink.__table__
    with _engine().connect() as conn:
        system, _, ext = record.partition(":") if ":" in record else ("", "", record)
        cond = cw.c.canonical_id == record
        cond = or_(cond, cw.c.external_id == ext) if not system else or_(cond, (cw.c.system == system) & (cw.c.external_id == ext))
        cids = sorted({r[0] for r in conn.execute(select(cw.c.canonical_id).where(cw.c.entity == ent, cond))})
        if not cids:
            raise HubError(f"no {entity} {record!r} in the crosswalk")
        for cid in cids:
            members = conn.execute(select(cw).where(cw.c.entity == ent, cw.c.canonical_id == cid).order_by(cw.c.system, cw.c.external_id)).all()
            t = Table(title=f"{entity} {cid}: {len(members)} record(s)")
            for col in ("system", "external id", "rule", "score", "explanation"):
                t.add_column(col, overflow="fold")
            for m in members:
                t.add_row(m.system, m.external_id, m.rule, "" if m.score is None else f"{m.score:g}",
                          json.dumps(m.explanation, ensure_ascii=False) if m.explanation else "-")
            console.print(t)
            table = MODELS[ent].__table__
            golden = conn.execute(select(table).where(table.c.system == "golden", table.c.external_id == cid)).mappings().first()
            if golden:
                lt = GoldenLineage.__table__
                lineage = {r.field: r for r in conn.execute(select(lt).where(lt.c.entity == ent, lt.c.canonical_id == cid))}
                g = Table(title="golden record")
                for col in ("field", "value", "from", "rule"):
                    g.add_column(col, overflow="fold")
                for name, value in golden.items():
                    if name in ("system", "external_id", "row_hash", "run_id", "deleted") or value is None:
                        continue
                    lin = lineage.get(name)
                    g.add_row(name, str(value), f"{lin.system}:{lin.external_id}" if lin else "-", lin.rule if lin else "-")
                console.print(g)
            d = Discrepancy.__table__
            ids = [m.external_id for m in members]
            found = conn.execute(select(d).where(d.c.status != "resolved", or_(d.c.external_id.in_(ids), d.c.other_external_id.in_(ids)))).all()
            for x in found:
                console.print(f"[yellow]{x.kind}[/] ({x.status}): {x.message or x.key}")


@review_app.command("list")
@handle_errors
def review_list(entity: str = typer.Option("customer"), all_: bool = typer.Option(False, "--all", help="Include decided pairs."),
                limit: int = typer.Option(50)) -> None:
    """Candidate pairs between the review thresholds, best first."""
    from hub.store.models import ReviewItem

    q = select(ReviewItem).where(ReviewItem.entity == _entity(entity)).order_by(ReviewItem.score.desc(), ReviewItem.id_a)
    if not all_:
        q = q.where(ReviewItem.status == "open")
    with _engine().connect() as conn:
        rows = conn.execute(q.limit(limit)).all()
    t = Table(title=f"review queue ({entity})")
    for col in ("pair", "score", "status", "why"):
        t.add_column(col, overflow="fold")
    for r in rows:
        why = (r.explanation or {}).get("explain", "") if isinstance(r.explanation, dict) else ""
        t.add_row(f"{r.system_a}:{r.id_a} ~ {r.system_b}:{r.id_b}", f"{r.score:g}" if r.score is not None else "-", r.status, why)
    console.print(t if rows else "review queue: empty")


def _decide(pair: str, entity: str, status: str) -> None:
    from hub.store.models import ReviewItem

    try:
        a, b = pair.split("~")
        (sa, ia), (sb, ib) = a.strip().split(":", 1), b.strip().split(":", 1)
    except ValueError:
        raise HubError(f"write the pair as SYSTEM:ID~SYSTEM:ID (as `hub review list` shows it), not {pair!r}") from None
    r = ReviewItem.__table__
    ent = _entity(entity)
    with _engine().begin() as conn:
        res = conn.execute(
            update(r).where(r.c.entity == ent, or_(
                (r.c.system_a == sa) & (r.c.id_a == ia) & (r.c.system_b == sb) & (r.c.id_b == ib),
                (r.c.system_a == sb) & (r.c.id_a == ib) & (r.c.system_b == sa) & (r.c.id_b == ia),
            )).values(status=status, decided_by=getpass.getuser(), decided_at=utcnow())
        )
        if not res.rowcount:
            raise HubError(f"no review item {pair!r} for {entity}")
    console.print(f"{pair}: {status}; the next run applies it")


@review_app.command("accept")
@handle_errors
def review_accept(pair: str = typer.Argument(..., help="SYSTEM:ID~SYSTEM:ID"), entity: str = typer.Option("customer")) -> None:
    """Link the pair: the decision wins over the matcher from the next run on."""
    _decide(pair, entity, "accepted")


@review_app.command("reject")
@handle_errors
def review_reject(pair: str = typer.Argument(..., help="SYSTEM:ID~SYSTEM:ID"), entity: str = typer.Option("customer")) -> None:
    """Keep the pair apart: the decision wins over the matcher from the next run on."""
    _decide(pair, entity, "rejected")


@disc_app.command("list")
@handle_errors
def discrepancies_list(kind: str = typer.Option(None, help="Only this kind."),
                       status: str = typer.Option("open", help="open, acknowledged, resolved or all."),
                       limit: int = typer.Option(50)) -> None:
    """Discrepancies with their lifecycle state, filtered by kind and status."""
    from hub.store.models import Discrepancy

    d = Discrepancy.__table__
    q = select(d).order_by(d.c.kind, d.c.key)
    if kind:
        q = q.where(d.c.kind == kind)
    if status != "all":
        q = q.where(d.c.status == status)
    with _engine().connect() as conn:
        rows = conn.execute(q.limit(limit)).all()
    t = Table(title="discrepancies")
    for col in ("kind", "key", "severity", "status", "runs", "what"):
        t.add_column(col, overflow="fold")
    for r in rows:
        runs = f"{r.first_run}-{r.resolved_run or r.last_run}"
        t.add_row(r.kind, r.key, r.severity, r.status, runs, r.message or "")
    console.print(t if rows else "no discrepancies match")


@disc_app.command("ack")
@handle_errors
def discrepancies_ack(kind: str = typer.Argument(...), key: str = typer.Argument(..., help="The key as listed.")) -> None:
    """Acknowledge an open discrepancy (it stays listed until the data agrees again)."""
    from hub.pipeline.lifecycle import acknowledge

    with _engine().begin() as conn:
        if not acknowledge(conn, kind, key, getpass.getuser()):
            raise HubError(f"no open {kind} discrepancy {key!r}")
    console.print(f"{kind} {key}: acknowledged")
