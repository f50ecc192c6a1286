"""Loads mapping files, validates them all at once and indexes the result: :class:`MappingSet`.

``load_mappings(paths)`` reads every file (directories contribute their ``*.yaml``/``*.yml``),
checks structure (pydantic) and meaning (entities, fields, transforms, value maps, formats,
defaults, duplicate targets and mappings, write-back clashes), and raises one
:class:`hub.errors.MappingRuleError` whose ``problems`` name every problem as ``file:line``.
Value maps are shared by all files of the set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from hub.canonical import ENTITIES
from hub.configfile import ConfigFile, LocatedDict, pydantic_problems, read_config_file
from hub.errors import ConfigError, MappingRuleError
from hub.mapping.coerce import get_timezone
from hub.mapping.compiler import CompiledMapping, FieldPlan, build_mapping, compile_field
from hub.mapping.rules import FieldRule, MappingFile, MappingRule, ValueMap
from hub.mapping.sources import compile_key
from hub.mapping.valuemaps import FieldLookup, compile_lookup

__all__ = ["MappingSet", "load_mappings", "default_transforms"]

Registry = dict[str, tuple[Callable[..., Any], int]]


def default_transforms() -> Registry:
    """The transforms registered through the plugin manager (built-ins plus plugins)."""
    from hub.plugins import transforms

    return transforms()


class MappingSet:
    """All compiled mappings of a configuration, by (system, stream)."""

    def __init__(self, mappings: list[CompiledMapping], value_maps: dict[str, ValueMap]) -> None:
        self._by_stream: dict[tuple[str, str], list[CompiledMapping]] = {}
        for m in mappings:
            self._by_stream.setdefault((m.system, m.stream), []).append(m)
        self.mappings = tuple(mappings)
        self.value_maps = dict(value_maps)

    def for_stream(self, system: str, stream: str) -> list[CompiledMapping]:
        """The mappings fed by ``stream`` of ``system`` (empty when none)."""
        return list(self._by_stream.get((system, stream), ()))

    def map_record(
        self, system: str, stream: str, data: dict[str, Any]
    ) -> list[tuple[CompiledMapping, dict[str, Any]]]:
        """Apply every mapping of the stream whose ``when`` matches; MappingError on a bad record."""
        return [(m, m.apply(data)) for m in self._by_stream.get((system, stream), ()) if m.matches(data)]

    @property
    def systems(self) -> tuple[str, ...]:
        """System names with at least one mapping."""
        return tuple(sorted({s for s, _ in self._by_stream}))

    def streams(self, system: str) -> tuple[str, ...]:
        """Stream names of ``system`` with at least one mapping."""
        return tuple(sorted(st for s, st in self._by_stream if s == system))

    def __iter__(self) -> Iterator[CompiledMapping]:
        return iter(self.mappings)

    def __len__(self) -> int:
        return len(self.mappings)


class _Problems:
    def __init__(self) -> None:
        self.items: dict[str, None] = {}  # ordered set: a shared value map may be reported twice

    def add(self, doc: ConfigFile, path: tuple[Any, ...], message: str) -> None:
        self.items[doc.problem(path, message)] = None

    def extend(self, problems: Iterable[str]) -> None:
        self.items.update(dict.fromkeys(problems))


def _validate(model: type[BaseModel], data: Any, doc: ConfigFile, base: tuple[Any, ...], problems: _Problems) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, doc, base))
        return None


def _expand(paths: Iterable[Path | str]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(q for q in p.iterdir() if q.suffix in (".yaml", ".yml") and q.is_file()))
        else:
            out.append(p)
    return out


def load_mappings(paths: Iterable[Path | str], *, transforms: Registry | None = None) -> MappingSet:
    """Load, validate and compile mapping files; MappingRuleError lists every problem with file:line."""
    registry = transforms if transforms is not None else default_transforms()
    problems = _Problems()
    docs: list[tuple[ConfigFile, MappingFile]] = []
    value_maps: dict[str, tuple[ValueMap, ConfigFile, tuple[Any, ...]]] = {}

    for path in _expand(paths):
        try:
            doc = read_config_file(path, "mapping file", MappingRuleError)
        except ConfigError as exc:
            problems.extend(getattr(exc, "problems", None) or [str(exc)])
            continue
        problems.extend(doc.problems)
        root = doc.root
        if not isinstance(root, LocatedDict):
            problems.add(doc, (), "a mapping file must be a YAML mapping with system, value_maps and/or mappings")
            continue
        mf = _validate(MappingFile, root, doc, (), problems)
        if mf is None:
            continue
        for vm_name, vm_data in mf.value_maps.items():
            base = ("value_maps", vm_name)
            vm = _validate(ValueMap, vm_data, doc, base, problems)
            if vm is None:
                continue
            if vm_name in value_maps:
                problems.add(
                    doc,
                    base,
                    f"value map {vm_name!r} is already defined at {value_maps[vm_name][1].where(value_maps[vm_name][2])}",
                )
                continue
            value_maps[vm_name] = (vm, doc, base)
        docs.append((doc, mf))

    compiled: list[CompiledMapping] = []
    seen: dict[tuple[Any, ...], str] = {}
    for doc, mf in docs:
        for i, data in enumerate(mf.mappings):
            m = _compile_mapping(doc, mf, i, data, value_maps, registry, problems)
            if m is None:
                continue
            ident = (m.system, m.stream, m.entity, tuple(sorted((k, tuple(sorted(v))) for k, v in m.when.items())))
            here = doc.where(("mappings", i))
            if ident in seen:
                problems.add(
                    doc, ("mappings", i), f"{m.system}.{m.stream} -> {m.entity} is already mapped at {seen[ident]}"
                )
                continue
            seen[ident] = here
            compiled.append(m)

    if problems.items:
        n = len(problems.items)
        raise MappingRuleError(f"{n} problem(s) in mapping rules", problems=list(problems.items))
    return MappingSet(compiled, {k: v[0] for k, v in value_maps.items()})


def _compile_mapping(
    doc: ConfigFile,
    mf: MappingFile,
    i: int,
    data: Any,
    value_maps: dict[str, tuple[ValueMap, ConfigFile, tuple[Any, ...]]],
    registry: Registry,
    problems: _Problems,
) -> CompiledMapping | None:
    base: tuple[Any, ...] = ("mappings", i)
    rule: MappingRule | None = _validate(MappingRule, data, doc, base, problems)
    if rule is None:
        # still check the field rules' structure, so their problems show up in the same run
        fields = data.get("fields") if isinstance(data, dict) else None
        if isinstance(fields, dict):
            for name, fdata in fields.items():
                _validate(FieldRule, fdata, doc, base + ("fields", name), problems)
        return None
    ok = True
    if rule.entity not in ENTITIES:
        problems.add(doc, base + ("entity",), f"unknown entity {rule.entity!r}; known: {', '.join(sorted(ENTITIES))}")
        return None
    entity_fields = ENTITIES[rule.entity]
    try:
        compile_key(rule.key, rule.strip)
    except ValueError as exc:
        problems.add(doc, base + ("key",), str(exc))
        ok = False
    plans: list[FieldPlan] = []
    written_back: dict[str, str] = {}
    for name, fdata in rule.fields.items():
        fbase = base + ("fields", name)
        if name == "external_id":
            problems.add(doc, fbase, "external_id comes from 'key', not from a field rule")
            ok = False
            continue
        if name not in entity_fields:
            problems.add(
                doc, fbase, f"unknown field {name!r} of {rule.entity}; known: {', '.join(sorted(entity_fields))}"
            )
            ok = False
            continue
        frule: FieldRule | None = _validate(FieldRule, fdata, doc, fbase, problems)
        if frule is None:
            ok = False
            continue
        ftype = entity_fields[name]

        def report(path: tuple[Any, ...], msg: str, _b: tuple[Any, ...] = fbase) -> None:
            problems.add(doc, _b + path, msg)

        def raw_text(key: str, _d: Any = fdata) -> str | None:
            return _d.raw.get(key) if isinstance(_d, LocatedDict) else None

        def lookups(
            map_name: str,
            coerce: Any,
            map_default: Any,
            domain: Any,
            _b: tuple[Any, ...] = fbase,
            _t: str = ftype,
            _n: str = name,
        ) -> FieldLookup | None:
            if map_name not in value_maps:
                known = ", ".join(sorted(value_maps)) or "none defined"
                problems.add(doc, _b + ("map",), f"unknown value map {map_name!r}; known: {known}")
                return None
            vm, vdoc, vbase = value_maps[map_name]
            vdata = vdoc.node(vbase)
            raws = (
                vdata["values"].raw
                if isinstance(vdata, LocatedDict) and isinstance(vdata.get("values"), LocatedDict)
                else {}
            )
            if isinstance(vdata, LocatedDict) and "default" in vdata.raw:
                raws = {**raws, "default": vdata.raw["default"]}
            failed: list[bool] = []

            def vreport(path: tuple[Any, ...], msg: str) -> None:
                failed.append(True)
                problems.add(vdoc, vbase + path, f"{msg} [used by {doc.where(_b)} {rule.entity}.{_n}]")

            lk = compile_lookup(map_name, vm, raws, _t, coerce, map_default, domain, vreport)
            return None if failed else lk

        plan = compile_field(
            rule.entity,
            name,
            ftype,
            frule,
            strip=rule.strip,
            timezone=rule.timezone or mf.timezone,
            registry=registry,
            lookups=lookups,
            raw_text=raw_text,
            report=report,
        )
        if plan is None:
            ok = False
            continue
        plan.line = doc.line(fbase)
        plan.any_of = frule.source_kind == "coalesce"
        if plan.reverse_column is not None:
            col = plan.reverse_column
            if col in (rule.key,):
                plan.reverse_column = None
                plan.why_not_reversible = "its column is the key (written back as external_id)"
            elif col in written_back:
                problems.add(
                    doc,
                    fbase,
                    f"column {col!r} would be written back by both {written_back[col]!r} and {name!r}; "
                    f"set 'reverse: false' on one of them",
                )
                ok = False
            else:
                written_back[col] = name
        plans.append(plan)
    for tz_path, tz in (((base + ("timezone",)), rule.timezone), ((("timezone",)), mf.timezone)):
        if tz is not None:
            try:
                get_timezone(tz)
            except ValueError as exc:
                problems.add(doc, tz_path, str(exc))
                ok = False
    if not ok:
        return None
    compiled = build_mapping(rule, system=mf.system or "", file=doc.source, line=doc.line(base), plans=plans)
    compiled.key_line = doc.line(base + ("key",))
    compiled.when_line = doc.line(base + ("when",)) if rule.when else None
    return compiled
