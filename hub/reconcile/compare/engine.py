"""Record matcher for any entity: prepare, block, score (Fellegi–Sunter weights), cluster.

Pure functions over plain records (mappings with ``system``, ``external_id`` and canonical
fields). Clustering is the party matcher's (strongest links first, never two records of one
system unless they are duplicates by their own score; review decisions win), so persons and
parties resolve the same way.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.reconcile.compare.blocking import candidate_pairs, key_function
from hub.reconcile.compare.config import RecordMatchConfig
from hub.reconcile.compare.kinds import MISSING, Compiled, compile_comparison
from hub.reconcile.compare.weights import Weights, level_weights, term_frequencies
from hub.reconcile.matcher import DecisionKey, MatchResult, Signal, cluster_pairs, gc_paused, match_result

__all__ = ["Prepared", "Scorer", "components_of", "gamma", "match_records", "nearest_candidates", "prepare"]


class _Rec:
    """One prepared record: its key, system and one prepared value per comparison.

    The values are prepared the first time they are read: a record in no candidate pair (most
    of them when a rerun matches only the components a change reaches) is never prepared.
    """

    __slots__ = ("key", "system", "_vals", "_raw", "_compiled")

    def __init__(
        self,
        key: tuple[str, str],
        system: str,
        raw: Mapping[str, Any],
        compiled: Sequence[Compiled],
    ) -> None:
        self.key = key
        self.system = system
        self._vals: tuple[Any, ...] | None = None
        self._raw: Mapping[str, Any] | None = raw
        self._compiled = compiled

    @property
    def vals(self) -> tuple[Any, ...]:
        v = self._vals
        if v is None:
            raw = self._raw
            assert raw is not None
            v = self._vals = tuple(c.prepare(raw) for c in self._compiled)
            self._raw = None
        return v


@dataclass
class Prepared:
    """Records ready to compare: raw mappings (for blocking), prepared values, compiled comparisons."""

    raw: list[Mapping[str, Any]]
    recs: list[_Rec]
    compiled: list[Compiled]

    @property
    def systems(self) -> list[str]:
        return [r.system for r in self.recs]


def prepare(records: Iterable[Mapping[str, Any]], cfg: RecordMatchConfig) -> Prepared:
    """Compile the comparisons and prepare every record once, when first compared (duplicate keys
    are an error)."""
    compiled = [compile_comparison(c) for c in cfg.comparisons]
    raw: list[Mapping[str, Any]] = []
    recs: list[_Rec] = []
    seen: set[tuple[str, str]] = set()
    for rec in records:
        key = (str(rec["system"]), str(rec["external_id"]))
        if key in seen:
            raise ValueError(f"record {key} given twice")
        seen.add(key)
        raw.append(rec)
        recs.append(_Rec(key, key[0], rec, compiled))
    return Prepared(raw, recs, compiled)


def gamma(p: Prepared, i: int, j: int) -> tuple[int, ...]:
    """The level index of every comparison for one pair (-1 when either value is missing)."""
    a, b = p.recs[i].vals, p.recs[j].vals
    return tuple(MISSING if x is None or y is None else c.compare(x, y) for c, x, y in zip(p.compiled, a, b))


class Scorer:
    """Match weight of a pair: prior + level weights (+ term-frequency adjustments)."""

    def __init__(self, cfg: RecordMatchConfig, p: Prepared, weights: Weights | None) -> None:
        self.cfg = cfg
        self.compiled = p.compiled
        self.table = level_weights(cfg, p.compiled, weights)
        lam = cfg.probability_two_random_records_match or (
            weights.probability_two_random_records_match if weights else None
        )
        self.prior = math.log2(lam / (1 - lam)) if lam else 0.0
        self.tf: dict[int, tuple[dict[Any, float], float]] = {}
        for k, (c, comp) in enumerate(zip(cfg.comparisons, p.compiled)):
            if c.term_frequency and comp.tf_key is not None and weights is not None and c.weights is None:
                key = comp.tf_key
                freqs = term_frequencies([key(r.vals[k]) if r.vals[k] is not None else None for r in p.recs])
                u_exact = weights.comparisons[c.label].u[comp.levels[0]]
                self.tf[k] = (freqs, u_exact)
        self._signals: dict[tuple[int, str, float], Signal] = {}
        #: weight of every level by index, per comparison (no name lookups per pair)
        self.by_index = [tuple(self.table[k][name] for name in comp.levels) for k, comp in enumerate(p.compiled)]

    def weight(self, k: int, level: int, x: Any, y: Any) -> float:
        """Weight of comparison ``k`` at ``level`` for values ``x``, ``y``."""
        if level == MISSING:
            return 0.0
        comp = self.compiled[k]
        w = self.table[k][comp.levels[level]]
        if level == 0 and k in self.tf:
            freqs, u_exact = self.tf[k]
            f = max(freqs.get(comp.tf_key(x), 0.0), freqs.get(comp.tf_key(y), 0.0))  # type: ignore[misc]
            if f > 0:
                w += math.log2(u_exact / f)
        return w

    def score(self, a: _Rec, b: _Rec) -> tuple[float, tuple[str, ...], str]:
        """(match weight, level per comparison, ""): the interface the clustering reads."""
        total = self.prior
        levels = []
        tf = self.tf
        for k, (c, ws, x, y) in enumerate(zip(self.compiled, self.by_index, a.vals, b.vals)):
            if x is None or y is None:
                levels.append("missing")
                continue
            lv = c.compare(x, y)
            if lv == 0 and k in tf:
                w = self.weight(k, 0, x, y)
                levels.append(f"{c.levels[0]}\x00{w:.3f}")
            else:
                w = ws[lv]
                levels.append(c.levels[lv])
            total += w
        return total, tuple(levels), ""

    def signals(self, levels: tuple[str, ...]) -> tuple[Signal, ...]:
        """Explanations of one pair: comparison, level, weight (the prior included)."""
        out = [Signal("prior", "prior", "λ", round(self.prior, 3))]
        for k, (c, lv) in enumerate(zip(self.compiled, levels)):
            name, _, tfw = lv.partition("\x00")
            w = float(tfw) if tfw else (0.0 if name == "missing" else self.table[k][name])
            sig = self._signals.get((k, name, w))
            if sig is None:
                sig = self._signals[(k, name, w)] = Signal(c.name, c.kind, name, round(w, 3))
            out.append(sig)
        return tuple(out)


def match_records(
    records: Iterable[Mapping[str, Any]],
    cfg: RecordMatchConfig,
    weights: Weights | None,
    decisions: Mapping[DecisionKey, bool] | None = None,
    prepared: Prepared | None = None,
    only: Collection[tuple[str, str]] | None = None,
) -> MatchResult:
    """Link and deduplicate ``records``; stats carry the blocking statistics per rule.

    With ``only`` (record keys) just the connected components of the candidate pairs that hold
    one of them are matched, and only their clusters are returned (stats ``rematched``: their
    records). Blocks, term frequencies and oversize limits still come from all ``records``, so
    those clusters are exactly what matching everything would give."""
    with gc_paused():
        p = prepared or prepare(records, cfg)
        scorer = Scorer(cfg, p, weights)
        th = cfg.thresholds
        if cfg.link_type == "link_only":  # two records of one system never share a cluster
            th = th.model_copy(update={"duplicate": float("inf")})
        pairs, rule_stats = candidate_pairs(p.raw, cfg.blocking, p.systems, cfg.link_type == "link_only")
        index = {r.key: i for i, r in enumerate(p.recs)}
        forced: dict[tuple[int, int], bool] = {}
        for dk, same in (decisions or {}).items():
            a, b = (dk[0], dk[1]), (dk[2], dk[3])
            if a in index and b in index and a != b:
                i, j = sorted((index[a], index[b]))
                forced[(i, j)] = bool(same)
                pairs.add((i, j))
        kept: set[int] | None = None
        if only is not None:
            kept = components_of(len(p.recs), pairs, {index[k] for k in only if k in index})
            pairs = {(i, j) for i, j in pairs if i in kept}
        scored: dict[tuple[int, int], tuple[float, tuple[str, ...], str]] = {}
        edges: list[tuple[int, float, int, int]] = []
        recs = p.recs
        for i, j in pairs:
            total, levels, _ = scorer.score(recs[i], recs[j])
            decided = forced.get((i, j))
            if decided is False:
                scored[(i, j)] = (total, levels, "rejected")
                continue
            if total < th.low and decided is None:
                continue
            scored[(i, j)] = (total, levels, "")
            if decided:
                edges.append((3, total, i, j))
            elif total >= th.high:
                edges.append((1, total, i, j))
        roots = cluster_pairs(recs, edges, scored, forced, th, scorer)  # type: ignore[arg-type]
        stats: dict[str, Any] = {
            "records": len(recs),
            "candidate_pairs": len(pairs),
            "blocks": sum(s["blocks"] for s in rule_stats.values()),
            "blocks_skipped": sum(s["oversize_blocks"] for s in rule_stats.values()),
            "scored_pairs": len(scored),
        }
        result = match_result(recs, roots, scored, forced, scorer, th.high, th.low, stats)  # type: ignore[arg-type]
        clusters = result.clusters
        extra: dict[str, Any] = {"rules": rule_stats}
        if kept is not None:
            clusters = tuple(c for c in clusters if index[c[0]] in kept)
            extra["rematched"] = len(kept)
        return MatchResult(result.links, result.duplicates, result.review, clusters, dict(result.stats, **extra))


def components_of(n: int, pairs: Iterable[tuple[int, int]], seeds: set[int]) -> set[int]:
    """The records (indexes below ``n``) connected to any of ``seeds`` through ``pairs``."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in pairs:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[ri] = rj
    roots = {find(i) for i in seeds}
    return {i for i in range(n) if find(i) in roots}


@dataclass(frozen=True)
class Candidate:
    """A record near an unlinked one: its score and why it fell short."""

    key: tuple[str, str]
    score: float
    signals: tuple[Signal, ...]
    shared_rules: tuple[str, ...]
    reason: str


def nearest_candidates(
    p: Prepared,
    cfg: RecordMatchConfig,
    weights: Weights | None,
    key: tuple[str, str],
    linked_to: Mapping[tuple[str, str], str],
    n: int = 5,
) -> list[Candidate]:
    """The ``n`` best-scoring records sharing any blocking key with record ``key`` (oversize
    blocks included), each with why it is not linked: below the threshold, or already linked."""
    scorer = Scorer(cfg, p, weights)
    idx = next(i for i, r in enumerate(p.recs) if r.key == key)
    me = p.raw[idx]
    shared: dict[int, list[str]] = {}
    for rule in cfg.blocking:
        fn = key_function(rule.keys)
        mine = fn(me)
        if mine is None:
            continue
        for j, rec in enumerate(p.raw):
            if j != idx and fn(rec) == mine:
                shared.setdefault(j, []).append(rule.name)
    out = []
    th = cfg.thresholds
    for j, rules in shared.items():
        other = p.recs[j]
        if cfg.link_type == "link_only" and other.system == p.recs[idx].system:
            continue
        total, levels, _ = scorer.score(p.recs[idx], other)
        if total < th.high:
            reason = f"score {total:+.2f} below the link threshold {th.high:+g}"
        elif other.key in linked_to:
            reason = f"linked to {linked_to[other.key]} instead (one record per system in a cluster)"
        else:
            reason = "would link: the stored result predates a change"
        out.append(Candidate(other.key, total, scorer.signals(levels), tuple(rules), reason))
    out.sort(key=lambda c: (-c.score, c.key))
    return out[:n]
