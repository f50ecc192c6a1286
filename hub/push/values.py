"""Normalised text form of typed values, so values from different systems compare and store alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["norm"]


def _decimal_text(d: Decimal) -> str:
    text = format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f").rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def norm(value: Any) -> str | None:
    """``None`` for missing/blank; exact decimals without trailing zeros; ISO dates; UTC ISO datetimes."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, (int, float)):
        try:
            return _decimal_text(Decimal(repr(value)))
        except InvalidOperation:
            return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None
