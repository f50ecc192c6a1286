"""The Jinja2 environment of the report templates (package data under ``hub/report/templates``), autoescaped."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from hub.report.cells import format_value
from hub.report.charts import svg
from hub.report.model import Table

__all__ = ["environment"]

NUMERIC = frozenset({"int", "money", "qty", "pct"})


def _raw(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _align(kind: str) -> str:
    return "num" if kind in NUMERIC else "date" if kind in ("date", "datetime") else "txt"


def _table_rows(table: Table) -> Markup:
    """The ``<tr>`` rows of a table's body, each cell formatted by its column's kind and escaped
    (one call per table: a template loop per cell is most of a large report's rendering time)."""
    cells = [(Markup('<td class="{}" data-col="{}">').format(_align(c.kind), c.key), c.kind) for c in table.columns]
    out = []
    for row in table.rows:
        out.append("<tr>")
        for (td, kind), value in zip(cells, row):
            out.append(td)
            out.append(escape(format_value(value, kind)))
            out.append("</td>")
        out.append("</tr>\n    ")
    return Markup("".join(out))


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
    env.filters["align"] = _align
    env.filters["table_rows"] = _table_rows
    return env
