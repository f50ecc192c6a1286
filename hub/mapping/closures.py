"""Per-record closures of compiled fields, specialised for speed, and unrolled field steps.

A plain ``from: column`` field runs as one closure that reads, strips, checks and parses the
value (decimals and integers inline, dates through a fast parser of the first format); the
full coercer only runs when the fast path fails, and it raises :class:`Bad` with the reason.
``chunks`` groups the field closures of a mapping into unrolled steps of 8/4/2/1 fields, which
saves most of the loop overhead of ``CompiledMapping.apply``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.mapping.coerce import CoercionError, _to_str
from hub.mapping.valuemaps import Bad

__all__ = ["field_closure", "chunks", "Step", "COERCE_ERRORS", "MISSING_MSG"]

COERCE_ERRORS = (CoercionError, ValueError, TypeError, ArithmeticError)
MISSING_MSG = "required value is missing"


def field_closure(
    src: Callable[[dict[str, Any]], Any],
    pre: list[Callable[[str], Any]],
    lookup: Callable[[Any], Any] | None,
    coerce: Callable[[Any], Any],
    ftype: str,
    default: Any,
    missing_bad: bool,
    domain: frozenset[str] | None,
    column: str | None = None,
    fast: Callable[[str], Any] | None = None,
) -> Callable[[dict[str, Any]], Any]:
    """The per-record function of one field, specialised for the common simple shapes.

    ``column`` is set when the value is one top-level column read with stripping: the getter
    is then inlined, and decimals and integers are parsed inline (the general coercer only
    runs when the fast parse fails, e.g. for full-width digits).
    """
    if not pre and lookup is None and domain is None:
        if column is not None:
            return _simple_column(column, ftype, coerce, default, missing_bad, fast)
        return _simple(src, ftype, coerce, default, missing_bad)

    def general(d: dict[str, Any]) -> Any:
        v = src(d)
        if v is not None and pre:
            if v.__class__ is not str:
                v = _to_str(v)
            try:
                for t in pre:
                    v = t(v)
            except Exception as exc:  # a transform (maybe a plugin's) failed on this value
                raise Bad(f"transform failed: {exc}") from None
            if v == "":
                v = None
        if v is not None and lookup is not None:
            v = lookup(v)
            if v is not None:
                return v
        if v is None:
            if missing_bad:
                raise Bad(MISSING_MSG)
            return default
        try:
            v = coerce(v)
        except COERCE_ERRORS as exc:
            raise Bad(str(exc)) from None
        if domain is not None and v not in domain:
            raise Bad(f"{v!r} is not one of {', '.join(sorted(domain))}")
        return v

    return general


def _simple(
    src: Callable[[dict[str, Any]], Any], ftype: str, coerce: Callable[[Any], Any], default: Any, missing_bad: bool
) -> Callable[[dict[str, Any]], Any]:
    if ftype in ("str", "text"):

        def simple_str(d: dict[str, Any]) -> Any:
            v = src(d)
            if v.__class__ is str:
                return v
            if v is None:
                if missing_bad:
                    raise Bad(MISSING_MSG)
                return default
            return _to_str(v)

        return simple_str

    def simple_typed(d: dict[str, Any]) -> Any:
        v = src(d)
        if v is None:
            if missing_bad:
                raise Bad(MISSING_MSG)
            return default
        try:
            return coerce(v)
        except COERCE_ERRORS as exc:
            raise Bad(str(exc)) from None

    return simple_typed


def _simple_column(
    col: str,
    ftype: str,
    coerce: Callable[[Any], Any],
    default: Any,
    missing_bad: bool,
    fast: Callable[[str], Any] | None = None,
) -> Callable[[dict[str, Any]], Any]:
    """A plain ``from: column`` field: getter, strip, empty check and fast parse in one frame."""

    def missing() -> Any:
        if missing_bad:
            raise Bad(MISSING_MSG)
        return default

    def slow(v: Any) -> Any:
        try:
            return coerce(v)
        except COERCE_ERRORS as exc:
            raise Bad(str(exc)) from None

    if ftype in ("str", "text"):

        def col_str(d: dict[str, Any]) -> Any:
            v = d.get(col)
            if v.__class__ is str:
                v = v.strip()
                if v:
                    return v
                return missing()
            return missing() if v is None else _to_str(v)

        return col_str
    if ftype == "decimal":

        def col_decimal(d: dict[str, Any]) -> Any:
            v = d.get(col)
            if v.__class__ is str:
                try:
                    r = Decimal(v)  # accepts surrounding whitespace itself
                except InvalidOperation:
                    v = v.strip()
                    return slow(v) if v else missing()
                if r.is_finite():
                    return r
            elif v is None:
                return missing()
            return slow(v)

        return col_decimal
    if ftype == "int":

        def col_int(d: dict[str, Any]) -> Any:
            v = d.get(col)
            if v.__class__ is str:
                try:
                    return int(v)  # accepts surrounding whitespace itself
                except ValueError:
                    v = v.strip()
                    return slow(v) if v else missing()
            if v is None:
                return missing()
            return slow(v)

        return col_int

    if fast is not None:

        def col_fast(d: dict[str, Any]) -> Any:
            v = d.get(col)
            if v.__class__ is str:
                try:
                    return fast(v)
                except Exception:  # not the clean first format: the full coercer decides
                    v = v.strip()
                    return slow(v) if v else missing()
            if v is None:
                return missing()
            return slow(v)

        return col_fast

    def col_typed(d: dict[str, Any]) -> Any:
        v = d.get(col)
        if v.__class__ is str:
            v = v.strip()
            if not v:
                return missing()
        elif v is None:
            return missing()
        try:
            return coerce(v)
        except COERCE_ERRORS as exc:
            raise Bad(str(exc)) from None

    return col_typed


Step = Callable[[dict[str, Any], dict[str, Any]], None]


def chunks(pairs: list[tuple[str, Callable[[dict[str, Any]], Any]]]) -> tuple[Step, ...]:
    """Group field closures into unrolled steps of 8/4/2/1 fields (fewer loop turns per record)."""
    out: list[Step] = []
    i = 0
    while i < len(pairs):
        size = next(n for n in (8, 4, 2, 1) if i + n <= len(pairs))
        out.append(_UNROLLED[size](*pairs[i : i + size]))
        i += size
    return tuple(out)


def _one(a: tuple[str, Any]) -> Step:
    (na, fa) = a

    def step1(d: dict[str, Any], out: dict[str, Any]) -> None:
        out[na] = fa(d)

    return step1


def _two(a: tuple[str, Any], b: tuple[str, Any]) -> Step:
    (na, fa), (nb, fb) = a, b

    def step2(d: dict[str, Any], out: dict[str, Any]) -> None:
        out[na] = fa(d)
        out[nb] = fb(d)

    return step2


def _four(a: tuple[str, Any], b: tuple[str, Any], c: tuple[str, Any], e: tuple[str, Any]) -> Step:
    (na, fa), (nb, fb), (nc, fc), (ne, fe) = a, b, c, e

    def step4(d: dict[str, Any], out: dict[str, Any]) -> None:
        out[na] = fa(d)
        out[nb] = fb(d)
        out[nc] = fc(d)
        out[ne] = fe(d)

    return step4


def _eight(*pairs: tuple[str, Any]) -> Step:
    (na, fa), (nb, fb), (nc, fc), (ne, fe) = pairs[:4]
    (ng, fg), (nh, fh), (ni, fi), (nj, fj) = pairs[4:]

    def step8(d: dict[str, Any], out: dict[str, Any]) -> None:
        out[na] = fa(d)
        out[nb] = fb(d)
        out[nc] = fc(d)
        out[ne] = fe(d)
        out[ng] = fg(d)
        out[nh] = fh(d)
        out[ni] = fi(d)
        out[nj] = fj(d)

    return step8


_UNROLLED: dict[int, Callable[..., Step]] = {1: _one, 2: _two, 4: _four, 8: _eight}
