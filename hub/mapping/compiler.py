"""Compiles validated mapping rules into fast closures: :class:`CompiledMapping`.

Every field becomes one closure ``record -> typed value`` with its getter, transforms, value
map and coercion bound at load time; ``apply`` runs them in a tight loop and only when one
fails re-runs all of them to name every bad field in a single :class:`hub.errors.MappingError`.
No rule text is evaluated: sources are column paths, transforms come from the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from hub.canonical import CHANNEL_LEVELS, ORDER_STATUSES
from hub.errors import MappingError
from hub.mapping.closures import COERCE_ERRORS, chunks, field_closure
from hub.mapping.coerce import _to_str, check_format, fast_parser, get_timezone, make_coercer, make_formatter
from hub.mapping.rules import FieldRule, MappingRule
from hub.mapping.sources import compile_key, field_source
from hub.mapping.transforms import NORMALIZING
from hub.mapping.valuemaps import MISSING, Bad, FieldLookup

__all__ = ["CompiledMapping", "FieldPlan", "DOMAINS", "compile_key", "compile_field", "build_mapping", "Reporter"]

#: allowed values of some canonical fields (checked at load time for constants and value maps)
DOMAINS: dict[tuple[str, str], tuple[str, ...]] = {
    ("party", "channel_level"): CHANNEL_LEVELS,
    ("sales_order", "status"): ORDER_STATUSES,
    ("location", "kind"): ("central", "branch", "consignment", "store"),
}

Reporter = Callable[[tuple[Any, ...], str], None]


@dataclass(slots=True)
class FieldPlan:
    """One compiled canonical field."""

    name: str
    fn: Callable[[dict[str, Any]], Any]
    #: what the error message shows as the source (a column, or e.g. ``coalesce(A, B)``)
    source: str
    raw: Callable[[dict[str, Any]], Any]
    columns: tuple[str, ...]
    #: top-level column written back by ``reverse`` (None: not reversible)
    reverse_column: str | None = None
    reverse_text: Callable[[Any], Any] | None = None
    reverse_typed: Callable[[Any], Any] | None = None
    why_not_reversible: str = ""
    #: line of the field rule in its mapping file (set by the loader)
    line: int | None = None
    #: True when any one of ``columns`` is enough (``coalesce``)
    any_of: bool = False


def _transform_chain(
    rule: FieldRule,
    registry: dict[str, tuple[Callable[..., Any], int]],
    report: Reporter,
) -> tuple[list[Callable[[str], Any]], list[str]] | None:
    """Bind each transform's arguments now (validating them); None when one is invalid."""
    funcs: list[Callable[[str], Any]] = []
    names: list[str] = []
    ok = True
    for j, spec in enumerate(rule.transforms):
        path = ("transforms", j)
        if isinstance(spec, str):
            name, args = spec, ()
        elif len(spec) == 1:
            name, arg = next(iter(spec.items()))
            args = tuple(arg) if isinstance(arg, list) else (arg,)
        else:
            report(path, f"a transform is a name or a one-key mapping {{name: args}}, got keys {', '.join(spec)}")
            ok = False
            continue
        if name not in registry:
            report(path, f"unknown transform {name!r}; known: {', '.join(sorted(registry))}")
            ok = False
            continue
        func, arity = registry[name]
        if len(args) > arity:
            report(path, f"transform {name!r} takes {arity} argument(s), got {len(args)}")
            ok = False
            continue
        prepare = getattr(func, "prepare", None)
        try:
            if prepare is not None:
                bound = prepare(*args)
            elif args:
                bound = _bind(func, args)
            else:
                bound = func
        except (TypeError, ValueError) as exc:
            report(path, f"transform {name!r}: {exc}")
            ok = False
            continue
        funcs.append(bound)
        names.append(name)
    return (funcs, names) if ok else None


def _bind(func: Callable[..., Any], args: tuple[Any, ...]) -> Callable[[str], Any]:
    return lambda value: func(value, *args)


def compile_field(
    entity: str,
    name: str,
    ftype: str,
    rule: FieldRule,
    *,
    strip: bool,
    timezone: str | None,
    registry: dict[str, tuple[Callable[..., Any], int]],
    lookups: Callable[[str, Callable[[Any], Any], Any, tuple[str, ...] | None], FieldLookup | None],
    raw_text: Callable[[str], str | None],
    report: Reporter,
) -> FieldPlan | None:
    """Compile one field rule; report problems (paths relative to the field) and return None on any."""
    ok = True
    domain = DOMAINS.get((entity, name))
    if rule.formats is not None and ftype not in ("date", "datetime"):
        report(("formats",), f"formats apply to date/datetime fields; {name!r} is {ftype}")
        ok = False
    if (rule.true_values or rule.false_values) and ftype != "bool":
        report(("true_values",), f"true_values/false_values apply to bool fields; {name!r} is {ftype}")
        ok = False
    tz = rule.timezone or timezone
    if rule.timezone is not None and ftype != "datetime":
        report(("timezone",), f"timezone applies to datetime fields; {name!r} is {ftype}")
        ok = False
    try:
        get_timezone(tz)
    except ValueError as exc:
        report(("timezone",), str(exc))
        ok = False
        tz = None
    if rule.formats and ftype in ("date", "datetime"):
        for j, fmt in enumerate(rule.formats):
            try:
                check_format(ftype, fmt)
            except ValueError as exc:
                report(("formats", j), str(exc))
                ok = False
    if not ok:
        return None
    opts: dict[str, Any] = dict(
        formats=rule.formats, tz=tz, true_values=rule.true_values, false_values=rule.false_values
    )
    coerce = make_coercer(ftype, **opts)

    def load_value(key: str, value: Any) -> Any:
        """A constant/default from the file, coerced now."""
        if value is None:
            return None
        raw = raw_text(key)
        if ftype in ("str", "text") and raw is not None:
            value = raw
        try:
            out = coerce(value)
        except COERCE_ERRORS as exc:
            report((key,), f"{key} of {name!r} ({ftype}): {exc}")
            return MISSING
        if domain is not None and out not in domain:
            report((key,), f"{key} of {name!r}: {out!r} is not one of {', '.join(domain)}")
            return MISSING
        return out

    if rule.source_kind == "const":
        if rule.transforms or rule.map or rule.has("default"):
            report(("const",), "a const field takes no transforms, map or default")
            return None
        value = load_value("const", rule.const)
        if value is MISSING:
            return None
        if value is None and rule.required:
            report(("const",), "a required field cannot be a null const")
            return None
        return FieldPlan(name, lambda d: value, "const", lambda d: value, (), why_not_reversible="constant")

    has_default = rule.has("default") and rule.default is not None
    default = load_value("default", rule.default) if has_default else None
    if default is MISSING:
        return None
    chain = _transform_chain(rule, registry, lambda p, m: report(p, m))
    if chain is None:
        return None
    pre, pre_names = chain
    lookup: FieldLookup | None = None
    if rule.map is not None:
        map_default = load_value("map_default", rule.map_default) if rule.has("map_default") else MISSING
        if rule.has("map_default") and map_default is MISSING and rule.map_default is not None:
            return None
        lookup = lookups(rule.map, coerce, map_default, domain)
        if lookup is None:
            return None
    src, label, columns = field_source(rule, strip)
    missing_bad = rule.required and not has_default
    runtime_domain = frozenset(domain) if domain is not None else None
    column = rule.from_ if rule.source_kind == "from" and isinstance(rule.from_, str) and strip else None
    fast = fast_parser(ftype, rule.formats, tz)
    fn = field_closure(
        src, pre, lookup.lookup if lookup else None, coerce, ftype, default, missing_bad, runtime_domain, column, fast
    )
    plan = FieldPlan(name, fn, label, src, columns)
    _plan_reverse(plan, rule, ftype, pre_names, lookup, opts)
    return plan


def _plan_reverse(
    plan: FieldPlan, rule: FieldRule, ftype: str, pre_names: list[str], lookup: FieldLookup | None, opts: dict[str, Any]
) -> None:
    if not rule.reverse:
        plan.why_not_reversible = "reverse: false"
        return
    if rule.source_kind != "from" or not isinstance(rule.from_, str):
        plan.why_not_reversible = (
            f"source is {rule.source_kind} of a nested path"
            if rule.source_kind == "from"
            else f"source is {rule.source_kind}"
        )
        return
    lossy = [n for n in pre_names if n not in NORMALIZING]
    if lossy:
        plan.why_not_reversible = f"transform {lossy[0]!r} cannot be undone"
        return
    if lookup is not None and lookup.reverse is None:
        plan.why_not_reversible = f"value map is not one-to-one for {', '.join(map(repr, lookup.ambiguous))}"
        return
    fmt = make_formatter(ftype, **opts)
    name = plan.name
    if lookup is not None:
        table = lookup.reverse or {}
        passthrough = lookup.passthrough

        def rev_map(v: Any, out: Callable[[Any], Any]) -> Any:
            try:
                return table[v]
            except (KeyError, TypeError):
                if passthrough:
                    return out(v)
                raise MappingError(f"no source value for {v!r} in the value map", field=name, raw=str(v)) from None

        plan.reverse_text = lambda v: rev_map(v, fmt)
        plan.reverse_typed = lambda v: rev_map(v, lambda x: x)
    else:
        plan.reverse_text = fmt
        plan.reverse_typed = lambda v: v
    plan.reverse_column = rule.from_


# ----------------------------------------------------------------------------- mapping
@dataclass(eq=False)
class CompiledMapping:
    """One source stream of one system mapped to one canonical entity, ready to run.

    ``apply(data)`` returns ``{"external_id": ..., <field>: value}`` or raises MappingError
    naming every bad field; ``reverse(canonical)`` gives source column -> value for push-back.
    """

    system: str
    stream: str
    entity: str
    key: str
    file: str
    line: int | None
    plans: list[FieldPlan]
    key_fn: Callable[[dict[str, Any]], str]
    key_columns: tuple[str, ...]
    key_column: str | None
    when: dict[str, frozenset[str]] = field(default_factory=dict)
    #: lines of the rule's ``key`` and ``when`` in its file (for contract messages)
    key_line: int | None = None
    when_line: int | None = None
    apply: Callable[[dict[str, Any]], dict[str, Any]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        key_fn = self.key_fn
        steps = chunks([(p.name, p.fn) for p in self.plans])
        fail = self._failure

        def apply(data: dict[str, Any]) -> dict[str, Any]:
            try:
                out = {"external_id": key_fn(data)}
                for step in steps:
                    step(data, out)
            except Bad:
                raise fail(data) from None
            return out

        self.apply = apply

    @property
    def fields(self) -> tuple[str, ...]:
        """The canonical fields this mapping fills (besides external_id)."""
        return tuple(p.name for p in self.plans)

    @property
    def source_columns(self) -> frozenset[str]:
        """Every top-level source column the mapping reads."""
        cols = set(self.key_columns) | set(self.when)
        for p in self.plans:
            cols.update(p.columns)
        return frozenset(cols)

    @property
    def reversible_fields(self) -> tuple[str, ...]:
        """Fields that ``reverse`` writes back (``external_id`` too when the key is one column)."""
        out = ["external_id"] if self.key_column else []
        return tuple(out + [p.name for p in self.plans if p.reverse_column is not None])

    @property
    def irreversible_fields(self) -> dict[str, str]:
        """Fields ``reverse`` skips, with the reason."""
        return {p.name: p.why_not_reversible for p in self.plans if p.reverse_column is None}

    def matches(self, data: dict[str, Any]) -> bool:
        """True when the record passes the mapping's ``when`` filter (always, without one)."""
        for col, allowed in self.when.items():
            v = data.get(col)
            if (v.strip() if v.__class__ is str else _to_str(v) if v is not None else None) not in allowed:
                return False
        return True

    def check_columns(self, columns: Iterable[str]) -> list[str]:
        """The columns this mapping reads that are not in ``columns`` (e.g. a CSV header)."""
        have = set(columns)
        return sorted(c for c in self.source_columns if c not in have)

    def reverse(self, canonical: dict[str, Any], *, as_text: bool = True) -> dict[str, Any]:
        """Canonical record -> {source column: value} for the reversible fields present.

        Values go back through the inverse value maps; with ``as_text`` (default) dates,
        numbers and booleans are formatted like the source (first of ``formats``, source
        timezone). None stays None. A canonical value with no source value raises MappingError.
        """
        out: dict[str, Any] = {}
        if self.key_column and canonical.get("external_id") is not None:
            out[self.key_column] = canonical["external_id"]
        for p in self.plans:
            col = p.reverse_column
            if col is None or p.name not in canonical:
                continue
            v = canonical[p.name]
            if v is None:
                out[col] = None
                continue
            conv = p.reverse_text if as_text else p.reverse_typed
            assert conv is not None
            try:
                out[col] = conv(v)
            except MappingError as exc:
                exc.system, exc.stream = self.system, self.stream
                exc.external_id = canonical.get("external_id")
                raise
        return out

    def _failure(self, data: dict[str, Any]) -> MappingError:
        """Re-run every field on a failed record and describe all bad ones in one error."""
        bad: list[dict[str, Any]] = []
        external_id = None
        try:
            external_id = self.key_fn(data)
        except Bad as exc:
            raw = {c: _jsonable(data.get(c)) for c in self.key_columns}
            bad.append({"field": "external_id", "column": self.key, "raw": raw, "reason": exc.reason})
        for p in self.plans:
            try:
                p.fn(data)
            except Bad as exc:
                bad.append({"field": p.name, "column": p.source, "raw": _jsonable(p.raw(data)), "reason": exc.reason})
        if not bad:  # pragma: no cover - a plugin transform that fails only sometimes
            return MappingError("mapping failed", system=self.system, stream=self.stream, external_id=external_id)
        text = "; ".join(f"{b['field']}: {b['reason']} (column {b['column']}, value {b['raw']!r})" for b in bad)
        first = bad[0]
        return MappingError(
            text,
            system=self.system,
            stream=self.stream,
            external_id=external_id,
            field=first["field"],
            entity=self.entity,
            column=first["column"],
            raw=first["raw"],
            fields=bad,
        )

    def __repr__(self) -> str:
        return f"<CompiledMapping {self.system}.{self.stream} -> {self.entity} ({self.file}:{self.line})>"


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def build_mapping(
    rule: MappingRule,
    *,
    system: str,
    file: str,
    line: int | None,
    plans: list[FieldPlan],
) -> CompiledMapping:
    """Assemble a CompiledMapping from a validated rule and its compiled fields."""
    key_fn, key_columns, key_column = compile_key(rule.key, rule.strip)
    when = {c: frozenset([v] if isinstance(v, str) else v) for c, v in rule.when.items()}
    return CompiledMapping(
        system=system,
        stream=rule.stream,
        entity=rule.entity,
        key=rule.key,
        file=file,
        line=line,
        plans=plans,
        key_fn=key_fn,
        key_columns=key_columns,
        key_column=key_column,
        when=when,
    )
