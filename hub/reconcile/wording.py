"""Match evidence in words: signals, rules and scores as people read them. Pure functions.

The matcher explains every pair with signals (a comparison's name, the level it reached and
its weight) and a score compared with the configured thresholds. Stored explanations keep
that data as it is; this module only says it in sentences for the command line, the
discrepancy messages and the review queue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from hub.reconcile.match_config import RULE_LEVEL as _RULE_LEVEL

__all__ = [
    "SignalWords",
    "comparisons_of",
    "signal_phrase",
    "signals_from",
    "parse_explain",
    "evidence_sentence",
    "score_sentence",
    "rule_sentence",
    "record_label",
    "duplicate_message",
]

#: (comparison, level) -> phrase; ``{field}`` is the field's name in words
_PHRASES: dict[str, dict[str, str]] = {
    "tax_id": {
        "exact": "same tax id",
        "body": "tax ids agree but for one check character",
        "mismatch": "different tax ids",
        "mismatch_unverified": "different tax ids (one not checksum-valid)",
        "missing": "tax id missing on one side",
    },
    "phone": {"exact": "same phone", "mismatch": "different phones", "missing": "phone missing on one side"},
    "reference": {
        "agree": "the {field} points at this record",
        "conflict": "the {field} points at another record",
        "missing": "no {field} to compare",
    },
    "company_name": {
        "exact": "same name",
        "strong": "very similar names",
        "weak": "somewhat similar names",
        "brand_only": "only the brand names agree",
        "mismatch": "different names",
        "cross_script": "names in different scripts that do not agree",
        "missing": "name missing on one side",
    },
    "place": {"exact": "same {field}", "mismatch": "different {field}", "missing": "{field} missing on one side"},
    "address": {
        "exact": "same address",
        "numbers": "same house numbers, different road",
        "road": "same road",
        "mismatch": "different addresses",
        "missing": "address missing on one side",
    },
    "exact": {"exact": "same {field}", "mismatch": "different {field}", "missing": "{field} missing on one side"},
    "transactions": {
        "agree": "two or more CRM orders name this customer's DRP orders",
        "single": "one CRM order names one of this customer's DRP orders",
        "missing": "no orders in common",
    },
}
#: signal names of the built-in configuration -> their comparison (when no configuration is at hand)
_DEFAULT_COMPARISONS = {
    "tax_id": "tax_id",
    "erp_code": "reference",
    "edi_id": "exact",
    "phone": "phone",
    "name": "company_name",
    "city": "place",
    "province": "place",
    "address": "address",
    "channel_level": "exact",
    "orders": "transactions",
}
_EXPLAIN_SIGNAL = re.compile(r"(\w+)=(\w+)\(([-+]?[0-9.eE+-]+)\)")
_EXPLAIN_HEAD = re.compile(r"\s(\w+) by (\S+): ([-+]?[0-9.eE+-]+)\s*\[")


class Evidence(Protocol):
    """What a signal offers (the matcher's ``Signal`` and :class:`SignalWords` alike)."""

    @property
    def name(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def weight(self) -> float: ...


@dataclass(frozen=True, slots=True)
class SignalWords:
    """One signal as data: comparison name, level reached, weight."""

    name: str
    level: str
    weight: float


def comparisons_of(config: Any) -> dict[str, str]:
    """Signal name -> comparison for a match configuration (None: the built-in names)."""
    if config is None:
        return dict(_DEFAULT_COMPARISONS)
    return {**_DEFAULT_COMPARISONS, **{f.label: f.comparison for f in config.fields}}


def _field_words(name: str) -> str:
    return name.replace("_", " ")


def signal_phrase(s: Evidence, comparisons: Mapping[str, str] | None = None, weight: bool = True) -> str:
    """One signal as a phrase, with its weight unless told: ``same phone (+9)``."""
    comparison = (comparisons or _DEFAULT_COMPARISONS).get(s.name, "exact")
    template = _PHRASES.get(comparison, {}).get(s.level, f"{{field}}: {s.level.replace('_', ' ')}")
    phrase = template.format(field=_field_words(s.name))
    return f"{phrase} ({s.weight:+g})" if weight else phrase


def signals_from(stored: Mapping[str, Any] | None) -> list[SignalWords]:
    """Signals as the crosswalk stores them (``{name: {level, weight}}``), in name order."""
    out = []
    for name, v in sorted((stored or {}).items()):
        if isinstance(v, Mapping) and v.get("weight") is not None:
            out.append(SignalWords(name, str(v.get("level", "")), float(v["weight"])))
    return out


def parse_explain(text: str | None) -> tuple[str, str, float | None, list[SignalWords]]:
    """(decision, rule, score, signals) of a stored one-line explanation (``PairMatch.explain``)."""
    if not text:
        return "", "", None, []
    head = _EXPLAIN_HEAD.search(text)
    bracket = text[text.rfind("[") + 1 :] if "[" in text else ""
    signals = [SignalWords(n, lv, float(w)) for n, lv, w in _EXPLAIN_SIGNAL.findall(bracket)]
    if head is None:
        return "", "", None, signals
    return head.group(1), head.group(2), float(head.group(3)), signals


def evidence_sentence(signals: Iterable[Evidence], comparisons: Mapping[str, str] | None = None) -> str:
    """``agree: same tax id (+14), same phone (+9); disagree: different city (-6)``."""
    weighed = sorted((s for s in signals if s.weight), key=lambda s: -abs(s.weight))  # strongest first
    agree = [signal_phrase(s, comparisons) for s in weighed if s.weight > 0]
    disagree = [signal_phrase(s, comparisons) for s in weighed if s.weight < 0]
    parts = ([f"agree: {', '.join(agree)}"] if agree else []) + (
        [f"disagree: {', '.join(disagree)}"] if disagree else []
    )
    return "; ".join(parts) or "no evidence either way"


def score_sentence(score: float | None, thresholds: Any, same_system: bool = False) -> str:
    """The score against the thresholds: ``score 9: between the review mark 6 and the link mark 12``."""
    if score is None:
        return "no score"
    if thresholds is None:
        return f"score {score:g}"
    high, low = float(thresholds.high), float(thresholds.low)
    if same_system:
        cut = float(thresholds.duplicate_cut)
        where = "at or above" if score >= cut else "below"
        return f"score {score:g}: {where} the duplicate mark {cut:g}"
    if score >= high:
        return f"score {score:g}: at or above the link mark {high:g}"
    if score >= low:
        return f"score {score:g}: between the review mark {low:g} and the link mark {high:g}"
    return f"score {score:g}: below the review mark {low:g}"


def rule_sentence(rule: str | None, decision: str | None = None, config: Any = None) -> str:
    """How a link was decided, in words (``config``: the match configuration naming the rules)."""
    if decision == "accepted" or rule == "decision":
        return "linked by a review decision: a person accepted the pair"
    if decision == "rejected":
        return "kept apart by a review decision: a person rejected the pair"
    if decision == "review":
        return "waiting for a review decision"
    if decision == "conflict":
        return "in conflict with a stronger link; waiting for a review decision"
    if rule == "singleton":
        return "no other record matched"
    if rule == "score" or decision == "auto":
        return "linked because the score reached the link mark"
    if rule == "best_candidate" or decision == "assigned":
        return "linked as each other's clear best candidate"
    rules = {r.name: r for r in getattr(config, "rules", ())}
    if rule in rules:
        r = rules[rule]
        level = _RULE_LEVEL.get(r.comparison, "")
        what = _PHRASES.get(r.comparison, {}).get(level, "{field} agrees").format(field=_field_words(r.field))
        return f"linked by rule {rule}: {what}, and the other evidence did not outweigh it"
    return f"linked by rule {rule}" if rule else "linked"


def record_label(system: str, external_id: str, name: str | None) -> str:
    """``drp C000123 上海润达贸易有限公司`` (the name left out when unknown)."""
    return f"{system} {external_id}" + (f" {name}" if name else "")


def duplicate_message(
    system: str,
    a: tuple[str, str | None],
    b: tuple[str, str | None],
    score: float,
    rule: str,
    decision: str,
    signals: Iterable[Evidence],
    comparisons: Mapping[str, str] | None = None,
    duplicate_cut: float | None = None,
) -> str:
    """``possible duplicate in drp: C000123 NAME and C000456 NAME (score 19, duplicate mark 10: same tax id, same phone)``."""
    weighed = sorted((s for s in signals if s.weight), key=lambda s: -abs(s.weight))  # strongest first
    agree = ", ".join(signal_phrase(s, comparisons, weight=False) for s in weighed if s.weight > 0)
    disagree = ", ".join(signal_phrase(s, comparisons, weight=False) for s in weighed if s.weight < 0)
    how = f"score {score:g}"
    if decision == "rule":
        how = f"rule {rule}, {how}"
    elif decision == "accepted":
        how = f"accepted in review, {how}"
    elif duplicate_cut is not None:
        how += f", duplicate mark {duplicate_cut:g}"
    why = agree + (f"; but {disagree}" if disagree else "")
    names = " and ".join(f"{ext} {name}" if name else ext for ext, name in (a, b))
    return f"possible duplicate in {system}: {names} ({how}" + (f": {why})" if why else ")")
