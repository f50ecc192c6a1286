"""Train Fellegi–Sunter weights from the data: u by random pairs, m by EM, as Splink does.

* **u** (how often a level occurs between two *different* records): the level frequencies of
  random record pairs (almost all random pairs are non-matches);
* **m** (how often it occurs between two records of the *same* thing): expectation
  maximisation over the candidate pairs of each EM blocking rule, u held fixed; comparisons
  reading a field the rule blocks on are not estimated in that session (every pair agrees on
  them by construction); m is the mean over the sessions that estimated it;
* **λ** (the probability two random records match): EM over every candidate pair with m and u
  fixed gives the expected number of matches, divided by the number of possible pairs.

The suggested threshold is the match weight that maximises the *expected* F1 under the model
(posteriors of the candidate pairs), never a truth set. Pure computation over pattern counts.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hub.reconcile.compare.blocking import candidate_pairs
from hub.reconcile.compare.config import RecordMatchConfig
from hub.reconcile.compare.engine import Prepared, gamma
from hub.reconcile.compare.kinds import MISSING
from hub.reconcile.compare.weights import ComparisonWeights, Weights

__all__ = ["TrainReport", "em_m", "estimate_u", "train"]

Pattern = tuple[int, ...]


@dataclass(frozen=True)
class TrainReport:
    """The trained weights and what training saw."""

    weights: Weights
    sessions: dict[str, dict[str, Any]]
    expected_matches: float
    candidate_pairs: int


def _random_pairs(p: Prepared, n: int, link_only: bool, seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    systems = p.systems
    size = len(systems)
    if size < 2:
        return []
    by_system: dict[str, list[int]] = {}
    for i, s in enumerate(systems):
        by_system.setdefault(s, []).append(i)
    groups = list(by_system.values())
    out: list[tuple[int, int]] = []
    tries = 0
    while len(out) < n and tries < n * 4:
        tries += 1
        if link_only and len(groups) > 1:
            ga, gb = rng.sample(groups, 2)
            i, j = rng.choice(ga), rng.choice(gb)
        else:
            i, j = rng.randrange(size), rng.randrange(size)
            if i == j:
                continue
        out.append((i, j))
    return out


def estimate_u(p: Prepared, n_pairs: int, link_only: bool, seed: int = 42) -> list[dict[str, float]]:
    """u per level of every comparison, from ``n_pairs`` random pairs (one level never seen
    counts as half an observation, so its weight stays finite)."""
    counts = [Counter() for _ in p.compiled]  # type: list[Counter[int]]
    cache: list[dict[tuple[Any, Any], int]] = [{} for _ in p.compiled]
    recs = p.recs
    for i, j in _random_pairs(p, n_pairs, link_only, seed):
        a, b = recs[i].vals, recs[j].vals
        for k, c in enumerate(p.compiled):
            x, y = a[k], b[k]
            if x is None or y is None:
                continue
            ck = (x, y)
            lv = cache[k].get(ck)
            if lv is None:
                lv = cache[k][ck] = c.compare(x, y)
            counts[k][lv] += 1
    out = []
    for c, cnt in zip(p.compiled, counts):
        total = sum(cnt.values()) + 0.5 * sum(1 for lv in range(len(c.levels)) if not cnt[lv])
        out.append({name: (cnt[lv] or 0.5) / max(total, 1.0) for lv, name in enumerate(c.levels)})
    return out


def _initial_m(n_levels: int) -> list[float]:
    """A neutral start: most matches agree exactly, few fall to the last level."""
    if n_levels == 1:
        return [1.0]
    m = [0.9] + [0.1 / (n_levels - 1)] * (n_levels - 1)
    return m


def em_m(
    patterns: Counter[Pattern],
    u: Sequence[Sequence[float]],
    estimate: Sequence[bool],
    m0: Sequence[Sequence[float]],
    lam0: float = 0.1,
    iterations: int = 40,
    fix_m: bool = False,
) -> tuple[list[list[float]], float]:
    """EM over comparison-vector counts: m of the ``estimate`` comparisons and the share of
    matches among the pairs (u fixed; m fixed too with ``fix_m``, which estimates λ only)."""
    m = [list(x) for x in m0]
    lam = lam0
    items = list(patterns.items())
    total = sum(patterns.values())
    for _ in range(iterations):
        acc = [[0.0] * len(x) for x in m]
        matched = 0.0
        for pat, n in items:
            lm, lu = math.log(lam), math.log(1 - lam)
            for k, lv in enumerate(pat):
                if lv == MISSING or not estimate[k]:
                    continue
                lm += math.log(max(m[k][lv], 1e-12))
                lu += math.log(max(u[k][lv], 1e-12))
            diff = lu - lm
            post = 1.0 / (1.0 + math.exp(diff)) if diff < 700 else 0.0
            w = post * n
            matched += w
            for k, lv in enumerate(pat):
                if lv != MISSING:
                    acc[k][lv] += w
        new_lam = min(max(matched / total, 1e-9), 1 - 1e-9)
        if not fix_m:
            for k in range(len(m)):
                s = sum(acc[k])
                if estimate[k] and s > 0:
                    m[k] = [max(a / s, 1e-6) for a in acc[k]]
        if abs(new_lam - lam) < 1e-7:
            lam = new_lam
            break
        lam = new_lam
    return m, lam


def _possible_pairs(p: Prepared, link_only: bool) -> int:
    counts = Counter(p.systems)
    n = len(p.recs)
    if link_only:
        return (n * n - sum(c * c for c in counts.values())) // 2
    return n * (n - 1) // 2


def _expected_f1_threshold(scores: list[tuple[float, float]], expected: float) -> float:
    """The match weight above which linking maximises expected F1 (posteriors as truth weights)."""
    best, best_t, tp = -1.0, 0.0, 0.0
    for n, (w, post) in enumerate(sorted(scores, reverse=True), start=1):
        tp += post
        f1 = 2 * tp / (n + expected) if expected else 0.0
        if f1 > best:
            best, best_t = f1, w
    return best_t


def train(p: Prepared, cfg: RecordMatchConfig) -> TrainReport:
    """Estimate u, m and λ for ``cfg`` on the prepared records ``p``."""
    link_only = cfg.link_type == "link_only"
    u_levels = estimate_u(p, min(cfg.u_pairs, max(_possible_pairs(p, link_only), 1)), link_only, cfg.seed)
    u = [[u_levels[k][name] for name in c.levels] for k, c in enumerate(p.compiled)]
    rules = [r for r in cfg.blocking if not cfg.em_rules or r.name in cfg.em_rules]
    sums = [[0.0] * len(c.levels) for c in p.compiled]
    seen = [0] * len(p.compiled)
    sessions: dict[str, dict[str, Any]] = {}
    for rule in rules:
        pairs, _ = candidate_pairs(p.raw, [rule], p.systems, link_only)
        if not pairs:
            sessions[rule.name] = {"pairs": 0}
            continue
        blocked = {k.field for k in rule.keys}
        estimate = [not (set(c.reads) & blocked) for c in cfg.comparisons]
        patterns = Counter(gamma(p, i, j) for i, j in pairs)
        m, lam = em_m(patterns, u, estimate, [_initial_m(len(c.levels)) for c in p.compiled])
        for k, est in enumerate(estimate):
            if est:
                seen[k] += 1
                sums[k] = [s + x for s, x in zip(sums[k], m[k])]
        sessions[rule.name] = {
            "pairs": len(pairs),
            "matches_share": round(lam, 4),
            "estimated": [c.label for c, e in zip(cfg.comparisons, estimate) if e],
        }
    m_final = []
    for k, c in enumerate(p.compiled):
        if seen[k]:
            m_final.append([s / seen[k] for s in sums[k]])
        else:  # every EM rule blocks on it: a neutral prior, flagged in the report
            m_final.append(_initial_m(len(c.levels)))
            sessions.setdefault("unestimated", {}).setdefault("comparisons", []).append(c.name)
    all_pairs, _ = candidate_pairs(p.raw, cfg.blocking, p.systems, link_only)
    patterns = Counter(gamma(p, i, j) for i, j in all_pairs)
    _, lam_cand = em_m(patterns, u, [True] * len(u), m_final, fix_m=True)
    expected = lam_cand * len(all_pairs)
    lam = min(max(expected / max(_possible_pairs(p, link_only), 1), 1e-12), 0.5)
    prior = math.log2(lam / (1 - lam))
    scores = []
    for pat, n in patterns.items():
        w = prior + sum(
            math.log2(max(m_final[k][lv], 1e-12) / max(u[k][lv], 1e-12)) for k, lv in enumerate(pat) if lv != MISSING
        )
        post = 1 / (1 + 2**-w) if w > -1000 else 0.0
        scores.extend([(w, post)] * n)
    threshold = _expected_f1_threshold(scores, expected)
    comps = {
        c.label: ComparisonWeights(c.kind, dict(zip(pc.levels, m_final[k])), dict(zip(pc.levels, u[k])))
        for k, (c, pc) in enumerate(zip(cfg.comparisons, p.compiled))
    }
    trained = {
        "records": len(p.recs),
        "systems": dict(Counter(p.systems)),
        "random_pairs": cfg.u_pairs,
        "candidate_pairs": len(all_pairs),
        "expected_matches": round(expected, 1),
        "em_sessions": sessions,
    }
    return TrainReport(Weights(lam, comps, threshold, trained), sessions, expected, len(all_pairs))
