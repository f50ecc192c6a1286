"""Reading source values: column getters, blank handling, key templates, multi-column sources.

Every getter returns None for an absent, empty or (when stripping) blank value, so the field
closures only test for None. Keys are built here too: a single column or a template of columns
("{订单号}|{行号}"); the common two- and three-column templates are built in one f-string.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

from hub.mapping.coerce import _to_str
from hub.mapping.rules import FieldRule, SourcePath
from hub.mapping.valuemaps import Bad

__all__ = ["compile_key", "field_source", "template_parts"]


# ----------------------------------------------------------------------------- getters
def _getter(path: SourcePath) -> Callable[[dict[str, Any]], Any]:
    if isinstance(path, str):
        return lambda d: d.get(path)
    parts = tuple(path)

    def get_nested(d: Any) -> Any:
        for p in parts:
            try:
                d = d[p]
            except (KeyError, IndexError, TypeError):
                return None
        return d

    return get_nested


def _label(path: SourcePath) -> str:
    return path if isinstance(path, str) else ".".join(map(str, path))


def _normalized(get: Callable[[dict[str, Any]], Any], strip: bool) -> Callable[[dict[str, Any]], Any]:
    """Getter that turns empty (or blank, when stripping) strings into None."""
    if strip:

        def get_stripped(d: dict[str, Any]) -> Any:
            v = get(d)
            if v.__class__ is str:
                v = v.strip()
                return v if v else None
            return v

        return get_stripped

    def get_plain(d: dict[str, Any]) -> Any:
        v = get(d)
        return None if v == "" else v

    return get_plain


def template_parts(template: str) -> list[tuple[str, str | None]]:
    """``(literal, column or None)`` pairs; ValueError for a malformed template."""
    parts: list[tuple[str, str | None]] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"bad template {template!r}: {exc}") from None
    for literal, name, spec, conv in parsed:
        if name is not None and (not name or spec or conv):
            raise ValueError(f"bad placeholder in template {template!r} (write {{column}})")
        parts.append((literal, name))
    if not any(name for _, name in parts):
        raise ValueError(f"template {template!r} names no column")
    return parts


# ----------------------------------------------------------------------------- key
def compile_key(key: str, strip: bool) -> tuple[Callable[[dict[str, Any]], str], tuple[str, ...], str | None]:
    """``(key_fn, columns, single column or None)``; key_fn raises Bad for an empty key part."""
    if "{" not in key:
        get = _normalized(_getter(key), strip)

        def key_one(d: dict[str, Any]) -> str:
            v = d.get(key)
            if v.__class__ is str and strip:
                v = v.strip()
                if v:
                    return v
            v = get(d)
            if v is None:
                raise Bad(f"key column {key!r} is empty")
            return v if v.__class__ is str else _to_str(v)

        return key_one, (key,), key
    parts = template_parts(key)
    columns = tuple(c for _, c in parts if c)
    tail = "".join(lit for lit, c in parts if c is None)
    if strip and len(columns) in (2, 3) and all(c is not None for _, c in parts[: len(columns)]):
        # "{a}<sep>{b}" / "{a}<s1>{b}<s2>{c}": the shapes of composite keys, built in one f-string
        lits = [lit for lit, _ in parts[: len(columns)]] + [tail]

        def part(d: dict[str, Any], col: str) -> str:
            v = d.get(col)
            v = v.strip() if v.__class__ is str else ("" if v is None else _to_str(v))
            if not v:
                raise Bad(f"key column {col!r} is empty")
            return v

        c1, c2 = columns[0], columns[1]
        l0, l1, l2 = lits[0], lits[1], lits[2]
        if len(columns) == 2:

            def key_two(d: dict[str, Any]) -> str:
                a, b = d.get(c1), d.get(c2)
                if a.__class__ is str and b.__class__ is str:
                    a, b = a.strip(), b.strip()
                    if a and b:
                        return f"{l0}{a}{l1}{b}{l2}"
                return f"{l0}{part(d, c1)}{l1}{part(d, c2)}{l2}"

            return key_two, columns, None
        c3, l3 = columns[2], lits[3]

        def key_three(d: dict[str, Any]) -> str:
            a, b, c = d.get(c1), d.get(c2), d.get(c3)
            if a.__class__ is str and b.__class__ is str and c.__class__ is str:
                a, b, c = a.strip(), b.strip(), c.strip()
                if a and b and c:
                    return f"{l0}{a}{l1}{b}{l2}{c}{l3}"
            return f"{l0}{part(d, c1)}{l1}{part(d, c2)}{l2}{part(d, c3)}{l3}"

        return key_three, columns, None
    pieces = [(lit, _normalized(_getter(col), strip) if col else None, col) for lit, col in parts]

    def key_template(d: dict[str, Any]) -> str:
        out = []
        for lit, get, col in pieces:
            out.append(lit)
            if get is not None:
                v = get(d)
                if v is None:
                    raise Bad(f"key column {col!r} is empty")
                out.append(v if v.__class__ is str else _to_str(v))
        return "".join(out)

    return key_template, tuple(c for _, c in parts if c), None


# ----------------------------------------------------------------------------- fields
def field_source(rule: FieldRule, strip: bool) -> tuple[Callable[[dict[str, Any]], Any], str, tuple[str, ...]]:
    """The value getter for a non-constant field: (getter returning None when empty, label, columns)."""
    kind = rule.source_kind
    if kind == "from":
        path = rule.from_
        assert path is not None
        top = (path,) if isinstance(path, str) else (str(path[0]),)
        return _normalized(_getter(path), strip), _label(path), top
    if kind == "coalesce":
        gets = [_normalized(_getter(p), strip) for p in rule.coalesce or ()]

        def coalesce(d: dict[str, Any]) -> Any:
            for g in gets:
                v = g(d)
                if v is not None:
                    return v
            return None

        paths = rule.coalesce or []
        return coalesce, f"coalesce({', '.join(map(_label, paths))})", tuple(_top(p) for p in paths)
    if kind == "concat":
        gets = [_normalized(_getter(p), strip) for p in rule.concat or ()]
        sep = rule.sep

        def concat(d: dict[str, Any]) -> Any:
            vals = [v if v.__class__ is str else _to_str(v) for v in (g(d) for g in gets) if v is not None]
            return sep.join(vals) if vals else None

        paths = rule.concat or []
        return concat, f"concat({', '.join(map(_label, paths))})", tuple(_top(p) for p in paths)
    assert kind == "template" and rule.template is not None
    parts = template_parts(rule.template)
    pieces = [(lit, _normalized(_getter(col), strip) if col else None) for lit, col in parts]

    def template(d: dict[str, Any]) -> Any:
        out = []
        for lit, get in pieces:
            out.append(lit)
            if get is not None:
                v = get(d)
                if v is not None:
                    out.append(v if v.__class__ is str else _to_str(v))
        text = "".join(out).strip()
        return text or None

    return template, f"template {rule.template!r}", tuple(c for _, c in parts if c)


def _top(path: SourcePath) -> str:
    return path if isinstance(path, str) else str(path[0])
