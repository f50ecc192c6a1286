"""What reconciliation decided, read from the store as plain rows in words (for ``explain`` and ``review``).

Each function returns dictionaries with stable keys: the command line shows them as tables,
CSV or JSON. Reads are bounded: one cluster's members, the names of the records shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, column, func, select, table

from hub.reconcile.store.golden import read_lineage
from hub.reconcile.wording import (
    comparisons_of,
    evidence_sentence,
    parse_explain,
    record_label,
    rule_sentence,
    score_sentence,
    signal_phrase,
    signals_from,
)
from hub.store.keyset import key_table
from hub.store.models import GOLDEN, MODELS, CrosswalkLink, Discrepancy, ReviewItem, Run

__all__ = [
    "party_match_config",
    "names_of",
    "members",
    "golden",
    "open_discrepancies",
    "review_items",
    "GOLDEN_RULES",
    "MEMBER_COLUMNS",
    "GOLDEN_COLUMNS",
    "DISCREPANCY_COLUMNS",
    "REVIEW_COLUMNS",
]

MEMBER_COLUMNS = [
    "system",
    "external_id",
    "name",
    "rule",
    "decision",
    "score",
    "linked_with",
    "linked_with_name",
    "how",
    "score_text",
    "evidence",
]
GOLDEN_COLUMNS = ["field", "value", "system", "external_id", "name", "rule", "rule_text", "run_id", "run_at"]
DISCREPANCY_COLUMNS = ["kind", "key", "status", "severity", "message"]
REVIEW_COLUMNS = [
    "pair",
    "system_a",
    "id_a",
    "name_a",
    "system_b",
    "id_b",
    "name_b",
    "score",
    "status",
    "decision",
    "rule",
    "score_text",
    "evidence",
    "decided_by",
    "decided_at",
]
#: survivorship rule -> words
GOLDEN_RULES = {
    "system_of_record": "system of record for this field",
    "recency": "most recent record",
    "completeness": "most complete record",
}
_HIDDEN = ("system", "external_id", "row_hash", "run_id", "deleted")


def party_match_config(config: Any) -> Any:
    """The party match configuration of the first pipeline that matches parties (else the built-in one)."""
    from hub.reconcile.config import load_reconcile_rules
    from hub.reconcile.match_config import default_party_config

    for name in sorted(config.pipelines):
        pc = config.pipelines[name]
        if pc.reconcile:
            match = load_reconcile_rules(config.resolve(pc.reconcile)).match.get("party")
            if match is not None:
                return match
    return default_party_config()


def names_of(conn: Connection, entity: str, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(system, external id) -> the record's name, for the given records only."""
    t = MODELS[entity].__table__
    keys = {k for k in keys if k[0] and k[1]}
    if "name" not in t.c or not keys:
        return {}
    with key_table(conn, ("system", "external_id"), keys) as name:
        k = table(name, column("system"), column("external_id"))
        q = select(t.c.system, t.c.external_id, t.c.name).join(
            k, (k.c.system == t.c.system) & (k.c.external_id == t.c.external_id)
        )
        return {(s, e): n for s, e, n in conn.execute(q) if n}


def _with(explanation: dict[str, Any]) -> tuple[str, str] | None:
    other = explanation.get("with")
    if isinstance(other, str) and ":" in other:
        s, _, e = other.partition(":")
        return s, e
    return None


def members(conn: Connection, entity: str, canonical_id: str, match_config: Any) -> list[dict[str, Any]]:
    """The records of one cluster: who they are, how each was linked and on what evidence."""
    cw = CrosswalkLink.__table__
    rows = conn.execute(
        select(cw)
        .where(cw.c.entity == entity, cw.c.canonical_id == canonical_id)
        .order_by(cw.c.system, cw.c.external_id)
    ).all()
    partners = {p for r in rows if isinstance(r.explanation, dict) and (p := _with(r.explanation))}
    names = names_of(conn, entity, {(r.system, r.external_id) for r in rows} | partners)
    comparisons = comparisons_of(match_config)
    out = []
    for r in rows:
        expl = r.explanation if isinstance(r.explanation, dict) else {}
        partner = _with(expl)
        decision = expl.get("decision")
        how = rule_sentence(r.rule, decision, match_config)
        if partner:
            how += f" (with {record_label(*partner, names.get(partner))})"
        elif expl.get("left") and expl.get("right"):  # a key rule: the same key on both sides
            how += f": {expl['left']} and {expl['right']} share {r.rule} {expl.get('key', '')}".rstrip()
        if "signals" in expl:
            signals = signals_from(expl.get("signals"))
            evidence = evidence_sentence(signals, comparisons)
            score_text = score_sentence(
                r.score, getattr(match_config, "thresholds", None), same_system=bool(partner and partner[0] == r.system)
            )
        else:
            signals = []
            evidence = str(expl.get("explain") or "")
            score_text = "" if r.score is None else f"score {r.score:g}"
        out.append(
            {
                "system": r.system,
                "external_id": r.external_id,
                "name": names.get((r.system, r.external_id)),
                "rule": r.rule,
                "decision": decision,
                "score": r.score,
                "linked_with": f"{partner[0]}:{partner[1]}" if partner else None,
                "linked_with_name": names.get(partner) if partner else None,
                "how": how,
                "score_text": score_text,
                "evidence": evidence,
                "signals": [
                    {"name": s.name, "level": s.level, "weight": s.weight, "text": signal_phrase(s, comparisons)}
                    for s in signals
                ],
            }
        )
    return out


#: a golden field's source keys in :func:`golden`'s rows (None for a field without lineage)
_SOURCE_KEYS = ("system", "external_id", "name", "rule", "rule_text", "run_id", "run_at")


def golden(conn: Connection, entity: str, canonical_id: str, names: dict[tuple[str, str], str]) -> list[dict[str, Any]]:
    """The golden record's fields with where each value came from: system, record, rule, run and its time."""
    t = MODELS[entity].__table__
    row = conn.execute(select(t).where(t.c.system == GOLDEN, t.c.external_id == canonical_id)).mappings().first()
    if row is None:
        return []
    run = Run.__table__
    lineage = read_lineage(conn, entity, [canonical_id]).get(canonical_id, {})
    run_ids = sorted({lin[3] for lin in lineage.values()})
    run_at: dict[int, Any] = (
        dict(conn.execute(select(run.c.id, run.c.started_at).where(run.c.id.in_(run_ids))).all()) if run_ids else {}
    )
    out = []
    for name, value in row.items():
        if name in _HIDDEN or value is None:
            continue
        lin = lineage.get(name)
        if lin is None:
            out.append({"field": name, "value": value} | dict.fromkeys(_SOURCE_KEYS))
            continue
        system, external_id, rule, run_id = lin
        out.append(
            {
                "field": name,
                "value": value,
                "system": system,
                "external_id": external_id,
                "name": names.get((system, external_id)),
                "rule": rule,
                "rule_text": GOLDEN_RULES.get(rule, rule),
                "run_id": run_id,
                "run_at": run_at.get(run_id),
            }
        )
    return out


def open_discrepancies(conn: Connection, external_ids: list[str]) -> list[dict[str, Any]]:
    """Unresolved discrepancies naming any of ``external_ids``."""
    d = Discrepancy.__table__
    q = (
        select(d.c.kind, d.c.key, d.c.status, d.c.severity, d.c.message)
        .where(d.c.status != "resolved", d.c.external_id.in_(external_ids) | d.c.other_external_id.in_(external_ids))
        .order_by(d.c.kind, d.c.key)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def review_items(
    conn: Connection, entity: str, include_decided: bool, limit: int, match_config: Any
) -> tuple[list[dict[str, Any]], int]:
    """Pairs in the review queue, best first, in words; and how many match in all."""
    r = ReviewItem.__table__
    cond = [r.c.entity == entity] + ([] if include_decided else [r.c.status == "open"])
    total = conn.execute(select(func.count()).select_from(r).where(*cond)).scalar_one()
    rows = conn.execute(
        select(r).where(*cond).order_by(r.c.score.desc(), r.c.system_a, r.c.id_a, r.c.system_b, r.c.id_b).limit(limit)
    ).all()
    names = names_of(conn, entity, {(x.system_a, x.id_a) for x in rows} | {(x.system_b, x.id_b) for x in rows})
    comparisons = comparisons_of(match_config)
    thresholds = match_config.thresholds if match_config is not None and entity == "party" else None
    out = []
    for x in rows:
        expl = x.explanation if isinstance(x.explanation, dict) else {}
        decision, rule, _score, signals = parse_explain(expl.get("explain"))
        out.append(
            {
                "pair": f"{x.system_a}:{x.id_a}~{x.system_b}:{x.id_b}",
                "system_a": x.system_a,
                "id_a": x.id_a,
                "name_a": names.get((x.system_a, x.id_a)),
                "system_b": x.system_b,
                "id_b": x.id_b,
                "name_b": names.get((x.system_b, x.id_b)),
                "score": x.score,
                "status": x.status,
                "decision": expl.get("decision") or decision or None,
                "rule": rule or None,
                "score_text": score_sentence(x.score, thresholds, same_system=x.system_a == x.system_b),
                "evidence": evidence_sentence(signals, comparisons) if signals else "no signals recorded",
                "signals": [
                    {"name": s.name, "level": s.level, "weight": s.weight, "text": signal_phrase(s, comparisons)}
                    for s in signals
                ],
                "decided_by": x.decided_by,
                "decided_at": x.decided_at,
            }
        )
    return out, total
