"""A small real SOQL: parse ``SELECT ... FROM ... [WHERE] [ORDER BY] [LIMIT] [OFFSET]`` and evaluate it.

Supported: field lists or ``COUNT()``; WHERE with ``= != <> < <= > >=``, ``IN``/``NOT IN``,
``LIKE`` (``%``/``_``), ``AND``/``OR``/``NOT`` and parentheses; literals: 'strings' (with
backslash escapes), numbers, true/false, null, dates ``2026-01-31`` and datetimes
``2026-01-31T08:00:00Z`` / ``.000+0000``; ORDER BY with ASC/DESC and NULLS FIRST/LAST.
Errors raise :class:`SoqlError` with the Salesforce error code (MALFORMED_QUERY, INVALID_FIELD).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Query", "SoqlError", "parse", "matches", "sort_rows", "parse_datetime"]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>'(?:\\.|[^'\\])*')
    | (?P<dt>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
    | (?P<date>\d{4}-\d{2}-\d{2})
    | (?P<num>-?\d+(?:\.\d+)?)
    | (?P<op>!=|<>|<=|>=|=|<|>)
    | (?P<punct>[(),])
    | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {
    "select",
    "from",
    "where",
    "and",
    "or",
    "not",
    "in",
    "like",
    "order",
    "by",
    "asc",
    "desc",
    "nulls",
    "first",
    "last",
    "limit",
    "offset",
    "true",
    "false",
    "null",
    "count",
}


class SoqlError(Exception):
    """A query Salesforce would reject; ``code`` is the Salesforce errorCode."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Query:
    object: str
    fields: list[str] | None  # None means COUNT()
    where: Any = None
    order: list[tuple[str, bool, bool]] = field(default_factory=list)  # (field, descending, nulls_first)
    limit: int | None = None
    offset: int = 0


def parse_datetime(text: str) -> dt.datetime:
    """A SOQL/REST datetime literal as an aware UTC datetime."""
    text = text.strip().replace("Z", "+00:00")
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    value = dt.datetime.fromisoformat(text)
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _tokenize(soql: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    soql = soql.strip()
    while pos < len(soql):
        match = _TOKEN.match(soql, pos)
        if not match or match.end() == pos:
            raise SoqlError("MALFORMED_QUERY", f"unexpected text at position {pos}: {soql[pos : pos + 20]!r}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "name" and value.lower() in _KEYWORDS:
            kind, value = "kw", value.lower()
        tokens.append((kind, value))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, soql: str, schema: dict[str, dict[str, Any]]) -> None:
        self.tokens = _tokenize(soql)
        self.i = 0
        self.schema = schema
        self.fields: dict[str, dict[str, Any]] = {}

    def peek(self, value: str | None = None) -> bool:
        if self.i >= len(self.tokens):
            return False
        return value is None or self.tokens[self.i][1] == value

    def take(self, kind: str | None = None, value: str | None = None) -> str:
        if self.i >= len(self.tokens):
            raise SoqlError("MALFORMED_QUERY", f"unexpected end of query, expected {value or kind}")
        k, v = self.tokens[self.i]
        if (kind and k != kind) or (value and v != value):
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{v}' (expected {value or kind})")
        self.i += 1
        return v

    def field(self) -> str:
        name = self.take("name")
        for known in self.fields:
            if known.lower() == name.lower():
                return known
        raise SoqlError(
            "INVALID_FIELD",
            f"No such column '{name}' on entity '{self.object}'. If you are attempting to use a "
            "custom field, be sure to append the '__c' after the custom field name.",
        )

    def parse(self) -> Query:
        self.take("kw", "select")
        names: list[str] | None = []
        if self.peek("count"):
            self.take("kw", "count")
            self.take("punct", "(")
            self.take("punct", ")")
            names = None
        else:
            raw = [self.take("name")]
            while self.peek(","):
                self.take("punct", ",")
                raw.append(self.take("name"))
        self.take("kw", "from")
        # "Order" is both an sObject and the ORDER keyword
        obj = self.take("kw", "order") if self.peek("order") else self.take("name")
        match = next((o for o in self.schema if o.lower() == obj.lower()), None)
        if match is None:
            raise SoqlError("INVALID_TYPE", f"sObject type '{obj}' is not supported.")
        self.object, self.fields = match, self.schema[match]
        if names is not None:
            saved = self.tokens, self.i
            for name in raw:
                self.tokens, self.i = [("name", name)], 0
                names.append(self.field())
            self.tokens, self.i = saved
        query = Query(match, names)
        if self.peek("where"):
            self.take("kw", "where")
            query.where = self.or_expr()
        if self.peek("order"):
            self.take("kw", "order")
            self.take("kw", "by")
            while True:
                name = self.field()
                desc = False
                if self.peek("asc") or self.peek("desc"):
                    desc = self.take("kw") == "desc"
                nulls_first = not desc
                if self.peek("nulls"):
                    self.take("kw", "nulls")
                    nulls_first = self.take("kw") == "first"
                query.order.append((name, desc, nulls_first))
                if not self.peek(","):
                    break
                self.take("punct", ",")
        if self.peek("limit"):
            self.take("kw", "limit")
            query.limit = int(self.take("num"))
        if self.peek("offset"):
            self.take("kw", "offset")
            query.offset = int(self.take("num"))
        if self.i != len(self.tokens):
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{self.tokens[self.i][1]}'")
        return query

    def or_expr(self) -> Any:
        parts = [self.and_expr()]
        while self.peek("or"):
            self.take("kw", "or")
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def and_expr(self) -> Any:
        parts = [self.not_expr()]
        while self.peek("and"):
            self.take("kw", "and")
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def not_expr(self) -> Any:
        if self.peek("not"):
            self.take("kw", "not")
            return ("not", self.not_expr())
        if self.peek("("):
            self.take("punct", "(")
            inner = self.or_expr()
            self.take("punct", ")")
            return inner
        return self.condition()

    def condition(self) -> Any:
        name = self.field()
        ftype = self.fields[name]["type"]
        if self.peek("not") or self.peek("in"):
            negate = self.peek("not")
            if negate:
                self.take("kw", "not")
            self.take("kw", "in")
            self.take("punct", "(")
            values = [self.literal(ftype)]
            while self.peek(","):
                self.take("punct", ",")
                values.append(self.literal(ftype))
            self.take("punct", ")")
            return ("in", name, values, negate)
        if self.peek("like"):
            self.take("kw", "like")
            pattern = self.literal("string")
            regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in str(pattern))
            return ("like", name, re.compile(f"^{regex}$", re.IGNORECASE | re.DOTALL))
        op = self.take("op")
        return ("cmp", name, "!=" if op == "<>" else op, self.literal(ftype))

    def literal(self, ftype: str) -> Any:
        kind, value = self.tokens[self.i] if self.i < len(self.tokens) else ("", "")
        self.i += 1
        if kind == "kw" and value == "null":
            return None
        if kind == "kw" and value in ("true", "false"):
            return value == "true"
        if kind == "str":
            text = re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), value[1:-1])
            return text
        if kind == "num":
            return float(value)
        if kind == "dt":
            return parse_datetime(value)
        if kind == "date":
            return dt.date.fromisoformat(value)
        raise SoqlError("MALFORMED_QUERY", f"expected a value for a {ftype} field, got '{value}'")


def parse(soql: str, schema: dict[str, dict[str, Any]]) -> Query:
    """Parse ``soql`` against ``schema`` (object → field name → {"type": ...})."""
    return _Parser(soql, schema).parse()


def _coerce(value: Any, literal: Any) -> tuple[Any, Any]:
    if isinstance(literal, dt.datetime) and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(), dt.UTC), literal
    if isinstance(literal, dt.date) and not isinstance(literal, dt.datetime) and isinstance(value, dt.datetime):
        return value.date(), literal
    if isinstance(literal, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), literal
    if isinstance(literal, str) and isinstance(value, str):
        return value.lower(), literal.lower()  # SOQL string comparison is case-insensitive
    return value, literal


def _compare(value: Any, op: str, literal: Any) -> bool:
    if literal is None:
        return (value is None) if op == "=" else (value is not None) if op == "!=" else False
    if value is None:
        return op == "!="
    value, literal = _coerce(value, literal)
    try:
        return {
            "=": value == literal,
            "!=": value != literal,
            "<": value < literal,
            "<=": value <= literal,
            ">": value > literal,
            ">=": value >= literal,
        }[op]
    except TypeError:
        raise SoqlError(
            "INVALID_QUERY_FILTER_OPERATOR", f"value of filter criterion is not of the field's type: {literal!r}"
        ) from None


def matches(node: Any, row: dict[str, Any]) -> bool:
    """True when ``row`` satisfies the WHERE tree ``node`` (None matches everything)."""
    if node is None:
        return True
    kind = node[0]
    if kind == "and":
        return all(matches(n, row) for n in node[1])
    if kind == "or":
        return any(matches(n, row) for n in node[1])
    if kind == "not":
        return not matches(node[1], row)
    if kind == "cmp":
        return _compare(row.get(node[1]), node[2], node[3])
    if kind == "in":
        found = any(_compare(row.get(node[1]), "=", v) for v in node[2])
        return found != node[3]
    if kind == "like":
        value = row.get(node[1])
        return value is not None and bool(node[2].match(str(value)))
    raise SoqlError("MALFORMED_QUERY", f"unknown condition {kind}")


def sort_rows(rows: list[dict[str, Any]], order: list[tuple[str, bool, bool]]) -> list[dict[str, Any]]:
    """Sort rows by ORDER BY terms (stable, applied last term first)."""
    for name, desc, nulls_first in reversed(order):
        present = [r for r in rows if r.get(name) is not None]
        missing = [r for r in rows if r.get(name) is None]
        present.sort(key=lambda r: r[name].lower() if isinstance(r[name], str) else r[name], reverse=desc)
        rows = missing + present if nulls_first else present + missing
    return rows
