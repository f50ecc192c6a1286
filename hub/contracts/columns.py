"""Which source columns each mapping rule reads, and which of them a source does not have."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

__all__ = ["ColumnUse", "ColumnProblem", "column_uses", "missing_columns"]


@dataclass(frozen=True, slots=True)
class ColumnUse:
    """Source columns one rule reads: a field rule, the key or the ``when`` filter."""

    columns: tuple[str, ...]
    #: True when any one of the columns is enough (``coalesce``)
    any_of: bool
    #: what reads them: ``party.phone``, ``party key``, ``party when``
    target: str
    file: str
    line: int | None


@dataclass(frozen=True, slots=True)
class ColumnProblem:
    """A rule reads a column the source does not deliver."""

    system: str
    stream: str
    target: str
    column: str
    file: str
    line: int | None
    available: tuple[str, ...]

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def __str__(self) -> str:
        close = get_close_matches(self.column, self.available, n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        shown = ", ".join(self.available[:30]) + (", ..." if len(self.available) > 30 else "")
        return (
            f"{self.where}: mapping {self.system}/{self.stream} -> {self.target} reads column {self.column!r}, "
            f"which the source does not deliver{hint}; columns: {shown or 'none'}"
        )


def column_uses(mapping: Any) -> list[ColumnUse]:
    """Every place a compiled mapping reads source columns, with the line of the rule."""
    entity, file = mapping.entity, mapping.file
    uses = [ColumnUse(tuple(mapping.key_columns), False, f"{entity} key", file, mapping.key_line or mapping.line)]
    if mapping.when:
        uses.append(ColumnUse(tuple(mapping.when), False, f"{entity} when", file, mapping.when_line or mapping.line))
    for p in mapping.plans:
        if p.columns:
            uses.append(ColumnUse(tuple(p.columns), p.any_of, f"{entity}.{p.name}", file, p.line or mapping.line))
    return uses


def missing_columns(mappings: Iterable[Any], columns: Iterable[str]) -> list[ColumnProblem]:
    """The columns the mappings read that are not among ``columns`` (one problem per rule and column)."""
    have = tuple(dict.fromkeys(columns))
    present = set(have)
    out: list[ColumnProblem] = []
    for m in mappings:
        for use in column_uses(m):
            absent = [c for c in use.columns if c not in present]
            if not absent or (use.any_of and len(absent) < len(use.columns)):
                continue
            for col in absent:
                out.append(ColumnProblem(m.system, m.stream, use.target, col, use.file, use.line, have))
    return out
