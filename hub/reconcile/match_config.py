"""Match configuration: the validated YAML model that tells the matcher how to link parties.

A configuration names, for one entity:

* ``rules``: ordered deterministic key rules (``tax_id`` exact when checksum-valid; a reference
  such as the CRM's ``erp_code`` pointing at a DRP ``external_id``). A rule links a pair only
  when the *other* evidence adds up to at least ``min_support``, so a stale reference is
  outvoted instead of obeyed;
* ``blocking``: keys that put records into candidate blocks (never all pairs), each with a
  block-size cap; ``stage: 2`` keys are fallbacks that only pair records the stage-1 keys
  both left without an automatic link (so a 100k-record run stays near-linear);
* ``fields``: comparisons with a weight per agreement level (log-odds style; summed);
* ``thresholds``: ``high`` (auto-link), ``low`` (below: different records; between: review),
  ``duplicate`` (evidence two records of the *same* system need to share a cluster),
  ``assign``/``margin`` (a pair below ``high`` but at least ``assign`` is linked when each
  record is the other's best candidate by at least ``margin``: the one-to-one assumption).

Every problem in a file is reported at once as a :class:`hub.errors.MappingRuleError`, each
with ``file:line`` (read through :mod:`hub.configfile`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.canonical import fields_of
from hub.configfile import ConfigFile, config_error, parse_config_text, read_config_file, validate_model
from hub.errors import MappingRuleError

__all__ = [
    "COMPARISONS",
    "BLOCKING_FEATURES",
    "RECORD_FIELDS",
    "KeyRule",
    "BlockingKey",
    "FieldComparison",
    "Thresholds",
    "MatchConfig",
    "load_match_config",
    "match_config_of",
    "consistency_problems",
    "default_party_config",
    "DEFAULT_PARTY_YAML",
]

#: comparison name -> its agreement levels (best first); weights are given per level
COMPARISONS: dict[str, tuple[str, ...]] = {
    "tax_id": ("exact", "body", "mismatch", "mismatch_unverified", "missing"),
    "phone": ("exact", "mismatch", "missing"),
    "reference": ("agree", "conflict", "missing"),
    "company_name": ("exact", "strong", "weak", "brand_only", "mismatch", "cross_script", "missing"),
    "place": ("exact", "mismatch", "missing"),
    "address": ("exact", "numbers", "road", "mismatch", "missing"),
    "exact": ("exact", "mismatch", "missing"),
    # evidence from the records' transactions (see TRANSACTION_FIELDS), not from their fields
    "transactions": ("agree", "single", "missing"),
}
#: comparisons a deterministic rule may use, and the level that makes the rule fire
RULE_LEVEL: dict[str, str] = {
    "tax_id": "exact",
    "reference": "agree",
    "exact": "exact",
    "phone": "exact",
    "transactions": "agree",
}
#: evidence a ``transactions`` comparison reads: ``orders`` = the CRM account's orders name
#: DRP orders (ERP order no) of the DRP customer: ``agree`` two or more, ``single`` one
TRANSACTION_FIELDS = frozenset({"orders"})
#: derived values blocking keys are built from
BLOCKING_FEATURES = (
    "tax_id",
    "phone",
    "reference",
    "name_brand",
    "name_industry",
    "brand_prefix",
    "city",
    "province",
    "address_numbers",
    "edi_id",
    "postal_code",
    "channel_level",
)
#: fields a comparison may read: the canonical party fields plus the record's own id
RECORD_FIELDS = frozenset(fields_of("party")) | {"external_id"}
#: comparisons that read fixed fields of the record whatever ``field:`` says: the fields they read
FIXED_FIELDS: dict[str, tuple[str, ...]] = {
    "tax_id": ("tax_id",),
    "phone": ("phone",),
    "company_name": ("name",),
    "place": ("city", "province"),
    "address": ("address",),
}
#: blocking features that are the folded value of a field compared with ``comparison: exact``
#: (empty, so never forming a block, unless ``fields`` has that exact comparison)
EXACT_FEATURES = frozenset({"edi_id", "postal_code", "channel_level"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_field(field: str, comparison: str, problems: list[str]) -> None:
    if comparison == "transactions":
        if field not in TRANSACTION_FIELDS:
            problems.append(f"unknown transaction evidence {field!r} (known: {', '.join(sorted(TRANSACTION_FIELDS))})")
        return
    if field not in RECORD_FIELDS:
        problems.append(f"unknown field {field!r} (party fields: {', '.join(sorted(RECORD_FIELDS))})")
    elif comparison in FIXED_FIELDS and field not in FIXED_FIELDS[comparison]:
        reads = " or ".join(FIXED_FIELDS[comparison])
        problems.append(
            f"comparison {comparison!r} reads the party's {reads}, never {field!r}: "
            f"use field: {FIXED_FIELDS[comparison][0]}, or comparison: exact to compare {field}"
        )
    if comparison not in COMPARISONS:
        problems.append(f"unknown comparison {comparison!r} (known: {', '.join(COMPARISONS)})")


class KeyRule(_Model):
    """A deterministic rule: link when ``comparison`` on ``field`` reaches its top level."""

    name: str
    field: str
    comparison: str
    #: for ``reference``: the field of the other record the value points at, and its system
    target_field: str = "external_id"
    target_system: str | None = None
    #: minimum summed weight of the *other* comparisons for the rule to fire
    min_support: float = 0.0

    @model_validator(mode="after")
    def _known(self) -> KeyRule:
        problems: list[str] = []
        _check_field(self.field, self.comparison, problems)
        if self.comparison in COMPARISONS and self.comparison not in RULE_LEVEL:
            problems.append(
                f"comparison {self.comparison!r} cannot be a deterministic rule (use one of: {', '.join(RULE_LEVEL)})"
            )
        if self.target_field not in RECORD_FIELDS:
            problems.append(f"unknown target_field {self.target_field!r}")
        if self.comparison == "reference" and not self.target_system:
            problems.append("a reference rule needs target_system")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class BlockingKey(_Model):
    """Records sharing every feature value of ``features`` become candidate pairs."""

    name: str
    features: tuple[str, ...] = Field(min_length=1)
    #: blocks bigger than this are skipped (too common to discriminate)
    max_block: int = Field(default=50, ge=2)
    #: 1: always; 2: fallback, only pairs a record that stage 1 left without an auto-link
    stage: int = Field(default=1, ge=1, le=2)

    @model_validator(mode="after")
    def _known(self) -> BlockingKey:
        bad = [f for f in self.features if f not in BLOCKING_FEATURES]
        if bad:
            raise ValueError(
                f"unknown blocking feature(s) {', '.join(map(repr, bad))} (known: {', '.join(BLOCKING_FEATURES)})"
            )
        return self


class FieldComparison(_Model):
    """One evidence signal: compare ``field`` with ``comparison``; ``weights`` per level."""

    name: str | None = None
    field: str
    comparison: str
    weights: dict[str, float]
    target_field: str = "external_id"
    target_system: str | None = None

    @property
    def label(self) -> str:
        """The signal's name in explanations (``name`` or the field)."""
        return self.name or self.field

    def weight(self, level: str) -> float:
        """Weight of ``level`` (levels not listed weigh 0)."""
        return self.weights.get(level, 0.0)

    @model_validator(mode="after")
    def _known(self) -> FieldComparison:
        problems: list[str] = []
        _check_field(self.field, self.comparison, problems)
        levels = COMPARISONS.get(self.comparison)
        if levels is not None:
            bad = [lv for lv in self.weights if lv not in levels]
            if bad:
                problems.append(
                    f"unknown level(s) {', '.join(map(repr, bad))} for comparison "
                    f"{self.comparison!r} (levels: {', '.join(levels)})"
                )
        if self.comparison == "reference" and not self.target_system:
            problems.append("a reference comparison needs target_system")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Thresholds(_Model):
    """Score cut-offs: ``high`` auto-links, ``low`` separates review from non-match."""

    high: float
    low: float
    duplicate: float | None = None
    #: pairs scoring at least this (below ``high``) are linked when they are each other's
    #: clear best candidate (by ``margin`` over the runner-up); None turns this off
    assign: float | None = None
    margin: float = Field(default=2.0, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        problems = []
        if self.low > self.high:
            problems.append(f"low ({self.low}) is greater than high ({self.high})")
        if self.assign is not None and not self.low <= self.assign <= self.high:
            problems.append(f"assign ({self.assign}) must lie between low ({self.low}) and high ({self.high})")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def duplicate_cut(self) -> float:
        """Score two same-system records need to be kept in one cluster."""
        return self.high if self.duplicate is None else self.duplicate


class MatchConfig(_Model):
    """The whole match configuration of one entity (see the module docstring)."""

    entity: str = "party"
    rules: tuple[KeyRule, ...] = ()
    blocking: tuple[BlockingKey, ...] = Field(min_length=1)
    fields: tuple[FieldComparison, ...] = Field(min_length=1)
    thresholds: Thresholds

    @model_validator(mode="after")
    def _consistent(self) -> MatchConfig:
        problems: list[str] = []
        if self.entity != "party":
            problems.append(f"entity {self.entity!r} is not supported (only 'party')")
        labels = [f.label for f in self.fields]
        dups = sorted({x for x in labels if labels.count(x) > 1})
        if dups:
            problems.append(f"comparison name(s) used twice: {', '.join(dups)} (give each a name)")
        names = [r.name for r in self.rules] + [b.name for b in self.blocking]
        twice = sorted({x for x in names if names.count(x) > 1})
        if twice:
            problems.append(f"rule/blocking name(s) used twice: {', '.join(twice)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def consistency_problems(cfg: MatchConfig) -> list[tuple[tuple[Any, ...], str]]:
    """What a valid configuration says but the matcher cannot do, as (YAML path, message).

    Blocking features that can never hold a value (so their key never forms a block), rules
    that can never fire, and reference comparisons the matcher would not read (it reads one
    reference per record: the first one configured).
    """
    out: list[tuple[tuple[Any, ...], str]] = []
    exact = {c.field for c in cfg.fields if c.comparison == "exact"}
    refs = [
        (("fields", i), c.field, c.target_field, c.target_system)
        for i, c in enumerate(cfg.fields)
        if c.comparison == "reference"
    ]
    refs += [
        (("rules", i), r.field, r.target_field, r.target_system)
        for i, r in enumerate(cfg.rules)
        if r.comparison == "reference"
    ]
    if refs:
        first = refs[0]
        for loc, *ref in refs[1:]:
            if tuple(ref) != tuple(first[1:]):
                out.append(
                    (
                        loc,
                        f"the matcher reads one reference per record ({first[1]} -> "
                        f"{first[3]}.{first[2]}, configured first); this one "
                        f"({ref[0]} -> {ref[2]}.{ref[1]}) would never be compared",
                    )
                )
    for i, bk in enumerate(cfg.blocking):
        for j, feature in enumerate(bk.features):
            if feature in EXACT_FEATURES and feature not in exact:
                out.append(
                    (
                        ("blocking", i, "features", j),
                        f"blocking key {bk.name!r} can never form a block: feature {feature!r} has a "
                        f"value only when fields compare {feature} with comparison: exact",
                    )
                )
            elif feature == "reference" and not refs:
                out.append(
                    (
                        ("blocking", i, "features", j),
                        f"blocking key {bk.name!r} can never form a block: feature 'reference' needs a "
                        "reference comparison or rule",
                    )
                )
    for i, rule in enumerate(cfg.rules):
        if rule.comparison == "exact" and rule.field not in exact:
            out.append(
                (
                    ("rules", i),
                    f"rule {rule.name!r} can never fire: the matcher keeps {rule.field} "
                    f"only when fields compare it with comparison: exact",
                )
            )
    return out


# --------------------------------------------------------------------------- loading
def load_match_config(source: str | Path | Mapping[str, Any], *, name: str | None = None) -> MatchConfig:
    """Validate a match configuration from YAML text, a YAML file path or a parsed mapping.

    ``name`` labels the source in errors (defaults to the file path). Raises
    :class:`~hub.errors.MappingRuleError` listing every problem, each with ``file:line`` when the
    lines are known (text, a file, or a mapping parsed by :mod:`hub.configfile`).
    """
    if isinstance(source, Path):
        file = read_config_file(source, "match configuration", MappingRuleError)
        file = ConfigFile(name, file.root) if name else file
    elif isinstance(source, str):
        file = parse_config_text(
            source, name or "<match config>", "match configuration", MappingRuleError, interpolate=False
        )
    else:
        file = ConfigFile(name or "<match config>", source)
    return match_config_of(file)


def match_config_of(file: ConfigFile, base: tuple[Any, ...] = ()) -> MatchConfig:
    """Validate the match configuration at ``base`` of a read config file (an inline ``match:`` section)."""
    cfg = validate_model(MatchConfig, file, "match configuration", MappingRuleError, base)
    problems = [file.problem(base + loc, msg) for loc, msg in consistency_problems(cfg)]
    if problems:
        raise config_error(MappingRuleError, "match configuration", problems, file.source)
    return cfg


DEFAULT_PARTY_YAML = """\
# Built-in party match configuration (CRM accounts <-> DRP/ERP customers).
entity: party
rules:
  - name: tax_id_exact            # checksum-valid USCC equal on both sides
    field: tax_id
    comparison: tax_id
    min_support: -8               # only an overwhelming contradiction stops it
  - name: erp_code_reference      # CRM holds the DRP customer code; may be stale
    field: erp_code
    comparison: reference
    target_system: drp
    min_support: 2                # must be corroborated by name/phone/address evidence
  - name: order_reference         # two or more CRM orders name DRP orders of this customer
    field: orders
    comparison: transactions
    min_support: -4               # unless the records clearly contradict it
blocking:
  - {name: tax_id, features: [tax_id], max_block: 20}
  - {name: phone, features: [phone], max_block: 20}
  - {name: erp_code, features: [reference], max_block: 20}
  - {name: edi_id, features: [edi_id], max_block: 20}
  - {name: brand_city_industry, features: [name_brand, city, name_industry], max_block: 40}
  # fallbacks for records the keys above left unlinked (typos, missing or changed fields)
  - {name: brand_city, features: [name_brand, city], max_block: 40, stage: 2}
  - {name: brand_industry, features: [name_brand, name_industry], max_block: 40, stage: 2}
  - {name: city_industry_prefix, features: [city, name_industry, brand_prefix], max_block: 40, stage: 2}
  - {name: city_address, features: [city, address_numbers], max_block: 20, stage: 2}
fields:
  - field: tax_id
    comparison: tax_id
    weights: {exact: 14, body: 11, mismatch: -12, mismatch_unverified: -3}
  - name: erp_code
    field: erp_code
    comparison: reference
    target_system: drp
    weights: {agree: 8, conflict: -4}
  - field: edi_id
    comparison: exact
    weights: {exact: 10, mismatch: -2}
  - field: phone
    comparison: phone
    weights: {exact: 9, mismatch: -2}
  - field: name
    comparison: company_name
    weights: {exact: 9, strong: 7, weak: 3, brand_only: -6, mismatch: -7, cross_script: -3}
  - field: city
    comparison: place
    weights: {exact: 1.5, mismatch: -6}
  - field: address
    comparison: address
    weights: {exact: 5, numbers: 4, road: 1, mismatch: -1.5}
  - field: channel_level
    comparison: exact
    weights: {exact: 1, mismatch: -2}
  - field: orders
    comparison: transactions
    weights: {agree: 8, single: 4}
thresholds:
  high: 12                        # auto-link
  low: 6                          # below: not the same party; between: review
  duplicate: 10                   # same-system records may share a cluster from here
  assign: 8                       # mutual clear best candidates link from here
  margin: 2
"""


def default_party_config() -> MatchConfig:
    """The built-in party configuration (:data:`DEFAULT_PARTY_YAML`)."""
    return load_match_config(DEFAULT_PARTY_YAML, name="<builtin party match config>")
