"""The comparison library: every kind on any field, its levels, missing values."""

from __future__ import annotations

import pytest

from hub.reconcile.compare.config import Comparison
from hub.reconcile.compare.kinds import compile_comparison


def level(spec: dict, a: str | None, b: str | None, field: str = "v") -> str:
    comp = compile_comparison(Comparison(**spec))
    x, y = comp.prepare({field: a}), comp.prepare({field: b})
    if x is None or y is None:
        return "missing"
    return comp.levels[comp.compare(x, y)]


def test_exact_reads_the_named_field_folded() -> None:
    assert level({"kind": "exact", "field": "v"}, " NSW ", "nsw") == "exact"
    assert level({"kind": "exact", "field": "v"}, "nsw", "vic") == "mismatch"
    assert level({"kind": "exact", "field": "v"}, "", "vic") == "missing"
    comp = compile_comparison(Comparison(kind="exact", field="state"))
    assert comp.prepare({"v": "nsw"}) is None and comp.prepare({"state": "nsw"}) == "nsw"


def test_jaro_winkler_and_distance_ladders() -> None:
    jw = {"kind": "jaro_winkler", "field": "v", "thresholds": [0.9, 0.8]}
    assert compile_comparison(Comparison(**jw)).levels == ("exact", "jw>=0.9", "jw>=0.8", "mismatch")
    assert level(jw, "michaela", "micheala") == "jw>=0.9"
    assert level(jw, "martha", "marhta") == "jw>=0.9"
    assert level(jw, "smith", "jones") == "mismatch"
    dl = {"kind": "damerau", "field": "v", "thresholds": [1, 2]}
    assert level(dl, "5304218", "5302418") == "dl<=1"  # a transposition is one edit
    assert level(dl, "5304218", "5304200") == "dl<=2"
    lev = {"kind": "levenshtein", "field": "v", "thresholds": [1]}
    assert level(lev, "5304218", "5302418") == "mismatch"  # two edits without transpositions


def test_tokens() -> None:
    assert level({"kind": "token_set", "field": "v"}, "hope street north", "north hope street") == "token_set>=0.9"
    assert level({"kind": "token_sort", "field": "v"}, "jing li", "li jing") == "token_sort>=0.9"


@pytest.mark.parametrize(
    ("a", "b", "want"),
    [
        ("19561005", "19561005", "exact"),
        ("19560510", "19561005", "transposed"),
        ("19561005", "19561006", "one_edit"),
        ("19561231", "19571001", "within_1y"),
        ("19561005", "19801005", "mismatch"),
        ("1956-10-05", "19561005", "exact"),
        ("19561345", "19561355", "one_edit"),  # not a day at all, still one digit apart
    ],
)
def test_dates(a: str, b: str, want: str) -> None:
    assert level({"kind": "date", "field": "v", "years": [1]}, a, b) == want


def test_dates_with_format_and_days() -> None:
    spec = {"kind": "date", "field": "v", "format": "%d/%m/%Y", "days": [30]}
    assert level(spec, "05/10/1956", "20/10/1956") == "within_30d"


def test_numbers_absolute_and_relative() -> None:
    spec = {"kind": "number", "field": "v", "thresholds": [1], "relative": [0.05]}
    assert level(spec, "100", "100.0") == "exact"
    assert level(spec, "100", "100.5") == "abs<=1"
    assert level(spec, "100", "104") == "rel<=0.05"
    assert level(spec, "100", "120") == "mismatch"
    assert level(spec, "n/a", "120") == "missing"


def test_identifiers_normalised() -> None:
    assert level({"kind": "postcode", "field": "v", "prefix": 2}, "SW1A 1AA", "sw1a1aa") == "exact"
    assert level({"kind": "postcode", "field": "v", "prefix": 2}, "4223", "4299") == "prefix2"
    assert level({"kind": "phone", "field": "v"}, "021-6234 5678", "+86 21 62345678") == "exact"
    assert level({"kind": "email", "field": "v"}, "Jing.Li@Gmail.com", "jingli+crm@gmail.com") == "exact"
    assert level({"kind": "email", "field": "v"}, "jli@a.com", "jli@b.com") == "same_local"
    assert level({"kind": "array", "field": "v", "thresholds": [2, 1]}, "a,b,c", "c, b") == "shared>=2"


def test_person_names_swap_nickname_initial_and_pinyin() -> None:
    spec = {"kind": "person_name", "fields": ["g", "f"]}
    comp = compile_comparison(Comparison(**spec))

    def lv(a: tuple[str, str], b: tuple[str, str]) -> str:
        x = comp.prepare({"g": a[0], "f": a[1]})
        y = comp.prepare({"g": b[0], "f": b[1]})
        return comp.levels[comp.compare(x, y)]

    assert lv(("Hope", "Smith"), ("hope", "smith")) == "exact"  # no company-word rewriting
    assert lv(("smith", "hope"), ("hope", "smith")) == "swapped"
    assert lv(("bob", "smith"), ("robert", "smith")) == "nickname_or_initial"
    assert lv(("j", "smith"), ("john", "smith")) == "nickname_or_initial"
    assert lv(("jing", "li"), ("静", "李")) == "exact"
    assert lv(("anna", "smith"), ("zoe", "smith")) == "family_only"


def test_company_name_tax_id_and_address_as_named_kinds() -> None:
    assert level({"kind": "company_name", "field": "v"}, "上海华信贸易有限公司", "Shanghai Huaxin Trading Co Ltd") in (
        "exact",
        "strong",
    )
    assert level({"kind": "tax_id", "field": "v"}, "91310000MA1FL8XQ30", "91310000ma1fl8xq30") in ("exact", "body")
    addr = {"kind": "address", "field": "v"}
    assert level(addr, "12 Hope Crescent", "12 hope cres") == "exact"
    for long, short in (("place", "pl"), ("circuit", "cct"), ("close", "cl"), ("drive", "dr"), ("court", "ct")):
        assert level(addr, f"8 Banks {long}", f"8 banks {short}") == "exact"
    assert level(addr, "8 banks drive", "8 banks court") == "numbers_street"
    assert level(addr, "8 banks drive", "9 banks drive") == "street"
