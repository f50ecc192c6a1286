"""The comparison library: named kinds that compare any field of two records into levels.

Each kind compiles a :class:`~hub.reconcile.compare.config.Comparison` into a
:class:`Compiled`: the level names (best first; ``missing`` is implicit and weighs nothing),
``prepare`` (record -> comparable value, or None when missing; run once per record) and
``compare`` (two prepared values -> level index). Pure functions, no I/O.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler, Levenshtein

from hub.reconcile.compare.address import compare_address, street_key
from hub.reconcile.ids import normalize_tax_id
from hub.reconcile.names import NAME_LEVELS, compare_names, parse_name
from hub.reconcile.persons.names import PERSON_LEVELS, compare_person, fold_name, pinyin_name
from hub.reconcile.phones import phone_keys

__all__ = ["KINDS", "KIND_OPTIONS", "MULTI_FIELD_KINDS", "TF_KINDS", "Compiled", "compile_comparison", "fold_text"]

MISSING = -1


@dataclass(frozen=True)
class Compiled:
    """A comparison ready to run: levels, per-record preparation, pairwise comparison."""

    name: str
    kind: str
    levels: tuple[str, ...]
    prepare: Callable[[Mapping[str, Any]], Any]
    compare: Callable[[Any, Any], int]
    #: the value term frequencies are counted on (None: the kind has no single value)
    tf_key: Callable[[Any], Hashable] | None = None


_SPACES = re.compile(r"\s+")


def fold_text(value: Any) -> str:
    """NFKC, case-folded, trimmed, single-spaced text ("" for None)."""
    if value is None or value == "":
        return ""
    return _fold(value if isinstance(value, str) else str(value))


@functools.lru_cache(maxsize=1 << 17)
def _fold(text: str) -> str:
    # values repeat a lot across records (names, places, postcodes): fold each once
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _one(field: str, norm: Callable[[str], Any]) -> Callable[[Mapping[str, Any]], Any]:
    def prepare(rec: Mapping[str, Any]) -> Any:
        v = fold_text(rec.get(field))
        return norm(v) if v else None

    return prepare


def _identity(v: str) -> str:
    return v


def _ladder(names: list[str], tests: list[Callable[[Any, Any], bool]]) -> Callable[[Any, Any], int]:
    """compare: first passing test's level index, else the last level (mismatch)."""
    last = len(names)

    def compare(a: Any, b: Any) -> int:
        for i, test in enumerate(tests):
            if test(a, b):
                return i
        return last

    return compare


def _fmt(x: float) -> str:
    return f"{x:g}"


# --------------------------------------------------------------------------- string kinds
def _exact(c: Any) -> Compiled:
    return Compiled(
        c.label, c.kind, ("exact", "mismatch"), _one(c.field, _identity), lambda a, b: 0 if a == b else 1, _identity
    )


def _similarity(c: Any, tag: str, sim: Callable[[str, str], float], default: tuple[float, ...]) -> Compiled:
    cuts = tuple(sorted(c.thresholds or default, reverse=True))
    names = ["exact"] + [f"{tag}>={_fmt(t)}" for t in cuts]
    tests: list[Callable[..., bool]] = [lambda a, b: a == b]
    tests += [lambda a, b, t=t: sim(a, b) >= t for t in cuts]
    return Compiled(c.label, c.kind, (*names, "mismatch"), _one(c.field, _identity), _ladder(names, tests), _identity)


def _distance(c: Any, tag: str, dist: Callable[..., int], default: tuple[float, ...]) -> Compiled:
    cuts = tuple(sorted(int(t) for t in (c.thresholds or default)))
    names = ["exact"] + [f"{tag}<={t}" for t in cuts]
    top = cuts[-1]
    tests: list[Callable[..., bool]] = [lambda a, b: a == b]
    tests += [lambda a, b, t=t: dist(a, b, score_cutoff=top) <= t for t in cuts]
    return Compiled(c.label, c.kind, (*names, "mismatch"), _one(c.field, _identity), _ladder(names, tests), _identity)


def _jaro_winkler(c: Any) -> Compiled:
    return _similarity(c, "jw", JaroWinkler.normalized_similarity, (0.92, 0.8))


def _levenshtein(c: Any) -> Compiled:
    return _distance(c, "lev", Levenshtein.distance, (1, 2))


def _damerau(c: Any) -> Compiled:
    return _distance(c, "dl", DamerauLevenshtein.distance, (1, 2))


def _token_set(c: Any) -> Compiled:
    return _similarity(c, "token_set", lambda a, b: fuzz.token_set_ratio(a, b) / 100, (0.9,))


def _token_sort(c: Any) -> Compiled:
    return _similarity(c, "token_sort", lambda a, b: fuzz.token_sort_ratio(a, b) / 100, (0.9,))


# --------------------------------------------------------------------------- dates and numbers
_DIGITS = re.compile(r"\D")


def _parse_date(text: str, fmt: str | None) -> tuple[str, dt.date | None] | None:
    """(the date's 8 digits YYYYMMDD, the date or None when it is no valid day)."""
    if fmt == "%Y%m%d" and len(text) == 8 and text.isascii() and text.isdigit():
        fmt = None  # the digit path below reads exactly this form, without strptime's cost
    if fmt:
        try:
            d = dt.datetime.strptime(text, fmt).date()
            return d.strftime("%Y%m%d"), d
        except ValueError:
            digits = _DIGITS.sub("", text)
            return (digits, None) if digits else None
    digits = _DIGITS.sub("", text[:10])
    if len(digits) != 8:
        return (digits, None) if digits else None
    try:
        return digits, dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return digits, None


def _date(c: Any) -> Compiled:
    names = ["exact", "transposed", "one_edit"]
    names += [f"within_{d}d" for d in sorted(c.days)] + [f"within_{y}y" for y in sorted(c.years)]
    days = sorted(c.days)
    years = sorted(c.years)

    def transposed(a: Any, b: Any) -> bool:
        x, y = a[1], b[1]
        return x is not None and y is not None and x.year == y.year and x.month == y.day and x.day == y.month and x != y

    tests: list[Callable[..., bool]] = [
        lambda a, b: a[0] == b[0],
        transposed,
        lambda a, b: DamerauLevenshtein.distance(a[0], b[0], score_cutoff=1) <= 1,
    ]
    for n in days:
        tests.append(lambda a, b, n=n: a[1] is not None and b[1] is not None and abs((a[1] - b[1]).days) <= n)
    for n in years:
        tests.append(lambda a, b, n=n: a[1] is not None and b[1] is not None and abs((a[1] - b[1]).days) <= 365.25 * n)
    fmt = c.format
    return Compiled(
        c.label,
        c.kind,
        (*names, "mismatch"),
        _one(c.field, lambda v: _parse_date(v, fmt)),
        _ladder(names, tests),
        lambda v: v[0],
    )


def _number(c: Any) -> Compiled:
    def norm(v: str) -> float | None:
        try:
            return float(v.replace(",", ""))
        except ValueError:
            return None

    absolute = sorted(c.thresholds)
    relative = sorted(c.relative)
    names = ["exact"] + [f"abs<={_fmt(t)}" for t in absolute] + [f"rel<={_fmt(r)}" for r in relative]
    tests: list[Callable[..., bool]] = [lambda a, b: a == b]
    tests += [lambda a, b, t=t: abs(a - b) <= t for t in absolute]
    tests += [lambda a, b, r=r: abs(a - b) <= r * max(abs(a), abs(b)) for r in relative]
    field = c.field

    def prepare(rec: Mapping[str, Any]) -> float | None:
        v = fold_text(rec.get(field))
        return norm(v) if v else None

    return Compiled(c.label, c.kind, (*names, "mismatch"), prepare, _ladder(names, tests), _identity)


# --------------------------------------------------------------------------- normalised identifiers
_NON_ALNUM = re.compile(r"[^0-9a-z]")


def _postcode(c: Any) -> Compiled:
    names = ["exact"] + ([f"prefix{c.prefix}"] if c.prefix else [])
    tests: list[Callable[..., bool]] = [lambda a, b: a == b]
    if c.prefix:
        n = c.prefix
        tests.append(lambda a, b: a[:n] == b[:n])
    return Compiled(
        c.label,
        c.kind,
        (*names, "mismatch"),
        _one(c.field, lambda v: _NON_ALNUM.sub("", v) or None),
        _ladder(names, tests),
        _identity,
    )


def _phone(c: Any) -> Compiled:
    region = c.region
    return Compiled(
        c.label,
        c.kind,
        ("exact", "mismatch"),
        _one(c.field, lambda v: frozenset(phone_keys(v, region)) or None),
        lambda a, b: 0 if a & b else 1,
    )


def _email(c: Any) -> Compiled:
    def norm(v: str) -> tuple[str, str] | None:
        local, _, domain = v.replace(" ", "").partition("@")
        local = local.split("+", 1)[0]
        if domain in ("gmail.com", "googlemail.com"):
            local, domain = local.replace(".", ""), "gmail.com"
        return (local, domain) if local and domain else None

    return Compiled(
        c.label,
        c.kind,
        ("exact", "same_local", "mismatch"),
        _one(c.field, norm),
        lambda a, b: 0 if a == b else 1 if a[0] == b[0] else 2,
        lambda v: "@".join(v),
    )


def _array(c: Any) -> Compiled:
    sep = c.separator
    shared = sorted((int(t) for t in (c.thresholds or (1,))), reverse=True)
    names = ["exact"] + [f"shared>={t}" for t in shared]
    tests: list[Callable[..., bool]] = [lambda a, b: a == b]
    tests += [lambda a, b, t=t: len(a & b) >= t for t in shared]

    def norm(v: str) -> frozenset[str] | None:
        return frozenset(x.strip() for x in v.split(sep) if x.strip()) or None

    return Compiled(c.label, c.kind, (*names, "mismatch"), _one(c.field, norm), _ladder(names, tests))


# --------------------------------------------------------------------------- names, ids, addresses
def _person_name(c: Any) -> Compiled:
    cut = c.thresholds[0] if c.thresholds else 0.9
    nick = {fold_name(k): fold_name(v) for k, v in c.nicknames.items()}
    if c.fields:
        given, family = c.fields

        def prepare(rec: Mapping[str, Any]) -> tuple[str, str] | None:
            g, f = fold_name(str(rec.get(given) or "")), fold_name(str(rec.get(family) or ""))
            return (g, f) if g or f else None
    else:
        field = c.field

        def prepare(rec: Mapping[str, Any]) -> tuple[str, str] | None:
            words = fold_name(str(rec.get(field) or "")).split()
            if not words:
                return None
            return (" ".join(words[:-1]), words[-1]) if len(words) > 1 else ("", words[0])

    return Compiled(
        c.label, c.kind, PERSON_LEVELS, prepare, lambda a, b: compare_person(a[0], a[1], b[0], b[1], cut, nick)
    )


_COMPANY_LEVELS = tuple(x for x in NAME_LEVELS if x != "missing")


def _company_name(c: Any) -> Compiled:
    index = {lv: i for i, lv in enumerate(_COMPANY_LEVELS)}
    return Compiled(
        c.label,
        c.kind,
        _COMPANY_LEVELS,
        _one(c.field, lambda v: parse_name(v) if v else None),
        lambda a, b: index.get(compare_names(a, b)[0], len(_COMPANY_LEVELS) - 1),
    )


def _pinyin(c: Any) -> Compiled:
    cut = c.thresholds[0] if c.thresholds else 0.9
    return Compiled(
        c.label,
        c.kind,
        ("exact", f"jw>={_fmt(cut)}", "mismatch"),
        _one(c.field, lambda v: pinyin_name(v) or None),
        _ladder(["exact", "close"], [lambda a, b: a == b, lambda a, b: JaroWinkler.normalized_similarity(a, b) >= cut]),
        _identity,
    )


def _tax_id(c: Any) -> Compiled:
    def compare(a: Any, b: Any) -> int:
        if a.value == b.value:
            return 0 if a.valid else 1
        if a.body and a.body == b.body:
            return 1
        return 2 if (a.valid and b.valid) else 3

    return Compiled(
        c.label, c.kind, ("exact", "body", "mismatch", "mismatch_unverified"), _one(c.field, normalize_tax_id), compare
    )


def _address(c: Any) -> Compiled:
    fields = c.fields or (c.field,)

    def prepare(rec: Mapping[str, Any]) -> Any:
        text = " ".join(str(rec.get(f) or "") for f in fields).strip()
        return street_key(text) if text else None

    return Compiled(
        c.label, c.kind, ("exact", "numbers_street", "street", "numbers", "close", "mismatch"), prepare, compare_address
    )


KINDS: dict[str, Callable[[Any], Compiled]] = {
    "exact": _exact,
    "jaro_winkler": _jaro_winkler,
    "levenshtein": _levenshtein,
    "damerau": _damerau,
    "token_set": _token_set,
    "token_sort": _token_sort,
    "date": _date,
    "number": _number,
    "postcode": _postcode,
    "phone": _phone,
    "email": _email,
    "array": _array,
    "person_name": _person_name,
    "company_name": _company_name,
    "pinyin": _pinyin,
    "tax_id": _tax_id,
    "address": _address,
}
#: options each kind reads (besides field/fields/name/weights); any other option set is an error
KIND_OPTIONS: dict[str, frozenset[str]] = {
    "exact": frozenset(),
    "jaro_winkler": frozenset({"thresholds"}),
    "levenshtein": frozenset({"thresholds"}),
    "damerau": frozenset({"thresholds"}),
    "token_set": frozenset({"thresholds"}),
    "token_sort": frozenset({"thresholds"}),
    "date": frozenset({"days", "years", "format"}),
    "number": frozenset({"thresholds", "relative"}),
    "postcode": frozenset({"prefix"}),
    "phone": frozenset({"region"}),
    "email": frozenset(),
    "array": frozenset({"thresholds", "separator"}),
    "person_name": frozenset({"thresholds", "nicknames"}),
    "company_name": frozenset(),
    "pinyin": frozenset({"thresholds"}),
    "tax_id": frozenset(),
    "address": frozenset(),
}
#: kinds whose prepared value is one value, so term frequencies can be counted on it
TF_KINDS = frozenset(
    {
        "exact",
        "jaro_winkler",
        "levenshtein",
        "damerau",
        "token_set",
        "token_sort",
        "date",
        "number",
        "postcode",
        "email",
        "pinyin",
    }
)
#: kinds that may read several fields (``fields:``): the number they read
MULTI_FIELD_KINDS: dict[str, tuple[int, ...]] = {"person_name": (2,), "address": (1, 2, 3, 4)}


def compile_comparison(c: Any) -> Compiled:
    """The runnable form of one configured comparison."""
    return KINDS[c.kind](c)
