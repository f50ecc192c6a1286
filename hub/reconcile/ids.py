"""Tax ids: normalise and validate the unified social credit code (USCC, GB 32100-2015).

A USCC has 18 characters from ``0-9 A-H J-N P-R T U W X Y`` (no I, O, S, V, Z):

* 1 registration authority, 2 organisation category, 3-8 administrative division code,
* 9-17 the organisation code (GB 11714, whose 9th character is its own check),
* 18 the check character: ``31 - (sum(value_i * 3**i mod 31)) mod 31``.

Older tax registration numbers (15 or 20 characters) carry no check; they are normalised but
reported as not checksum-valid, so the matcher treats them as ordinary equal-or-not strings.
"""

from __future__ import annotations

import re
import unicodedata
from operator import mul
from typing import NamedTuple

__all__ = ["USCC_ALPHABET", "TaxId", "normalize_tax_id", "uscc_check_char", "is_valid_uscc", "org_code_valid"]

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_ALPHABET_SET = frozenset(USCC_ALPHABET)
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_JUNK = re.compile(r"[\s\-_./·]+")


class TaxId(NamedTuple):
    """A normalised tax id: ``value`` (upper, no separators), ``valid`` (USCC checksum ok)."""

    value: str
    valid: bool

    @property
    def is_uscc_shaped(self) -> bool:
        """18 characters, all from the USCC alphabet (the check may still be wrong)."""
        return len(self.value) == 18 and _ALPHABET_SET.issuperset(self.value)

    @property
    def body(self) -> str:
        """The first 17 characters of a USCC-shaped id (what a broken check char leaves intact)."""
        return self.value[:17] if self.is_uscc_shaped else ""


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters (ValueError if not in alphabet)."""
    if len(first17) != 17:
        raise ValueError(f"need 17 characters, got {len(first17)}")
    try:
        total = sum(map(mul, map(_VALUE.__getitem__, first17), _WEIGHTS))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not in the USCC alphabet") from None
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """True when ``code`` (already normalised) is 18 alphabet characters with a correct check."""
    if len(code) != 18 or not _ALPHABET_SET.issuperset(code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def org_code_valid(code: str) -> bool:
    """GB 11714 check of the organisation code held in USCC positions 9-17."""
    if len(code) != 18:
        return False
    org = code[8:17]
    total = 0
    for ch, w in zip(org[:8], _ORG_WEIGHTS):
        if ch.isdigit():
            total += int(ch) * w
        elif "A" <= ch <= "Z":
            total += (ord(ch) - 55) * w
        else:
            return False
    c9 = 11 - total % 11
    expected = "X" if c9 == 10 else "0" if c9 == 11 else str(c9)
    return org[8] == expected


def normalize_tax_id(value: str | None) -> TaxId | None:
    """Full-width -> half-width, separators removed, upper-cased; ``None`` when empty.

    ``valid`` is True only for an 18-character USCC whose check character is right.
    """
    if not value:
        return None
    if not value.isascii():  # ASCII is already NFKC
        value = unicodedata.normalize("NFKC", value)
    text = _JUNK.sub("", value).upper()
    if not text:
        return None
    return TaxId(text, is_valid_uscc(text))
