"""Fellegi–Sunter weights: the m/u probabilities of each comparison level, read from and written to
a reviewable weights file, turned into match weights (log2 Bayes factors) with term frequencies.

A pair's match weight is ``log2(λ/(1-λ)) + Σ log2(m/u)`` over its comparisons (a missing value
adds nothing); with term-frequency adjustment an ``exact`` agreement on a value shared by a
fraction ``f`` of records adds ``log2(u_exact / f)``: a rare surname says more than "Smith".
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hub.configfile import read_config_file
from hub.errors import MappingRuleError

__all__ = ["ComparisonWeights", "Weights", "bayes_weight", "level_weights", "read_weights", "write_weights"]


@dataclass(frozen=True)
class ComparisonWeights:
    """m and u per level of one comparison."""

    kind: str
    m: Mapping[str, float]
    u: Mapping[str, float]


@dataclass(frozen=True)
class Weights:
    """A trained (or hand-written) model: the prior and every comparison's m/u."""

    probability_two_random_records_match: float
    comparisons: Mapping[str, ComparisonWeights]
    suggested_threshold: float = 0.0
    trained: Mapping[str, Any] = field(default_factory=dict)

    @property
    def prior_weight(self) -> float:
        lam = self.probability_two_random_records_match
        return math.log2(lam / (1 - lam))


def bayes_weight(m: float, u: float) -> float:
    """log2(m/u), bounded so a level never observed cannot weigh infinitely."""
    return math.log2(max(m, 1e-12) / max(u, 1e-12))


def level_weights(cfg: Any, compiled: Sequence[Any], weights: Weights | None) -> list[dict[str, float]]:
    """Per comparison, level -> weight: hand-set ``weights:`` win, else log2(m/u) of the weights file."""
    out = []
    for c, comp in zip(cfg.comparisons, compiled):
        if c.weights is not None:
            out.append({lv: c.weights.get(lv, 0.0) for lv in comp.levels})
            continue
        cw = weights.comparisons.get(c.label) if weights else None
        if cw is None:
            raise MappingRuleError(
                f"comparison {c.label!r} has no hand-set weights and the weights file has no entry "
                f"for it: run `hub match train {cfg.entity}`"
            )
        missing = [lv for lv in comp.levels if lv not in cw.m or lv not in cw.u]
        if missing:
            raise MappingRuleError(
                f"the weights file has no level(s) {', '.join(missing)} of comparison {c.label!r} "
                f"(the comparison changed): run `hub match train {cfg.entity}` again"
            )
        out.append({lv: bayes_weight(cw.m[lv], cw.u[lv]) for lv in comp.levels})
    return out


def term_frequencies(values: Sequence[Any]) -> dict[Any, float]:
    """Value -> its share of the non-missing values."""
    counts = Counter(v for v in values if v is not None)
    total = sum(counts.values()) or 1
    return {v: n / total for v, n in counts.items()}


def read_weights(path: Path) -> Weights:
    """A weights file (problems name the file and line)."""
    file = read_config_file(path, "weights file", MappingRuleError, interpolate=False)
    root = file.root or {}
    try:
        lam = float(root["probability_two_random_records_match"])
        comps = {}
        for name, entry in (root.get("comparisons") or {}).items():
            levels = entry["levels"]
            comps[str(name)] = ComparisonWeights(
                str(entry.get("kind", "")),
                {str(k): float(v["m"]) for k, v in levels.items()},
                {str(k): float(v["u"]) for k, v in levels.items()},
            )
        return Weights(lam, comps, float(root.get("suggested_threshold", 0.0)), dict(root.get("trained") or {}))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MappingRuleError(f"not a weights file (written by `hub match train`): {exc}", file=str(path)) from None


def write_weights(path: Path, weights: Weights, header: str = "") -> None:
    """Write ``weights`` as reviewable YAML: per level m, u and the weight they make."""
    doc: dict[str, Any] = {
        "probability_two_random_records_match": float(f"{weights.probability_two_random_records_match:.6g}"),
        "prior_weight": round(weights.prior_weight, 3),
        "suggested_threshold": round(weights.suggested_threshold, 3),
        "trained": dict(weights.trained),
        "comparisons": {
            name: {
                "kind": cw.kind,
                "levels": {
                    lv: {
                        "m": float(f"{cw.m[lv]:.6g}"),
                        "u": float(f"{cw.u[lv]:.6g}"),
                        "weight": round(bayes_weight(cw.m[lv], cw.u[lv]), 3),
                    }
                    for lv in cw.m
                },
            }
            for name, cw in weights.comparisons.items()
        },
    }
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)
    path.write_text(header + text, encoding="utf-8")
