"""Report sections: one module per section, each a ``build(conn, ctx) -> Section`` over the store.

``BUILDERS`` maps section keys to their build functions in report order. A build function only
reads the store (through :mod:`hub.report.query`) and returns plain data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from sqlalchemy import Connection

from hub.report.config import SECTION_KEYS, ReportConfig
from hub.report.model import Column, Scope, Section, Table
from hub.report.query import SHARED_FIELDS, read_rows

__all__ = ["SectionContext", "builder", "make_table", "SECTION_KEYS", "ROW_READERS"]

#: the sections that read the shared DRP rows (:meth:`SectionContext.rows`)
ROW_READERS = frozenset({"receivables", "hierarchy", "sales"})


@dataclass(frozen=True)
class SectionContext:
    """What a section needs besides the store: the scope and the report settings."""

    scope: Scope
    config: ReportConfig
    #: the report's sections in build order (:meth:`release_rows` keeps rows for the later ones)
    sections: tuple[str, ...] = ()
    #: tables read for this report so far (:meth:`rows`)
    cache: dict[tuple[str, str], list[Any]] = field(default_factory=dict, compare=False, repr=False)

    def rows(self, conn: Connection, entity: str, system: str) -> list[Any]:
        """Live rows of ``entity`` (party, invoice, sales_order) from ``system`` with the fields in
        :data:`hub.report.query.SHARED_FIELDS`, as named tuples by external id: read once for all
        the sections of one report."""
        key = (entity, system)
        if key not in self.cache:
            self.cache[key] = read_rows(conn, entity, system, SHARED_FIELDS[entity])
        return self.cache[key]

    def release_rows(self, section: str) -> None:
        """``section`` is done with :meth:`rows`: drop them unless a later section of the report reads them."""
        later = self.sections[self.sections.index(section) + 1 :] if section in self.sections else ()
        if not ROW_READERS.intersection(later):
            self.cache.clear()

    @property
    def roles(self) -> Any:
        return self.config.roles

    @property
    def max_rows(self) -> int:
        return self.config.max_rows


def builder(key: str) -> Callable[[Connection, SectionContext], Section]:
    """The build function of section ``key``."""
    if key not in SECTION_KEYS:
        raise KeyError(f"unknown section {key!r}; known: {', '.join(SECTION_KEYS)}")
    return import_module(f"hub.report.sections.{key}").build


def make_table(
    key: str, title: str, columns: list[Column], rows: list[tuple[Any, ...]], max_rows: int, note: str = ""
) -> Table:
    """A Table holding at most ``max_rows`` of ``rows`` (already sorted), counting all of them."""
    return Table(key, title, tuple(columns), tuple(rows[:max_rows]), len(rows), note)
