"""Target columns of one push rule: how a live value is read back (typed) and how a value is sent.

A pushed ``field`` goes through the target mapping's own rules: the forward rule parses the
live record (so cosmetic differences such as spacing or code-table spelling are no change)
and its reverse rule formats the value to send. A ``columns`` entry names the canonical field or
computed value and is parsed/formatted by its canonical type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hub.canonical import fields_of
from hub.errors import ConfigError, MappingError
from hub.mapping.coerce import make_coercer, make_formatter
from hub.push.config import COMPUTE_TYPES, ColumnRule, EntityPush

__all__ = ["Column", "build_columns"]


@dataclass(frozen=True)
class Column:
    """One target column a rule writes."""

    name: str
    #: canonical field it carries (None for computed values)
    field: str | None
    #: live record -> typed value (None when absent or unreadable)
    parse: Callable[[dict[str, Any]], Any]
    #: typed value -> the value sent to the target
    format: Callable[[Any], Any]
    rule: ColumnRule | None = None
    #: True when the target's canonical rows carry this column's field (a baseline exists)
    mapped: bool = False

    @property
    def label(self) -> str:
        """The field or compute name, for diffs and messages."""
        if self.field:
            return self.field
        assert self.rule is not None
        return f"{self.rule.compute}({self.rule.system})"


def _safe(fn: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
    def parse(data: dict[str, Any]) -> Any:
        try:
            return fn(data)
        except Exception:  # an unreadable live value is "unknown": it differs from any desired value
            return None

    return parse


def _typed_column(
    name: str, ftype: str, rule: ColumnRule
) -> tuple[Callable[[dict[str, Any]], Any], Callable[[Any], Any]]:
    formats = [rule.format] if rule.format else None
    coerce = (
        make_coercer(ftype, formats=[rule.format, "iso"] if rule.format else None)
        if ftype in ("date", "datetime")
        else make_coercer(ftype)
    )

    def parse(data: dict[str, Any]) -> Any:
        v = data.get(name)
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        return coerce(v.strip() if isinstance(v, str) else v)

    if ftype == "decimal":
        return _safe(parse), lambda v: format(v, "f")
    if ftype == "int":
        return _safe(parse), lambda v: str(int(v))
    if ftype in ("date", "datetime", "bool"):
        return _safe(parse), make_formatter(ftype, formats=formats)
    return _safe(parse), lambda v: str(v)


def build_columns(entity: str, rule: EntityPush, mapping: Any, system: str) -> list[Column]:
    """The columns of one entity rule; ConfigError when a pushed field cannot be written back."""
    out: list[Column] = []
    plans = {p.name: p for p in mapping.plans} if mapping is not None else {}
    problems = []
    for f in rule.fields:
        plan = plans.get(f)
        if plan is None:
            problems.append(f"{f}: the {system} mapping of stream {rule.mapping_stream or rule.stream} does not map it")
            continue
        if plan.reverse_column is None:
            problems.append(f"{f}: not written back by the mapping ({plan.why_not_reversible})")
            continue
        out.append(Column(plan.reverse_column, f, _safe(plan.fn), plan.reverse_text, mapped=True))
    taken = {c.name for c in out}
    types = fields_of(entity)
    reversed_cols = {p.reverse_column: p.name for p in plans.values() if p.reverse_column}
    for name, crule in rule.columns.items():
        if name in taken:
            problems.append(f"column {name} is written by field {next(c.field for c in out if c.name == name)} already")
            continue
        ftype = types[crule.field] if crule.field else COMPUTE_TYPES[crule.compute or ""]
        parse, fmt = _typed_column(name, ftype, crule)
        mapped = crule.field is not None and reversed_cols.get(name) == crule.field
        out.append(Column(name, crule.field, parse, fmt, crule, mapped))
    if problems:
        raise ConfigError(
            f"push rules for {system}/{rule.stream} ({entity}):\n  " + "\n  ".join(problems),
            system=system,
            stream=rule.stream,
        )
    return out


def send_value(column: Column, value: Any, system: str, external_id: str | None) -> Any:
    """The value to send for ``column``; a value with no target spelling is a MappingError naming the field."""
    try:
        return column.format(value)
    except MappingError as exc:
        exc.system, exc.external_id = system, external_id
        raise
