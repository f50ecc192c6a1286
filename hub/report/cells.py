"""Cell values for people and spreadsheets: formatting by kind, and formula-injection neutralising.

Every string written to a spreadsheet or CSV cell passes through :func:`safe_text`: text that a
spreadsheet would run as a formula (starting with ``= + - @``, a tab or a line break, also in
their full-width forms, or after leading spaces) gets a leading apostrophe, and control
characters a workbook cannot hold are dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = ["safe_text", "format_value", "plain_value", "money", "ratio"]

_TRIGGERS = frozenset("=+-@\t\r\n＝＋－＠")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
CENT = Decimal("0.01")


def safe_text(text: str) -> str:
    """``text`` made inert for spreadsheets (see the module docstring)."""
    text = _CONTROL.sub("", text)
    if not text:
        return text
    first = text.lstrip(" \u3000")[:1] or text[:1]
    if text[0] in _TRIGGERS or first in _TRIGGERS:
        return "'" + text
    return text


def money(value: Decimal | int | None) -> Decimal:
    """A money amount rounded to cents (None counts as 0)."""
    return (Decimal(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part / whole to 4 decimals, or None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def format_value(value: Any, kind: str) -> str:
    """``value`` as shown to people: thousands separators, 2-decimal money, percentages, ISO dates."""
    if value is None or value == "":
        return ""
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "qty":
        d = Decimal(value)
        return f"{d:,.0f}" if d == d.to_integral_value() else f"{d.normalize():,f}"
    if kind == "pct":
        return f"{Decimal(value) * 100:.1f} %"
    if kind == "date" and isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    if kind == "datetime" and isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def plain_value(value: Any, kind: str) -> str:
    """``value`` for a CSV cell: unformatted numbers (``1234.50``), ISO dates, inert text."""
    if value is None:
        return ""
    if kind == "money":
        return f"{Decimal(value):.2f}"
    if kind in ("int", "qty", "pct"):
        return (
            str(value) if not isinstance(value, Decimal) else format(value.normalize() if kind != "pct" else value, "f")
        )
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return safe_text(str(value))
