"""Record match configuration: comparisons and blocking rules on any field of any entity.

The YAML (``examples/people/person_match.yaml`` is one) names the entity, its blocking rules
(``on:`` fields with optional transforms), its comparisons (a kind from
:mod:`hub.reconcile.compare.kinds` on ``field:`` or ``fields:``, with levels) and where the
trained weights are (``weights:``, a file ``hub match train`` writes). Every problem is reported
at once with ``file:line`` (read through :mod:`hub.configfile`), including rules that would do
nothing and options or fields a kind would ignore.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.canonical import ENTITIES
from hub.configfile import ConfigFile, config_error, read_config_file, validate_model
from hub.errors import MappingRuleError
from hub.reconcile.compare.blocking import TRANSFORMS
from hub.reconcile.compare.kinds import (
    KIND_OPTIONS,
    KINDS,
    MULTI_FIELD_KINDS,
    TF_KINDS,
    compile_comparison,
)
from hub.reconcile.match_config import Thresholds

__all__ = [
    "OPTION_NAMES",
    "BlockOn",
    "BlockingRule",
    "Comparison",
    "RecordMatchConfig",
    "config_problems",
    "load_record_match_config",
    "record_match_config_of",
]

#: the kind options a comparison may set (each kind reads some of them: KIND_OPTIONS)
OPTION_NAMES = ("thresholds", "relative", "days", "years", "format", "prefix", "region", "separator", "nicknames")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BlockOn(_Model):
    """One part of a blocking key: a field, a transform of its folded text, an optional prefix length."""

    field: str
    transform: str = "exact"
    length: int | None = Field(default=None, ge=1)

    @property
    def label(self) -> str:
        t = self.field if self.transform == "exact" else f"{self.transform}({self.field})"
        return f"{t}[:{self.length}]" if self.length else t


class BlockingRule(_Model):
    """Records whose keys agree on every part of ``on`` are candidate pairs."""

    name: str
    on: tuple[str | BlockOn, ...] = Field(min_length=1)
    #: blocks bigger than this are skipped and reported (too common to discriminate)
    max_block: int = Field(default=100, ge=2)

    @property
    def keys(self) -> tuple[BlockOn, ...]:
        return tuple(BlockOn(field=k) if isinstance(k, str) else k for k in self.on)


class Comparison(_Model):
    """One comparison: a kind applied to ``field`` (or ``fields``), with levels and their weights."""

    name: str | None = None
    kind: str
    field: str | None = None
    fields: tuple[str, ...] = ()
    thresholds: tuple[float, ...] = ()
    relative: tuple[float, ...] = ()
    days: tuple[int, ...] = ()
    years: tuple[int, ...] = ()
    format: str | None = None
    prefix: int | None = Field(default=None, ge=1)
    region: str = "CN"
    separator: str = ","
    nicknames: dict[str, str] = Field(default_factory=dict)
    #: adjust the ``exact`` weight by how common the value is (rare surnames weigh more)
    term_frequency: bool = False
    #: hand-set weights per level (log2 Bayes factors); they override trained ones
    weights: dict[str, float] | None = None

    @property
    def label(self) -> str:
        return self.name or self.field or "_".join(self.fields)

    @property
    def reads(self) -> tuple[str, ...]:
        return self.fields or ((self.field,) if self.field else ())


class RecordMatchConfig(_Model):
    """The whole match configuration of one entity (see the module docstring)."""

    entity: str
    #: link_only: only pairs of different systems; link_and_dedupe: within-system duplicates too
    link_type: Literal["link_only", "link_and_dedupe"] = "link_and_dedupe"
    #: the weights file ``hub match train`` writes (relative to this file)
    weights: str | None = None
    #: prior probability that two random records match (a weights file gives it otherwise)
    probability_two_random_records_match: float | None = Field(default=None, gt=0, lt=1)
    blocking: tuple[BlockingRule, ...] = Field(min_length=1)
    comparisons: tuple[Comparison, ...] = Field(min_length=1)
    #: match-weight cut-offs: high links (0 = probability 0.5), low..high goes to review
    thresholds: Thresholds = Thresholds(high=0.0, low=-4.0)
    #: training: random pairs for u, and EM sessions (blocking rule names; default: every rule)
    u_pairs: int = Field(default=200_000, ge=1000)
    em_rules: tuple[str, ...] = ()
    seed: int = 42


_RANGES = {"jaro_winkler": (0, 1), "token_set": (0, 1), "token_sort": (0, 1), "person_name": (0, 1), "pinyin": (0, 1)}


def _comparison_problems(c: Comparison, fields: set[str]) -> list[tuple[tuple[Any, ...], str]]:
    out: list[tuple[tuple[Any, ...], str]] = []
    if c.kind not in KINDS:
        return [(("kind",), f"unknown comparison kind {c.kind!r} (kinds: {', '.join(sorted(KINDS))})")]
    counts = MULTI_FIELD_KINDS.get(c.kind)
    if c.field and c.fields:
        out.append((("fields",), "give field or fields, not both"))
    elif c.fields and counts is None:
        out.append(
            (("fields",), (f"kind {c.kind!r} reads one field: use field: (it would ignore {', '.join(c.fields[1:])})"))
        )
    elif c.fields and len(c.fields) not in counts:  # type: ignore[operator]
        out.append(
            (
                ("fields",),
                (
                    f"kind {c.kind!r} reads {' or '.join(map(str, counts))} fields "  # type: ignore[arg-type]
                    f"({'given, family' if c.kind == 'person_name' else 'address parts'}), "
                    f"not {len(c.fields)}"
                ),
            )
        )
    elif not c.reads:
        out.append(((), "missing key 'field'"))
    for i, f in enumerate(c.fields):
        if f not in fields:
            out.append((("fields", i), f"unknown field {f!r} (fields: {', '.join(sorted(fields))})"))
    if c.field and c.field not in fields:
        out.append((("field",), f"unknown field {c.field!r} (fields: {', '.join(sorted(fields))})"))
    defaults = Comparison(kind=c.kind, field="x")
    for opt in OPTION_NAMES:
        if getattr(c, opt) != getattr(defaults, opt) and opt not in KIND_OPTIONS[c.kind]:
            reads = ", ".join(sorted(KIND_OPTIONS[c.kind])) or "none"
            out.append(((opt,), f"kind {c.kind!r} ignores {opt} (its options: {reads})"))
    lo_hi = _RANGES.get(c.kind)
    if lo_hi and any(not lo_hi[0] < t <= lo_hi[1] for t in c.thresholds):
        out.append((("thresholds",), f"{c.kind} thresholds are similarities in (0, 1]"))
    if c.kind in ("levenshtein", "damerau", "array") and any(t < 1 or t != int(t) for t in c.thresholds):
        out.append((("thresholds",), f"{c.kind} thresholds are whole numbers of at least 1"))
    if len(set(c.thresholds)) != len(c.thresholds):
        out.append((("thresholds",), "a threshold given twice makes a level that can never be reached"))
    if c.kind == "date" and c.format:
        try:
            dt.datetime.now().strftime(c.format)
            if "%" not in c.format:
                raise ValueError
        except ValueError:
            out.append((("format",), f"not a date format: {c.format!r} (e.g. %Y%m%d)"))
    if c.term_frequency and c.kind not in TF_KINDS:
        out.append(
            (
                ("term_frequency",),
                (
                    f"kind {c.kind!r} compares no single value to count "
                    f"(term frequencies: {', '.join(sorted(TF_KINDS))})"
                ),
            )
        )
    if c.weights is not None and not out:
        levels = compile_comparison(c).levels
        bad = [lv for lv in c.weights if lv not in levels]
        if bad:
            out.append((("weights",), f"unknown level(s) {', '.join(map(repr, bad))} (levels: {', '.join(levels)})"))
    return out


def config_problems(cfg: RecordMatchConfig) -> list[tuple[tuple[Any, ...], str]]:
    """What the configuration says that the matcher cannot do, or that would do nothing."""
    out: list[tuple[tuple[Any, ...], str]] = []
    if cfg.entity not in ENTITIES:
        return [(("entity",), f"unknown entity {cfg.entity!r} (entities: {', '.join(sorted(ENTITIES))})")]
    fields = set(ENTITIES[cfg.entity]) | {"external_id"}
    seen: dict[tuple[Any, ...], str] = {}
    for i, rule in enumerate(cfg.blocking):
        for j, k in enumerate(rule.keys):
            where = ("blocking", i, "on", j)
            if k.field not in fields:
                out.append((where, f"unknown field {k.field!r} (fields: {', '.join(sorted(fields))})"))
            if k.transform not in TRANSFORMS:
                out.append((where, f"unknown transform {k.transform!r} (transforms: {', '.join(TRANSFORMS)})"))
        parts = tuple(sorted(k.label for k in rule.keys))
        if len(set(parts)) != len(parts):
            out.append((("blocking", i, "on"), f"blocking rule {rule.name!r} names the same key twice"))
        if parts in seen:
            out.append(
                (
                    ("blocking", i),
                    (f"blocking rule {rule.name!r} would do nothing: rule {seen[parts]!r} blocks on the same keys"),
                )
            )
        seen.setdefault(parts, rule.name)
    names = [r.name for r in cfg.blocking]
    for i, name in enumerate(names):
        if name in names[:i]:
            out.append((("blocking", i, "name"), f"blocking rule name {name!r} used twice"))
    labels = [c.label for c in cfg.comparisons]
    for i, c in enumerate(cfg.comparisons):
        out += [(("comparisons", i) + loc, msg) for loc, msg in _comparison_problems(c, fields)]
        if c.label in labels[:i]:
            out.append((("comparisons", i), f"comparison name {c.label!r} used twice (give each a name)"))
    for i, name in enumerate(cfg.em_rules):
        if name not in names:
            out.append((("em_rules", i), f"no blocking rule {name!r} (rules: {', '.join(names)})"))
    return out


def record_match_config_of(file: ConfigFile, base: tuple[Any, ...] = ()) -> RecordMatchConfig:
    """Validate the record match configuration at ``base`` of a read config file."""
    cfg = validate_model(RecordMatchConfig, file, "match configuration", MappingRuleError, base)
    problems = [file.problem(base + loc, msg) for loc, msg in config_problems(cfg)]
    if problems:
        raise config_error(MappingRuleError, "match configuration", problems, file.source)
    return cfg


def load_record_match_config(path: str | Path | Mapping[str, Any], name: str | None = None) -> RecordMatchConfig:
    """Read and validate a record match configuration file (or an already parsed mapping)."""
    if isinstance(path, Mapping):
        return record_match_config_of(ConfigFile(name or "<match config>", path))
    return record_match_config_of(read_config_file(path, "match configuration", MappingRuleError))
