"""Blocking keys on any field: transforms (prefix, phonetic, pinyin, date parts) and candidate pairs.

Records sharing every key value of a rule form a block; blocks above the rule's ``max_block``
are skipped and reported (too common to discriminate), so the work stays near-linear.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

import jellyfish

from hub.reconcile.compare.kinds import fold_text
from hub.reconcile.persons.names import fold_name, pinyin_name

__all__ = ["TRANSFORMS", "candidate_pairs", "key_function"]

_DIGITS = re.compile(r"\D")
_NON_ALNUM = re.compile(r"[^0-9a-z]")


def _date_digits(v: str) -> str:
    d = _DIGITS.sub("", v[:10])
    return d if len(d) == 8 else ""


def _phonetic(fn: Callable[[str], str]) -> Callable[[str], str]:
    def key(v: str) -> str:
        word = re.sub(r"[^a-z]", "", fold_name(v))
        return fn(word) if word else ""

    return key


#: transform name -> function of the folded text (``length`` applies to ``prefix`` only)
TRANSFORMS: dict[str, Callable[[str], str]] = {
    "exact": lambda v: v,
    "alnum": lambda v: _NON_ALNUM.sub("", v),
    "digits": lambda v: _DIGITS.sub("", v),
    "soundex": _phonetic(jellyfish.soundex),
    "metaphone": _phonetic(jellyfish.metaphone),
    "nysiis": _phonetic(jellyfish.nysiis),
    "pinyin": lambda v: pinyin_name(v).replace(" ", ""),
    "sorted_tokens": lambda v: " ".join(sorted(fold_name(v).split())),
    "first_token": lambda v: (v.split() or [""])[0],
    "last_token": lambda v: (v.split() or [""])[-1],
    "year": lambda v: _date_digits(v)[:4],
    "month": lambda v: _date_digits(v)[4:6],
    "day": lambda v: _date_digits(v)[6:],
    "year_month": lambda v: _date_digits(v)[:6],
    "month_day": lambda v: _date_digits(v)[4:],
}


def _prefix(fn: Callable[[str], str], n: int) -> Callable[[str], str]:
    """The first ``n`` characters of ``fn``'s key ("" when it is shorter: no block)."""

    def key(v: str) -> str:
        out = fn(v)
        return out[:n] if len(out) >= n else ""

    return key


def key_function(keys: Sequence[Any]) -> Callable[[Mapping[str, Any]], tuple[str, ...] | None]:
    """Record -> the rule's key tuple, or None when any part is empty (no block)."""
    parts = []
    for k in keys:
        fn = TRANSFORMS[k.transform]
        if k.length:
            fn = _prefix(fn, k.length)
        parts.append((k.field, fn))

    def key(rec: Mapping[str, Any]) -> tuple[str, ...] | None:
        out = []
        for field, fn in parts:
            v = fold_text(rec.get(field))
            v = fn(v) if v else ""
            if not v:
                return None
            out.append(v)
        return tuple(out)

    return key


def _columns(records: Sequence[Mapping[str, Any]]) -> Callable[[Any], list[str]]:
    """Key part -> its value for every record, computed once per (field, transform, length)
    and shared by every rule that uses it (transforms memoised per distinct value)."""
    folded: dict[str, list[str]] = {}
    done: dict[tuple[str, str, int | None], list[str]] = {}

    def column(k: Any) -> list[str]:
        spec = (k.field, k.transform, k.length)
        out = done.get(spec)
        if out is None:
            raw = folded.get(k.field)
            if raw is None:
                raw = folded[k.field] = [fold_text(r.get(k.field)) for r in records]
            fn = TRANSFORMS[k.transform]
            if k.length:
                fn = _prefix(fn, k.length)
            memo: dict[str, str] = {"": ""}
            out = []
            for v in raw:
                x = memo.get(v)
                if x is None:
                    x = memo[v] = fn(v) or ""
                out.append(x)
            done[spec] = out
        return out

    return column


def candidate_pairs(
    records: Sequence[Mapping[str, Any]], rules: Iterable[Any], systems: Sequence[str], link_only: bool
) -> tuple[set[tuple[int, int]], dict[str, dict[str, int]]]:
    """Candidate pairs (index pairs, i < j) of every rule, and per-rule statistics: blocks,
    pairs (new to the union), oversize blocks skipped and the largest skipped size."""
    pairs: set[tuple[int, int]] = set()
    stats: dict[str, dict[str, int]] = {}
    column = _columns(records)
    for rule in rules:
        blocks: dict[tuple[str, ...], list[int]] = {}
        for i, k in enumerate(zip(*(column(part) for part in rule.keys))):
            if all(k):
                blocks.setdefault(k, []).append(i)
        st = {"blocks": 0, "pairs": 0, "new_pairs": 0, "oversize_blocks": 0, "largest_skipped": 0}
        before = len(pairs)
        for members in blocks.values():
            if len(members) < 2:
                continue
            if len(members) > rule.max_block:
                st["oversize_blocks"] += 1
                st["largest_skipped"] = max(st["largest_skipped"], len(members))
                continue
            st["blocks"] += 1
            for i, j in combinations(members, 2):
                if link_only and systems[i] == systems[j]:
                    continue
                st["pairs"] += 1
                pairs.add((i, j))
        st["new_pairs"] = len(pairs) - before
        stats[rule.name] = st
    return pairs, stats
