"""Value maps (code tables) compiled for one field: typed forward lookup and reverse table.

A :class:`~hub.mapping.rules.ValueMap` is declared once and used by many fields; each use is
compiled against the field's type, so outputs are coerced (and checked) at load time and a
lookup costs one dict access per record. The reverse table (canonical -> source value) exists
when the map is one-to-one, or made so by explicit ``reverse`` entries.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from hub.mapping.coerce import CoercionError
from hub.mapping.rules import ValueMap

__all__ = ["FieldLookup", "MISSING", "Bad", "compile_lookup"]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Bad(Exception):
    """Internal: one field of one record could not be mapped (``reason`` says why)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FieldLookup:
    """A value map compiled for one field."""

    lookup: Callable[[Any], Any]
    #: canonical value -> source value, or None when the map is not invertible
    reverse: dict[Any, str] | None
    #: canonical outputs with more than one source value and no explicit reverse entry
    ambiguous: tuple[Any, ...]
    #: unknown values pass through unchanged (both ways)
    passthrough: bool = False


def compile_lookup(
    name: str,
    vm: ValueMap,
    raw_outputs: dict[str, str],
    ftype: str,
    coerce: Callable[[Any], Any],
    field_default: Any = MISSING,
    domain: Collection[Any] | None = None,
    problem: Callable[[tuple[Any, ...], str], None] = lambda path, msg: None,
) -> FieldLookup:
    """Compile ``vm`` for a field of type ``ftype``; report bad outputs through ``problem(path, msg)``.

    ``raw_outputs`` holds the source text of plain YAML scalars (so ``on`` stays ``"on"`` for a
    string field). ``field_default`` (the field's ``map_default``) overrides the map's default.
    """

    def typed(value: Any, raw: str | None, path: tuple[Any, ...]) -> Any:
        if value is None:
            return None
        if ftype in ("str", "text") and raw is not None:
            value = raw
        try:
            out = coerce(value)
        except (CoercionError, ValueError, TypeError, ArithmeticError) as exc:
            problem(path, f"value map {name!r}: {exc} (the field is {ftype})")
            return MISSING
        if domain is not None and out not in domain:
            problem(path, f"value map {name!r}: {out!r} is not one of {', '.join(map(str, domain))}")
        return out

    table: dict[str, Any] = {}
    sources: dict[Any, list[str]] = {}
    for key, out in vm.values.items():
        t = typed(out, raw_outputs.get(key), ("values", key))
        if t is MISSING:
            continue
        table[key] = t
        if t is not None:
            sources.setdefault(t, []).append(key)
    ci_table = {k.casefold(): v for k, v in table.items()} if vm.ignore_case else None

    has_default = field_default is not MISSING or vm.has_default()
    default = None
    if field_default is not MISSING:
        default = field_default
    elif vm.has_default():
        default = typed(vm.default, raw_outputs.get("default"), ("default",))
        default = None if default is MISSING else default

    reverse: dict[Any, str] = {}
    for canon, src in vm.reverse.items():
        t = typed(canon, None, ("reverse", canon))
        if t is not MISSING and t is not None:
            if src not in table and not vm.passthrough:
                problem(
                    ("reverse", canon), f"value map {name!r}: reverse value {src!r} is not a source value of the map"
                )
            reverse[t] = src
    ambiguous = tuple(c for c, srcs in sources.items() if len(srcs) > 1 and c not in reverse)
    for canon, srcs in sources.items():
        if len(srcs) == 1 and canon not in reverse:
            reverse[canon] = srcs[0]

    get = table.get
    passthrough = vm.passthrough

    def lookup(value: Any) -> Any:
        key = value if value.__class__ is str else str(value)
        out = get(key, MISSING)
        if out is not MISSING:
            return out
        if ci_table is not None:
            out = ci_table.get(key.casefold(), MISSING)
            if out is not MISSING:
                return out
        if has_default:
            return default
        if passthrough:
            try:
                out = coerce(value)
            except (ValueError, TypeError, ArithmeticError) as exc:
                raise Bad(str(exc)) from None
            if domain is not None and out not in domain:
                raise Bad(f"{out!r} is not one of {', '.join(map(str, domain))}")
            return out
        raise Bad(f"{key!r} is not in value map {name!r}")

    return FieldLookup(
        lookup=lookup, reverse=None if ambiguous else reverse, ambiguous=ambiguous, passthrough=passthrough
    )
