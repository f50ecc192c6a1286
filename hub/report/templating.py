"""The Jinja2 environment of the report templates (package data under ``hub/report/templates``), autoescaped."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from hub.report.cells import format_value
from hub.report.charts import svg

__all__ = ["environment"]

NUMERIC = frozenset({"int", "money", "qty", "pct"})


def _raw(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The shared, autoescaping template environment with the report filters."""
    env = Environment(
        loader=PackageLoader("hub.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters["fmt"] = format_value
    env.filters["raw"] = _raw
    env.filters["svg"] = svg
    env.filters["align"] = lambda kind: "num" if kind in NUMERIC else "date" if kind in ("date", "datetime") else "txt"
    return env
