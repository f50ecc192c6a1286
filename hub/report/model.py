"""The report's data model: plain frozen dataclasses that sections fill and renderers read.

A :class:`Report` is a list of :class:`Section` objects; each holds key figures, charts and
tables of typed cells. Nothing here touches the store or a file: sections compute, renderers
format. Column and figure ``kind`` says how a value is formatted (and which number format a
spreadsheet cell gets): ``text``, ``int``, ``money``, ``qty``, ``pct`` (a ratio, 0.25 = 25 %),
``date`` or ``datetime``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["KINDS", "Column", "Table", "Figure", "Chart", "Section", "Scope", "RunInfo", "Report"]

Kind = Literal["text", "int", "money", "qty", "pct", "date", "datetime"]
KINDS: frozenset[str] = frozenset({"text", "int", "money", "qty", "pct", "date", "datetime"})


@dataclass(frozen=True, slots=True)
class Column:
    """One table column: a stable key, a label for people and the kind of its values."""

    key: str
    label: str
    kind: Kind = "text"


@dataclass(frozen=True, slots=True)
class Table:
    """Rows of one kind of thing; ``total_rows`` counts the rows before ``max_rows`` cut the list."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    total_rows: int
    note: str = ""

    def __post_init__(self) -> None:
        width = len(self.columns)
        for i, row in enumerate(self.rows):
            if len(row) != width:
                raise ValueError(f"table {self.key}: row {i} has {len(row)} cells, expected {width}")

    @property
    def truncated(self) -> bool:
        return self.total_rows > len(self.rows)

    def column(self, key: str) -> list[Any]:
        """The values of one column, by column key."""
        idx = [c.key for c in self.columns].index(key)
        return [r[idx] for r in self.rows]

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column key (for tests and JSON)."""
        keys = [c.key for c in self.columns]
        return [dict(zip(keys, r)) for r in self.rows]


@dataclass(frozen=True, slots=True)
class Figure:
    """A key figure shown as a card: ``tone`` is ``neutral``, ``good``, ``warn`` or ``bad``."""

    key: str
    label: str
    value: Any
    kind: Kind = "int"
    tone: str = "neutral"


@dataclass(frozen=True, slots=True)
class Chart:
    """A bar or donut chart over labelled values (``kind`` formats the value labels)."""

    key: str
    title: str
    type: Literal["bar", "donut"]
    points: tuple[tuple[str, Any], ...]
    kind: Kind = "int"


@dataclass(frozen=True, slots=True)
class Section:
    """One part of the report (summary, orders, inventory, receivables, sales, quality)."""

    key: str
    title: str
    figures: tuple[Figure, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()

    def figure(self, key: str) -> Figure:
        for f in self.figures:
            if f.key == key:
                return f
        raise KeyError(f"section {self.key} has no figure {key!r}")

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(f"section {self.key} has no table {key!r}")


@dataclass(frozen=True, slots=True)
class Scope:
    """What the report covers: a run (discrepancy state at that run), an optional date range, the as-of date."""

    as_of: dt.date
    run_id: int | None = None
    pipeline: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    #: restrict salesperson-bound figures (sales, receivables) to these teams
    teams: tuple[str, ...] | None = None

    def in_range(self, day: dt.date | None) -> bool:
        """Whether ``day`` falls in the date range (an unknown date is outside a bounded range)."""
        if self.date_from is None and self.date_to is None:
            return True
        if day is None:
            return False
        return (self.date_from is None or day >= self.date_from) and (self.date_to is None or day <= self.date_to)


@dataclass(frozen=True, slots=True)
class RunInfo:
    """The pipeline run a report describes."""

    id: int
    pipeline: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Report:
    """A rendered-to-be report: title, scope, the run and the sections in order."""

    title: str
    scope: Scope
    generated_at: dt.datetime
    sections: tuple[Section, ...]
    run: RunInfo | None = None
    audience: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(f"report has no section {key!r}")
