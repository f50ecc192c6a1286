"""Phone numbers: normalise Chinese landline and mobile numbers in any usual notation to E.164.

``+86 21 5555 1234``, ``021-55551234``, ``02155551234``, ``(021) 5555-1234``, full-width digits
and ``+86-139...`` all become ``+862155551234`` / ``+86139...``. The common mainland shapes are
recognised directly (this runs for every record, so it must be fast); anything else goes
through ``phonenumbers`` with region CN, which also handles foreign numbers.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize_phone", "phone_keys"]

_EXT = re.compile(r"(?:ext\.?|x|转|分机)\s*\d+\s*$", re.IGNORECASE)
_SPLIT = re.compile(r"[/;,、，；]|\bor\b|或")
_NOT_DIGIT = re.compile(r"[^\d+]")


def normalize_phone(value: str | None, region: str = "CN") -> str | None:
    """E.164 form of the first number in ``value``, or ``None`` when there is none."""
    keys = phone_keys(value, region)
    return keys[0] if keys else None


def phone_keys(value: str | None, region: str = "CN") -> tuple[str, ...]:
    """E.164 forms of every number in ``value`` (a field may hold ``021-5555 1234/139...``)."""
    if not value:
        return ()
    text = unicodedata.normalize("NFKC", value).strip()
    out: list[str] = []
    for part in _SPLIT.split(text):
        part = _EXT.sub("", part.strip())
        if not part:
            continue
        e164 = _fast_cn(part) if region == "CN" else None
        if e164 is None:
            e164 = _via_phonenumbers(part, region)
        if e164 and e164 not in out:
            out.append(e164)
    return tuple(out)


def _fast_cn(part: str) -> str | None:
    digits = _NOT_DIGIT.sub("", part)
    plus = digits.startswith("+")
    digits = digits.lstrip("+")
    if plus or (digits.startswith("86") and len(digits) in (12, 13)):
        if not digits.startswith("86"):
            return None  # a foreign number: leave it to phonenumbers
        digits = digits[2:]
        if digits.startswith("0"):  # "+86 (0)21 ..."
            digits = digits[1:]
    elif digits.startswith("0"):
        digits = digits[1:]
    elif len(digits) == 11 and digits[0] == "1":
        pass
    else:
        return None  # local number without area code, or something unusual
    if len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789":
        return "+86" + digits
    # landline: 2-digit area code (10, 2x) + 8 digits, or 3-digit area code + 7/8 digits
    if digits[:1] in ("1", "2") and len(digits) == 10:
        return "+86" + digits
    if digits[:1] in "3456789" and len(digits) in (10, 11):
        return "+86" + digits
    return None


def _via_phonenumbers(part: str, region: str) -> str | None:
    import phonenumbers  # lazily: large metadata tables

    try:
        num = phonenumbers.parse(part, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
