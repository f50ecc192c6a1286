"""``hub match``: train an entity's weights, show its blocking statistics, print the config schema."""

from __future__ import annotations

import json
from typing import Any

import typer

from hub.cli.app import app, console, handle_errors, load
from hub.cli.store import _engine
from hub.errors import HubError

match_app = typer.Typer(
    help="Tune the record matcher: weights from the data, blocking statistics.", no_args_is_help=True
)
app.add_typer(match_app, name="match")


def record_match_of(entity: str, pipeline: str | None = None) -> tuple[Any, list[str]]:
    """The entity's record match (config and weights) and systems, from the first pipeline that
    resolves it with the record matcher (or from ``pipeline``)."""
    from hub.reconcile.config import load_reconcile_rules
    from hub.reconcile.persons.resolve import RecordMatch

    cfg = load()
    names = [pipeline] if pipeline else list(cfg.pipelines)
    for name in names:
        pc = cfg.pipeline(name)
        if not pc.reconcile:
            continue
        loaded = load_reconcile_rules(cfg.resolve(pc.reconcile))
        rm = loaded.match.get(entity)
        if isinstance(rm, RecordMatch):
            return rm, loaded.config.entities[entity].systems
    raise HubError(
        f"no pipeline resolves {entity!r} with a record match configuration "
        f"(reconcile.yaml: entities.{entity}.match: FILE)"
    )


def _records(entity: str, systems: list[str]) -> list[dict[str, Any]]:
    from hub.reconcile.persons.resolve import load_entity_records

    with _engine().connect() as conn:
        records = load_entity_records(conn, entity, systems)
    if not records:
        raise HubError(f"the store holds no {entity} records of {', '.join(systems)}: run the pipeline first")
    return records


@match_app.command("train")
@handle_errors
def train_cmd(
    entity: str = typer.Argument(..., help="Entity to train, e.g. person."),
    pipeline: str | None = typer.Option(None, help="Pipeline whose rules to use (default: the first)."),
) -> None:
    """Estimate u (random pairs) and m (EM) from the stored records; write the weights file."""
    from rich.table import Table

    from hub.reconcile.compare.engine import prepare
    from hub.reconcile.compare.weights import bayes_weight, write_weights
    from hub.reconcile.train import train

    rm, systems = record_match_of(entity, pipeline)
    if rm.weights_path is None:
        raise HubError(f"the {entity} match configuration names no weights file (weights: FILE)")
    p = prepare(_records(entity, systems), rm.config)
    report = train(p, rm.config)
    w = report.weights
    write_weights(
        rm.weights_path,
        w,
        header=f"# Written by `hub match train {entity}`: m/u per level; weight = log2(m/u).\n"
        "# Review it like code; a comparison's own `weights:` overrides these.\n",
    )
    t = Table(title=f"{entity} weights ({len(p.recs):,} records, {report.candidate_pairs:,} candidate pairs)")
    for col in ("comparison", "level", "m", "u", "weight"):
        t.add_column(col, justify="right" if col in ("m", "u", "weight") else "left")
    for name, cw in w.comparisons.items():
        for lv in cw.m:
            t.add_row(name, lv, f"{cw.m[lv]:.4f}", f"{cw.u[lv]:.2e}", f"{bayes_weight(cw.m[lv], cw.u[lv]):+.2f}")
    console.print(t)
    for rule, s in report.sessions.items():
        console.print(f"EM session {rule}: {s}")
    console.print(
        f"λ (two random records match) = {w.probability_two_random_records_match:.3g}, "
        f"expected matches {report.expected_matches:,.0f}"
    )
    console.print(
        f"suggested threshold (match weight, best expected F1): {w.suggested_threshold:+.2f}; "
        f"configured: {rm.config.thresholds.high:+g} (0 = match probability 0.5)"
    )
    console.print(f"wrote {rm.weights_path}")


@match_app.command("stats")
@handle_errors
def stats_cmd(
    entity: str = typer.Argument(..., help="Entity, e.g. person."),
    pipeline: str | None = typer.Option(None, help="Pipeline whose rules to use (default: the first)."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """Blocking statistics over the stored records: blocks, candidate pairs, oversize blocks, pairs per rule."""
    from rich.table import Table

    from hub.reconcile.compare.blocking import candidate_pairs

    rm, systems = record_match_of(entity, pipeline)
    records = _records(entity, systems)
    systems_of = [str(r["system"]) for r in records]
    pairs, rules = candidate_pairs(records, rm.config.blocking, systems_of, rm.config.link_type == "link_only")
    out = {
        "records": len(records),
        "candidate_pairs": len(pairs),
        "rules": rules,
        "oversize_blocks_skipped": sum(s["oversize_blocks"] for s in rules.values()),
    }
    if as_json:
        console.print_json(json.dumps(out))
        return
    t = Table(title=f"{entity} blocking: {len(records):,} records, {len(pairs):,} candidate pairs")
    for col in ("rule", "blocks", "pairs", "new pairs", "oversize skipped", "largest skipped", "max_block"):
        t.add_column(col, justify="left" if col == "rule" else "right")
    caps = {r.name: r.max_block for r in rm.config.blocking}
    for name, s in rules.items():
        t.add_row(
            name,
            f"{s['blocks']:,}",
            f"{s['pairs']:,}",
            f"{s['new_pairs']:,}",
            f"{s['oversize_blocks']:,}",
            f"{s['largest_skipped']:,}",
            str(caps[name]),
        )
    console.print(t)


@match_app.command("schema")
@handle_errors
def schema_cmd() -> None:
    """The JSON Schema of a record match configuration (generated from the models)."""
    from hub.reconcile.compare.config import RecordMatchConfig

    console.print_json(json.dumps(RecordMatchConfig.model_json_schema()))


def print_nearest(entity: str, member: tuple[str, str], n: int = 5) -> None:
    """For an unlinked record: its nearest candidates (sharing a blocking key) and why each fell short."""
    from rich.table import Table

    from hub.reconcile.compare.engine import nearest_candidates, prepare
    from hub.reconcile.crosswalk import canonical_ids

    try:
        rm, systems = record_match_of(entity)
    except HubError:
        return  # not a record-matched entity
    with _engine().connect() as conn:
        ids = canonical_ids(conn, entity)
    records = _records(entity, systems)
    p = prepare(records, rm.config)
    sizes: dict[str, int] = {}
    for cid in ids.values():
        sizes[cid] = sizes.get(cid, 0) + 1
    linked_to = {m: cid for m, cid in ids.items() if sizes[cid] > 1}
    if member not in {r.key for r in p.recs}:
        return
    near = nearest_candidates(p, rm.config, rm.weights, member, linked_to, n)
    t = Table(title=f"{member[0]}:{member[1]} is linked to nothing: nearest candidates")
    for col in ("candidate", "score", "shared blocks", "why not linked", "signals"):
        t.add_column(col)
    for c in near:
        sig = ", ".join(f"{s.name}={s.level}({s.weight:+g})" for s in c.signals if s.weight and s.name != "prior")
        t.add_row(f"{c.key[0]}:{c.key[1]}", f"{c.score:+.2f}", ", ".join(c.shared_rules), c.reason, sig)
    if not near:
        console.print(f"{member[0]}:{member[1]} is linked to nothing: nearest candidates: none shares a blocking key")
        return
    console.print(t)
