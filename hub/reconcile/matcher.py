"""Party identity resolution: link the same customer across systems and find duplicates.

Pure functions over plain data. The pipeline, for records of two or more systems:

1. *prepare* every record once (parsed name, USCC, E.164 phones, place keys, address key);
2. *block*: records sharing a blocking key (tax id, phone, ERP reference, brand + city, ...)
   become candidate pairs; oversized blocks are skipped, so the work is linear, never n^2;
3. *score* each candidate pair: one signal per configured comparison, weights summed, and
   deterministic rules (checksum-valid tax id, ERP reference) applied when the other evidence
   supports them;
4. *cluster*: accepted pairs are merged strongest first; a cluster never holds two records of
   one system unless those two are themselves duplicates by strong evidence; review decisions
   (accepted / rejected pairs) win over the matcher.

Public API: :class:`PartyRecord`, :func:`match_parties` -> :class:`MatchResult`, and
:func:`affected_records` for incremental re-matching of the blocks that changed records touch.
"""

from __future__ import annotations

import gc
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import combinations, product
from types import MappingProxyType
from typing import Any

from hub.reconcile.ids import TaxId, normalize_tax_id
from hub.reconcile.match_config import RULE_LEVEL, FieldComparison, MatchConfig, Thresholds
from hub.reconcile.names import NameKey, compare_names, parse_name
from hub.reconcile.normalize import AddressKey, address_key, city_key, fold, province_key
from hub.reconcile.phones import phone_keys

__all__ = [
    "RecordKey",
    "DecisionKey",
    "PartyRecord",
    "Signal",
    "PairMatch",
    "MatchResult",
    "match_parties",
    "affected_records",
    "block_keys",
    "key_caps",
    "decision_key",
    "BLOCK_SEP",
    "cluster_pairs",
    "match_result",
    "gc_paused",
]

RecordKey = tuple[str, str]  # (system, external_id)
DecisionKey = tuple[str, str, str, str]  # (system_a, id_a, system_b, id_b), either order


@dataclass(frozen=True, slots=True)
class PartyRecord:
    """One system's view of a party, in canonical field names (see ``hub.canonical``)."""

    system: str
    external_id: str
    name: str = ""
    channel_level: str = ""
    parent_ref: str = ""
    tax_id: str = ""
    erp_code: str = ""
    edi_id: str = ""
    province: str = ""
    city: str = ""
    address: str = ""
    postal_code: str = ""
    country: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    owner_ref: str = ""

    @property
    def key(self) -> RecordKey:
        """``(system, external_id)``."""
        return (self.system, self.external_id)


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence about a pair: which comparison, the level reached, its weight."""

    name: str
    comparison: str
    level: str
    weight: float


@dataclass(frozen=True, slots=True)
class PairMatch:
    """An explained pair: ``decision`` is ``rule``/``auto``/``accepted`` for links and
    duplicates, ``review`` or ``conflict`` for the review list."""

    a: RecordKey
    b: RecordKey
    score: float
    rule: str
    decision: str
    signals: tuple[Signal, ...]

    def explain(self) -> str:
        """One line: rule, total and the signals that carried weight."""
        parts = ", ".join(f"{s.name}={s.level}({s.weight:+g})" for s in self.signals if s.weight)
        return f"{self.a}~{self.b} {self.decision} by {self.rule}: {self.score:+g} [{parts}]"


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Cross-system ``links``, within-system ``duplicates``, the ``review`` list and the
    ``clusters`` (every record in exactly one; singletons included)."""

    links: tuple[PairMatch, ...]
    duplicates: tuple[PairMatch, ...]
    review: tuple[PairMatch, ...]
    clusters: tuple[tuple[RecordKey, ...], ...]
    #: counts, and per-rule blocking figures under "rules" when the record matcher made it
    stats: Mapping[str, Any] = field(default_factory=dict)

    def cluster_of(self) -> dict[RecordKey, int]:
        """Record key -> index of its cluster in :attr:`clusters`."""
        return {k: i for i, c in enumerate(self.clusters) for k in c}


def decision_key(a: RecordKey, b: RecordKey) -> DecisionKey:
    """The order-independent key of a pair decision."""
    x, y = sorted((a, b))
    return (x[0], x[1], y[0], y[1])


# --------------------------------------------------------------------------- preparation
_NO_VALUES: Mapping[str, Any] = MappingProxyType({})  # shared by records without exact fields


class _Prep:
    __slots__ = (
        "key",
        "system",
        "name",
        "tax",
        "tax_body",
        "phones",
        "city",
        "province",
        "addr",
        "values",
        "ref",
        "target",
        "feats",
    )

    def __init__(self, rec: PartyRecord, exact_fields: tuple[str, ...], ref_cfg: FieldComparison | None) -> None:
        self.key = rec.key
        self.system = rec.system
        self.city = city_key(rec.city)
        self.province = province_key(rec.province)
        self.name: NameKey = parse_name(rec.name, self.city)
        if not self.city and len(self.name.cities) == 1:
            self.city = next(iter(self.name.cities))
        self.tax: TaxId | None = normalize_tax_id(rec.tax_id)
        self.tax_body = self.tax.body if self.tax else ""
        self.phones = phone_keys(rec.phone)
        self.addr: AddressKey = address_key(rec.address)
        # only non-empty values are kept: a missing field reads as "" (see _cmp_exact)
        values = {f: v for f in exact_fields if (v := fold(getattr(rec, f)))}
        self.values: Mapping[str, Any] = values or _NO_VALUES
        self.ref = ""
        self.target = ""
        if ref_cfg is not None:
            self.ref = fold(getattr(rec, ref_cfg.field)).upper()
            if rec.system == ref_cfg.target_system:
                self.target = fold(getattr(rec, ref_cfg.target_field)).upper()
        self.feats: tuple[str | tuple[str, ...], ...] = ()  # blocking features (_prepare_all)

    def features(self, name: str) -> tuple[str, ...]:
        """Values of one blocking feature (several for phones)."""
        value = self.feature(name)
        if name in _MULTI_FEATURES:
            return value  # type: ignore[return-value]
        return (value,) if value else ()  # type: ignore[return-value]

    def feature(self, name: str) -> str | tuple[str, ...]:
        """One blocking feature: the tuple of values of a multi-valued feature (phones,
        references), else the single value or ``""``."""
        getter = _FEATURE_GETTERS.get(name)
        if getter is not None:
            return getter(self)
        return _exact_feature(name, self)


def _exact_feature(name: str, p: _Prep) -> str:
    """A feature named after a field with an exact comparison: its folded value, or ``""``."""
    return p.values.get(name) or ""


def _address_numbers(p: _Prep) -> str:
    n = p.addr.numbers
    return ",".join(map(str, n)) if len(n) >= 2 else ""


_FEATURE_GETTERS: dict[str, Callable[[_Prep], str | tuple[str, ...]]] = {
    "tax_id": lambda p: (p.tax_body or p.tax.value) if p.tax else "",
    "phone": lambda p: p.phones,
    "reference": lambda p: tuple(v for v in (p.ref, p.target) if v),
    "name_brand": lambda p: p.name.brand if len(p.name.brand) >= 2 else "",
    "name_industry": lambda p: p.name.industry,
    "brand_prefix": lambda p: sys.intern(p.name.brand[:2]) if len(p.name.brand) >= 4 else "",
    "city": lambda p: p.city,
    "province": lambda p: p.province,
    "address_numbers": _address_numbers,
}
#: blocking features that may hold several values per record (``_Prep.feats`` keeps tuples)
_MULTI_FEATURES = frozenset({"phone", "reference"})


def _prepare_all(records: Iterable[PartyRecord], config: MatchConfig) -> list[_Prep]:
    ref_cfg = next((c for c in config.fields if c.comparison == "reference"), None)
    if ref_cfg is None:
        rule = next((r for r in config.rules if r.comparison == "reference"), None)
        if rule is not None:
            ref_cfg = FieldComparison(
                field=rule.field,
                comparison="reference",
                weights={},
                target_field=rule.target_field,
                target_system=rule.target_system,
            )
    exact_fields = tuple(c.field for c in config.fields if c.comparison == "exact")
    getters = [_FEATURE_GETTERS.get(f) or partial(_exact_feature, f) for f in _feature_names(config)]
    preps: list[_Prep] = []
    seen: set[RecordKey] = set()
    for rec in records:
        key = rec.key
        if key in seen:
            raise ValueError(f"record {key} given twice")
        seen.add(key)
        p = _Prep(rec, exact_fields, ref_cfg)
        # every blocking feature computed once per record, shared by both blocking stages;
        # single-valued features are kept as the bare string ("" when absent) to save memory
        p.feats = tuple([get(p) for get in getters])
        preps.append(p)
    return preps


def _feature_names(config: MatchConfig) -> tuple[str, ...]:
    """The blocking features ``config`` uses, in a fixed order (indexes into ``_Prep.feats``)."""
    return tuple(dict.fromkeys(f for bk in config.blocking for f in bk.features))


# --------------------------------------------------------------------------- comparisons
def _cmp_tax(a: _Prep, b: _Prep, _c: FieldComparison) -> str:
    ta, tb = a.tax, b.tax
    if ta is None or tb is None:
        return "missing"
    if ta.value == tb.value:
        return "exact" if ta.valid else "body"
    if a.tax_body and a.tax_body == b.tax_body:
        return "body"  # one check character is wrong; the other 17 agree
    return "mismatch" if (ta.valid and tb.valid) else "mismatch_unverified"


def _cmp_phone(a: _Prep, b: _Prep, _c: FieldComparison) -> str:
    if not a.phones or not b.phones:
        return "missing"
    for p in a.phones:
        if p in b.phones:
            return "exact"
    return "mismatch"


def _cmp_reference(a: _Prep, b: _Prep, c: FieldComparison) -> str:
    target = c.target_system
    if a.system == b.system:
        if a.system != target and a.ref and a.ref == b.ref:
            return "agree"  # two records naming the same target record
        return "missing"
    if a.system == target:
        a, b = b, a
    if b.system != target or not a.ref:
        return "missing"
    return "agree" if a.ref == b.target else "conflict"


def _cmp_name(a: _Prep, b: _Prep, _c: FieldComparison) -> str:
    return compare_names(a.name, b.name)[0]


def _cmp_place(a: _Prep, b: _Prep, c: FieldComparison) -> str:
    if c.field == "province":
        x, y = a.province, b.province
    else:
        x, y = a.city, b.city
    if not x or not y:
        return "missing"
    return "exact" if x == y else "mismatch"


def _cmp_address(a: _Prep, b: _Prep, _c: FieldComparison) -> str:
    x, y = a.addr, b.addr
    if not x.numbers or not y.numbers:
        return "missing"
    same_numbers = x.numbers == y.numbers
    same_road = bool(x.road) and x.road == y.road
    if same_numbers:
        return "exact" if same_road or not (x.road and y.road) else "numbers"
    if same_road and set(x.numbers) & set(y.numbers):
        return "road"
    return "mismatch"


def _cmp_exact(a: _Prep, b: _Prep, c: FieldComparison) -> str:
    x, y = a.values.get(c.field, ""), b.values.get(c.field, "")
    if not x or not y:
        return "missing"
    return "exact" if x == y else "mismatch"


_COMPARATORS: dict[str, Callable[[_Prep, _Prep, FieldComparison], str]] = {
    "tax_id": _cmp_tax,
    "phone": _cmp_phone,
    "reference": _cmp_reference,
    "company_name": _cmp_name,
    "place": _cmp_place,
    "address": _cmp_address,
    "exact": _cmp_exact,
}


def _transactions(pairs: Mapping[tuple[RecordKey, RecordKey], int]) -> Callable[[_Prep, _Prep, FieldComparison], str]:
    """The comparator of one kind of transaction evidence: how many transactions tie the pair."""

    def compare(a: _Prep, b: _Prep, _c: FieldComparison) -> str:
        n = pairs.get((a.key, b.key)) or pairs.get((b.key, a.key)) or 0
        return "agree" if n >= 2 else "single" if n == 1 else "missing"

    return compare


class _Scorer:
    """Scores pairs with the configured comparisons and applies the deterministic rules."""

    def __init__(
        self, config: MatchConfig, evidence: Mapping[str, Mapping[tuple[RecordKey, RecordKey], int]] | None = None
    ) -> None:
        evidence = evidence or {}

        def fn(c: FieldComparison) -> Callable[[_Prep, _Prep, FieldComparison], str]:
            if c.comparison == "transactions":
                return _transactions(evidence.get(c.field, {}))
            return _COMPARATORS[c.comparison]

        self.comps = [(c, fn(c), c.weights) for c in config.fields]
        self._signals: dict[tuple[int, str], Signal] = {}
        self.rules = []
        for rule in config.rules:
            idx = next(
                (i for i, c in enumerate(config.fields) if c.field == rule.field and c.comparison == rule.comparison),
                None,
            )
            own = None
            if idx is None:  # a rule whose comparison carries no weight of its own
                own = FieldComparison(
                    field=rule.field,
                    comparison=rule.comparison,
                    weights={},
                    target_field=rule.target_field,
                    target_system=rule.target_system,
                )
            self.rules.append((rule, idx, own, fn(own) if own is not None else None))

    def score(self, a: _Prep, b: _Prep) -> tuple[float, tuple[str, ...], str]:
        """Total weight, the level per comparison, and the deterministic rule that fired."""
        total = 0.0
        levels = []
        for comp, fn, weights in self.comps:
            level = fn(a, b, comp)
            levels.append(level)
            total += weights.get(level, 0.0)
        fired = ""
        for rule, idx, own, own_fn in self.rules:
            want = RULE_LEVEL[rule.comparison]
            if idx is not None:
                level = levels[idx]
                own_weight = self.comps[idx][2].get(level, 0.0)
            else:  # a rule without a weighted comparison carries its own (see __init__)
                assert own is not None and own_fn is not None
                level = own_fn(a, b, own)
                own_weight = 0.0
            if level == want and total - own_weight >= rule.min_support:
                fired = rule.name
                break
        return total, tuple(levels), fired

    def signals(self, levels: tuple[str, ...]) -> tuple[Signal, ...]:
        """Explanations for one pair (Signals are shared: there are few distinct ones)."""
        out = []
        for k, ((c, _, w), lv) in enumerate(zip(self.comps, levels)):
            sig = self._signals.get((k, lv))
            if sig is None:
                sig = self._signals[(k, lv)] = Signal(c.label, c.comparison, lv, w.get(lv, 0.0))
            out.append(sig)
        return tuple(out)


# --------------------------------------------------------------------------- blocking
def _block_specs(config: MatchConfig, stages: tuple[int, ...]) -> list[tuple[str, tuple[int, ...], bool]]:
    """(blocking key name, indexes of its features in ``_Prep.feats``, any multi-valued) for
    the blocking keys of the given stages."""
    names = _feature_names(config)
    pos = {f: k for k, f in enumerate(names)}
    return [
        (bk.name, tuple(pos[f] for f in bk.features), any(f in _MULTI_FEATURES for f in bk.features))
        for bk in config.blocking
        if bk.stage in stages
    ]


def _block_keys(p: _Prep, specs: list[tuple[str, tuple[int, ...], bool]], multi: frozenset[int]) -> Iterator[tuple]:
    """The blocking keys of one record (a key once per feature-value combination, in the
    order of ``specs`` and of the feature values)."""
    feats = p.feats
    for name, idxs, has_multi in specs:
        if len(idxs) == 1:
            v = feats[idxs[0]]
            if has_multi:
                for x in v:
                    yield (name, x)
            elif v:
                yield (name, v)
            continue
        parts = [feats[k] for k in idxs]
        if not all(parts):
            continue
        if has_multi:
            for combo in product(*[x if k in multi else (x,) for k, x in zip(idxs, parts)]):
                yield (name, *combo)
        else:
            yield (name, *parts)


def _multi_positions(config: MatchConfig) -> frozenset[int]:
    return frozenset(k for k, f in enumerate(_feature_names(config)) if f in _MULTI_FEATURES)


def _blocks(
    preps: list[_Prep], config: MatchConfig, stages: tuple[int, ...] = (1, 2)
) -> tuple[dict[tuple, list[int]], int]:
    """Blocking key -> record indexes, without oversized blocks; and how many were skipped."""
    blocks: dict[tuple, list[int]] = defaultdict(list)
    specs = _block_specs(config, stages)
    multi = _multi_positions(config)
    for i, p in enumerate(preps):
        for key in _block_keys(p, specs, multi):
            blocks[key].append(i)
    caps = {bk.name: bk.max_block for bk in config.blocking}
    skipped = 0
    out: dict[tuple, list[int]] = {}
    for key, members in blocks.items():
        if len(members) < 2:
            continue
        if len(members) > caps[key[0]]:
            skipped += 1
            continue
        out[key] = members
    return out, skipped


def _block_pairs(
    preps: list[_Prep], config: MatchConfig, stages: tuple[int, ...], open_: set[int] | None = None
) -> tuple[set[tuple[int, int]], int, int]:
    """Candidate pairs of the blocking keys of ``stages`` (only pairs of two ``open_`` records
    when given; block sizes, and so the caps, count every record), the number of blocks used
    and of blocks skipped as oversized. One blocking key at a time, so memory holds one key's
    blocks, never every key of every record at once."""
    multi = _multi_positions(config)
    caps = {bk.name: bk.max_block for bk in config.blocking}
    pairs: set[tuple[int, int]] = set()
    n_blocks = skipped = 0
    for spec in _block_specs(config, stages):
        blocks: dict[tuple, Any] = {}
        for i, p in enumerate(preps):
            for key in _block_keys(p, [spec], multi):
                cur = blocks.get(key)
                if cur is None:
                    blocks[key] = i  # most keys have one record: no list for them
                elif isinstance(cur, int):
                    blocks[key] = [cur, i]
                else:
                    cur.append(i)
        cap = caps[spec[0]]
        for members in blocks.values():
            if isinstance(members, int):
                continue
            if len(members) > cap:
                skipped += 1
                continue
            n_blocks += 1
            if open_ is not None:
                members = [m for m in members if m in open_]
            pairs.update(combinations(sorted(set(members)), 2))
        del blocks
    return pairs, n_blocks, skipped


# --------------------------------------------------------------------------- matching
def match_parties(
    records: Iterable[PartyRecord],
    config: MatchConfig,
    decisions: Mapping[DecisionKey, bool] | None = None,
    keys_out: dict[RecordKey, str] | None = None,
    evidence: Mapping[str, Mapping[tuple[RecordKey, RecordKey], int]] | None = None,
) -> MatchResult:
    """Link, deduplicate and cluster ``records`` (any number of systems).

    ``decisions`` maps :func:`decision_key` pairs to True (same party) or False (different);
    they override the matcher: an accepted pair is linked whatever its score (and is added as
    a candidate even when no block holds it), a rejected pair never ends up in one cluster.
    """
    with gc_paused():
        try:
            return _match(records, config, dict(decisions or {}), keys_out, evidence or {})
        finally:
            clear_caches()


def clear_caches() -> None:
    """Drop the normalisers' memo caches (names, pinyin, places): they hold every name of the
    last matching run, which the rest of a reconciliation has no use for."""
    from hub.reconcile import names, normalize

    for mod in (names, normalize):
        for obj in vars(mod).values():
            info = getattr(obj, "cache_info", None)
            if info is not None and obj.cache_info().maxsize not in (None, 1):
                obj.cache_clear()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Cyclic garbage collection off while matching (restored afterwards): the matcher builds
    hundreds of thousands of long-lived, acyclic objects, and the collector's repeated scans
    of them cost ~15% of a large run without ever freeing anything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _match(
    records: Iterable[PartyRecord],
    config: MatchConfig,
    decisions: dict[DecisionKey, bool],
    keys_out: dict[RecordKey, str] | None = None,
    evidence: Mapping[str, Mapping[tuple[RecordKey, RecordKey], int]] | None = None,
) -> MatchResult:
    preps = _prepare_all(records, config)
    if keys_out is not None:
        keys_out.update((k, "\n".join(ks)) for k, ks in _record_keys(preps, config))
    evidence = {f: ev for f, ev in (evidence or {}).items() if any(c.field == f for c in config.fields)}
    index = {p.key: i for i, p in enumerate(preps)} if decisions or evidence else {}
    scorer = _Scorer(config, evidence)
    th = config.thresholds
    pairs, n_blocks, skipped = _block_pairs(preps, config, (1,))
    for ev in evidence.values():  # records their transactions tie together are candidates too
        for a, b in ev:
            if a in index and b in index and a != b:
                i, j = index[a], index[b]
                pairs.add((i, j) if i < j else (j, i))
    forced: dict[tuple[int, int], bool] = {}
    for dk, same in decisions.items():
        a, b = (dk[0], dk[1]), (dk[2], dk[3])
        if a in index and b in index and a != b:
            i, j = sorted((index[a], index[b]))
            forced[(i, j)] = bool(same)
            pairs.add((i, j))

    scored: dict[tuple[int, int], tuple[float, tuple[str, ...], str]] = {}
    edges: list[tuple[int, float, int, int]] = []  # (priority, score, i, j)
    n_pairs = len(pairs)
    _score_pairs(pairs, preps, scorer, forced, th, scored, edges)
    if any(bk.stage == 2 for bk in config.blocking):
        linked = {x for _p, _s, i, j in edges if preps[i].system != preps[j].system for x in (i, j)}
        open_ = set(range(len(preps))) - linked
        pairs2, n_blocks2, skipped2 = _block_pairs(preps, config, (2,), open_)
        pairs2 -= pairs
        n_blocks += n_blocks2
        _score_pairs(pairs2, preps, scorer, forced, th, scored, edges)
        n_pairs, skipped = n_pairs + len(pairs2), skipped + skipped2
    del pairs

    roots = cluster_pairs(preps, edges, scored, forced, th, scorer)
    return match_result(
        preps,
        roots,
        scored,
        forced,
        scorer,
        th.high,
        th.low,
        {
            "records": len(preps),
            "blocks": n_blocks,
            "blocks_skipped": skipped,
            "candidate_pairs": n_pairs,
            "scored_pairs": len(scored),
        },
    )


def _score_pairs(
    pairs: Iterable[tuple[int, int]],
    preps: list[_Prep],
    scorer: _Scorer,
    forced: Mapping[tuple[int, int], bool],
    th: Thresholds,
    scored: dict[tuple[int, int], tuple[float, tuple[str, ...], str]],
    edges: list[tuple[int, float, int, int]],
) -> None:
    """Score candidate pairs; keep those at least ``low`` (or decided / rule-linked)."""
    for i, j in pairs:
        total, levels, fired = scorer.score(preps[i], preps[j])
        decided = forced.get((i, j))
        if decided is False:
            scored[(i, j)] = (total, levels, "rejected")
            continue
        if total < th.low and not fired and decided is None:
            continue
        scored[(i, j)] = (total, levels, fired)
        if decided:
            edges.append((3, total, i, j))
        elif fired:
            edges.append((2, total, i, j))
        elif total >= th.high:
            edges.append((1, total, i, j))


def cluster_pairs(
    preps: list[_Prep],
    edges: list[tuple[int, float, int, int]],
    scored: dict[tuple[int, int], tuple[float, tuple[str, ...], str]],
    forced: Mapping[tuple[int, int], bool],
    th: Thresholds,
    scorer: _Scorer,
) -> list[int]:
    """Constrained union, strongest edges first, then clear mutual best candidates.

    Returns each record's root. Two records of one system only share a cluster when their
    own pair scores at least ``th.duplicate_cut`` (or was accepted); rejected pairs never do.
    """
    dup_cut = th.duplicate_cut
    parent = list(range(len(preps)))
    members: dict[int, dict[str, list[int]]] = {}  # root -> system -> records (made on demand)
    cannot: dict[int, set[int]] = defaultdict(set)
    for (i, j), same in forced.items():
        if not same:
            cannot[i].add(j)
            cannot[j].add(i)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def same_system_ok(x: int, y: int) -> bool:
        ij = (x, y) if x < y else (y, x)
        decided = forced.get(ij)
        if decided is not None:
            return decided
        hit = scored.get(ij)
        if hit is None:  # never a candidate pair: score it now (and keep it if it counts)
            total, levels, fired = scorer.score(preps[ij[0]], preps[ij[1]])
            hit = (total, levels, fired)
            if total >= th.low or fired:
                scored[ij] = hit
        return hit[0] >= dup_cut or (bool(hit[2]) and hit[2] != "rejected")

    def merge(i: int, j: int) -> bool:
        ri, rj = find(i), find(j)
        if ri == rj:
            return False
        mi = members.get(ri)
        if mi is None:
            mi = members[ri] = {preps[ri].system: [ri]}
        mj = members.get(rj)
        if mj is None:
            mj = members[rj] = {preps[rj].system: [rj]}
        for system, xs in mi.items():
            for x in xs:
                if x in cannot and any(find(y) == rj for y in cannot[x]):
                    return False
                for y in mj.get(system, ()):
                    if not same_system_ok(x, y):
                        return False
        if sum(map(len, mi.values())) < sum(map(len, mj.values())):
            ri, rj, mi, mj = rj, ri, mj, mi
        parent[rj] = ri
        for system, ys in mj.items():
            mi.setdefault(system, []).extend(ys)
        del members[rj]
        return True

    for _prio, _score, i, j in sorted(edges, key=lambda e: (-e[0], -e[1], e[2], e[3])):
        merge(i, j)

    if th.assign is None:
        return [find(i) for i in range(len(preps))]
    # one-to-one assumption: link a mid-score pair when each is the other's clear best
    cands: dict[tuple[int, str], list[tuple[float, int]]] = defaultdict(list)
    later: list[tuple[float, int, int]] = []
    for (i, j), (total, _levels, fired) in scored.items():
        if fired == "rejected":
            continue
        cands[(i, preps[j].system)].append((total, j))
        cands[(j, preps[i].system)].append((total, i))
        if not fired and forced.get((i, j)) is None and th.assign <= total < th.high:
            later.append((total, i, j))

    def clear_best(x: int, other: int) -> bool:
        """``other`` (or a record already clustered with x or other) is x's clear best."""
        rx, ro = find(x), find(other)
        best_score, best = max(cands[(x, preps[other].system)])
        if find(best) not in (rx, ro):
            return False
        runner = max(
            (sc for sc, k in cands[(x, preps[other].system)] if find(k) not in (rx, ro)), default=float("-inf")
        )
        return best_score - runner >= th.margin

    for _total, i, j in sorted(later, key=lambda e: (-e[0], e[1], e[2])):
        if find(i) != find(j) and clear_best(i, j) and clear_best(j, i):
            merge(i, j)
    return [find(i) for i in range(len(preps))]


def match_result(
    preps: list[_Prep],
    roots: list[int],
    scored: Mapping[tuple[int, int], tuple[float, tuple[str, ...], str]],
    forced: Mapping[tuple[int, int], bool],
    scorer: _Scorer,
    high: float,
    low: float,
    stats: dict[str, int],
) -> MatchResult:
    """The explained links, duplicates, review list and clusters of scored pairs and their roots."""
    links: list[PairMatch] = []
    dups: list[PairMatch] = []
    review: list[PairMatch] = []
    for (i, j), (total, levels, fired) in sorted(scored.items(), key=lambda kv: kv[0]):
        a, b = preps[i], preps[j]
        decided = forced.get((i, j))
        together = roots[i] == roots[j]
        if decided is False or fired == "rejected":
            continue
        if together:
            decision = "accepted" if decided else "rule" if fired else "auto" if total >= high else "assigned"
            rule = "decision" if decided else fired or ("score" if total >= high else "best_candidate")
            pm = PairMatch(a.key, b.key, total, rule, decision, scorer.signals(levels))
            (dups if a.system == b.system else links).append(pm)
        elif total >= low or fired:
            decision = "conflict" if (fired or total >= high) else "review"
            review.append(PairMatch(a.key, b.key, total, fired or "score", decision, scorer.signals(levels)))
    groups: dict[int, list[RecordKey]] = defaultdict(list)
    for i, r in enumerate(roots):
        groups[r].append(preps[i].key)
    clusters = sorted(tuple(sorted(g)) for g in groups.values())
    stats = dict(stats, links=len(links), duplicates=len(dups), review=len(review), clusters=len(clusters))
    return MatchResult(tuple(links), tuple(dups), tuple(review), tuple(clusters), stats)


#: separator of a blocking key's parts (its name, then feature values) in the stored match keys
BLOCK_SEP = "\x1f"


def _record_keys(preps: list[_Prep], config: MatchConfig) -> Iterator[tuple[RecordKey, tuple[str, ...]]]:
    specs = _block_specs(config, (1, 2))
    multi = _multi_positions(config)
    for p in preps:
        yield p.key, tuple(dict.fromkeys(BLOCK_SEP.join(map(str, k)) for k in _block_keys(p, specs, multi)))


def block_keys(records: Iterable[PartyRecord], config: MatchConfig) -> dict[RecordKey, tuple[str, ...]]:
    """Every blocking key of each record (both stages), as text: ``name``, then the feature
    values, joined by ``BLOCK_SEP``. Stored between runs, they tell an incremental run which
    blocks a changed record left or joined."""
    with gc_paused():
        return dict(_record_keys(_prepare_all(records, config), config))


def key_caps(config: MatchConfig) -> dict[str, int]:
    """Blocking key name -> the block size above which the block is skipped."""
    return {bk.name: bk.max_block for bk in config.blocking}


def affected_records(
    records: Iterable[PartyRecord], changed: Iterable[RecordKey], config: MatchConfig
) -> frozenset[RecordKey]:
    """Keys of the records sharing a (non-oversized) block with any changed record.

    Re-running :func:`match_parties` on these records (plus the members of their current
    clusters) re-decides everything a change can affect, without re-matching the rest.
    """
    preps = _prepare_all(records, config)
    wanted = set(changed)
    blocks, _ = _blocks(preps, config)
    hit = {i for i, p in enumerate(preps) if p.key in wanted}
    out = {preps[i].key for i in hit}
    for members in blocks.values():
        if hit.intersection(members):
            out.update(preps[m].key for m in members)
    return frozenset(out)
