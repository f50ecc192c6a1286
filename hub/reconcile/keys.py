"""Deterministic linking by exact keys (tax id, codes held in the other system, order references).

Pure functions: records in, clusters out. A key rule names a field on each side and how to
normalise it; records that share a normalised key value are linked (union-find), and every
link keeps the rule that made it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from hub.reconcile.crosswalk import Cluster, Member

__all__ = ["KeySide", "KeyRule", "NORMALISERS", "link_by_keys", "UnionFind"]

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")
_NON_DIGIT = re.compile(r"\D")


def _nfkc(v: str) -> str:
    return unicodedata.normalize("NFKC", v)


#: surnames read otherwise than the character's common reading (pypinyin has no surname mode)
_SURNAMES = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "查": "zha",
    "区": "ou",
    "仇": "qiu",
    "朴": "piao",
    "盖": "ge",
    "乐": "yue",
    "缪": "miao",
    "翟": "zhai",
    "召": "shao",
    "覃": "qin",
    "种": "chong",
    "秘": "bi",
    "尉": "yu",
    "员": "yun",
    "繁": "po",
    "句": "gou",
    "折": "she",
    "黑": "he",
}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _person_name(v: str) -> str:
    """A person's name as sorted toneless pinyin syllables: 李静, "Jing Li" and "LI Jing" agree
    (and 曾强 reads zeng qiang, as a surname)."""
    from hub.reconcile.normalize import pinyin_syllables

    v = _nfkc(v).strip().casefold()
    head = ""
    if len(v) >= 2 and v[0] in _SURNAMES and _CJK.match(v[1]):
        head, v = _SURNAMES[v[0]], v[1:]
    return " ".join(sorted(([head] if head else []) + list(pinyin_syllables(v))))


NORMALISERS: dict[str, Callable[[str], str]] = {
    "person_name": _person_name,
    "strip": str.strip,
    "upper": str.upper,
    "nfkc": _nfkc,
    "alnum": lambda v: _NON_ALNUM.sub("", v),
    "digits": lambda v: _NON_DIGIT.sub("", v),
    "lstrip_zeros": lambda v: v.lstrip("0"),
}


@dataclass(frozen=True, slots=True)
class KeySide:
    """Which records (system) and which of their fields hold the key."""

    system: str
    field: str


@dataclass(frozen=True, slots=True)
class KeyRule:
    """Link a left record to a right record whose normalised key values are equal."""

    name: str
    left: KeySide
    right: KeySide
    normalize: tuple[str, ...] = ("nfkc", "strip", "upper")
    min_length: int = 1
    #: only for records the earlier rules left without a partner, and only when the value
    #: names exactly one such record on each side (for weak keys such as people's names)
    fallback: bool = False

    def norm(self, value: object) -> str | None:
        if value is None:
            return None
        v = str(value)
        for n in self.normalize:
            v = NORMALISERS[n](v)
        return v if len(v) >= self.min_length else None


class UnionFind:
    """Disjoint sets over hashable items, with path halving."""

    def __init__(self) -> None:
        self.parent: dict[Member, Member] = {}

    def add(self, x: Member) -> None:
        self.parent.setdefault(x, x)

    def find(self, x: Member) -> Member:
        p = self.parent
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a: Member, b: Member) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        return True

    def groups(self) -> list[tuple[Member, ...]]:
        out: dict[Member, list[Member]] = {}
        for x in self.parent:
            out.setdefault(self.find(x), []).append(x)
        return [tuple(sorted(v)) for v in out.values()]


def link_by_keys(records: Mapping[str, Iterable[Mapping[str, object]]], rules: Sequence[KeyRule]) -> list[Cluster]:
    """Clusters of ``records`` (system -> rows with ``external_id`` and fields) linked by ``rules``."""
    uf = UnionFind()
    rows: dict[str, list[Mapping[str, object]]] = {s: list(r) for s, r in records.items()}
    for system, rs in rows.items():
        for r in rs:
            uf.add((system, str(r["external_id"])))
    why: dict[Member, tuple[str, float | None, dict[str, object] | None]] = {}
    for rule in rules:
        index: dict[str, list[Member]] = {}
        for r in rows.get(rule.right.system, ()):
            m = (rule.right.system, str(r["external_id"]))
            k = rule.norm(r.get(rule.right.field)) if not (rule.fallback and m in why) else None
            if k is not None:
                index.setdefault(k, []).append(m)
        left: list[tuple[str, Member]] = []
        for r in rows.get(rule.left.system, ()):
            m = (rule.left.system, str(r["external_id"]))
            k = rule.norm(r.get(rule.left.field)) if not (rule.fallback and m in why) else None
            if k is not None and k in index:
                left.append((k, m))
        if rule.fallback:  # a value naming several records on either side links none of them
            seen: dict[str, int] = {}
            for k, _m in left:
                seen[k] = seen.get(k, 0) + 1
            left = [(k, m) for k, m in left if seen[k] == 1 and len(index[k]) == 1]
        for k, me in left:
            for other in index[k]:
                if other == me:
                    continue
                uf.union(me, other)
                expl: dict[str, object] = {
                    "rule": rule.name,
                    "key": k,
                    "left": f"{me[0]}:{me[1]}",
                    "right": f"{other[0]}:{other[1]}",
                }
                why.setdefault(me, (rule.name, 1.0, expl))
                why.setdefault(other, (rule.name, 1.0, expl))
    return [Cluster(members=g, why={m: why[m] for m in g if m in why}) for g in uf.groups()]
