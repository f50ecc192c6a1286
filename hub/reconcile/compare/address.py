"""Street addresses in Latin script: numbers, street name and street type, for comparison.

Street types are canonicalised ("crescent", "cres" and "cr" all read ``cres``), so "12 Hope
Crescent" equals "12 hope cres". Chinese addresses keep their house numbers and road as the
company matcher reads them (:func:`hub.reconcile.normalize.address_key`).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from rapidfuzz import fuzz

from hub.reconcile.normalize import address_key, has_cjk

__all__ = ["STREET_TYPES", "StreetKey", "compare_address", "street_key"]

#: canonical street type -> the spellings that stand for it
STREET_TYPES: dict[str, str] = {
    spelling: canon
    for canon, spellings in {
        "st": "st street str",
        "rd": "rd road",
        "ave": "ave av avenue",
        "pl": "pl place plc",
        "cres": "cres crescent cr crs",
        "cct": "cct circuit cir circ",
        "cl": "cl close",
        "dr": "dr drive drv",
        "ct": "ct court crt",
        "ln": "ln lane",
        "tce": "tce terrace terr",
        "pde": "pde parade",
        "hwy": "hwy highway",
        "blvd": "blvd boulevard bvd",
        "sq": "sq square",
        "way": "way wy",
        "gr": "gr grove",
        "esp": "esp esplanade",
        "cir": "circle",
        "pkwy": "pkwy parkway",
        "mews": "mews",
        "row": "row",
        "walk": "walk wlk",
        "loop": "loop",
        "rise": "rise",
        "vale": "vale",
        "view": "view vw",
        "gdns": "gdns gardens",
        "hts": "hts heights",
        "mall": "mall",
    }.items()
    for spelling in spellings.split()
}
_TOKEN = re.compile(r"[a-z]+|\d+")


class StreetKey(NamedTuple):
    """An address as compared: its numbers, street-name words and canonical street types."""

    numbers: tuple[str, ...]
    words: tuple[str, ...]
    types: tuple[str, ...]
    text: str


def street_key(value: str) -> StreetKey:
    """Numbers, words and street types of an address (Chinese: house numbers and road)."""
    if has_cjk(value):
        ak = address_key(value)
        return StreetKey(tuple(map(str, ak.numbers)), (ak.road,) if ak.road else (), (), ak.road)
    tokens = _TOKEN.findall(value.casefold())
    numbers = tuple(t for t in tokens if t.isdigit())
    words: list[str] = []
    types: list[str] = []
    for t in tokens:
        if t.isdigit():
            continue
        canon = STREET_TYPES.get(t)
        (types if canon else words).append(canon or t)
    return StreetKey(numbers, tuple(words), tuple(types), " ".join(words + types))


def compare_address(a: StreetKey, b: StreetKey) -> int:
    """Level index: exact, numbers_street, street, numbers, close, mismatch."""
    same_numbers = bool(a.numbers) and a.numbers == b.numbers
    same_street = bool(a.words) and a.words == b.words
    if same_numbers and same_street and a.types == b.types:
        return 0
    if same_numbers and same_street:
        return 1
    if same_street:
        return 2
    if same_numbers:
        return 3
    if a.text and b.text and fuzz.token_set_ratio(a.text, b.text) >= 90:
        return 4
    return 5
