"""The reconciliation rule file (``reconcile.yaml``): per entity, exact keys, matcher and discrepancy rules.

Read with line numbers like every config file: each problem names ``file:line``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.canonical import ENTITIES
from hub.configfile import ConfigFile, config_error, read_config_file, validate_model
from hub.errors import MappingRuleError
from hub.reconcile.keys import NORMALISERS, KeyRule, KeySide
from hub.reconcile.survivorship import SurvivorshipRules

__all__ = ["ReconcileConfig", "EntityRules", "Roles", "LoadedRules", "load_reconcile_config", "load_reconcile_rules"]


class _Side(BaseModel):
    model_config = ConfigDict(extra="forbid")
    system: str
    field: str


class _KeyRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    left: _Side
    right: _Side
    normalize: list[str] = Field(default_factory=lambda: ["nfkc", "strip", "upper"])
    min_length: int = 1
    fallback: bool = False

    @field_validator("normalize")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        unknown = [n for n in v if n not in NORMALISERS]
        if unknown:
            raise ValueError(f"unknown normaliser(s) {unknown}; known: {sorted(NORMALISERS)}")
        return v

    def build(self) -> KeyRule:
        return KeyRule(
            self.name,
            KeySide(self.left.system, self.left.field),
            KeySide(self.right.system, self.right.field),
            tuple(self.normalize),
            self.min_length,
            self.fallback,
        )


class EntityRules(BaseModel):
    """How one entity is linked across (and within) systems.

    ``keys``: exact key rules (any entity). ``match``: the blocked fuzzy matcher's settings
    for parties, inline or as a path to a YAML file (``builtin`` for the built-in settings).
    ``link: orders``: orders are linked by references and content within linked customers.
    """

    model_config = ConfigDict(extra="forbid")
    systems: list[str]
    keys: list[_KeyRule] = Field(default_factory=list)
    match: dict[str, Any] | str | None = None
    link: Literal["keys", "orders"] = "keys"

    def key_rules(self) -> list[KeyRule]:
        return [k.build() for k in self.keys]


class Roles(BaseModel):
    """Which configured systems play the CRM, the DRP and the EDI feed in the discrepancy rules."""

    model_config = ConfigDict(extra="forbid")
    crm: str = "crm"
    drp: str = "drp"
    edi: str = "edi"


class ReconcileConfig(BaseModel):
    """The whole reconciliation rule file."""

    model_config = ConfigDict(extra="forbid")
    entities: dict[str, EntityRules] = Field(default_factory=dict)
    roles: Roles = Field(default_factory=Roles)
    discrepancies: dict[str, Any] | None = None
    survivorship: dict[str, SurvivorshipRules] = Field(default_factory=dict)


def _check(cfg: ReconcileConfig, file: ConfigFile, systems: set[str] | None = None) -> list[str]:
    problems = []

    def add(loc: tuple[Any, ...], msg: str) -> None:
        problems.append(file.problem(loc, msg))

    for entity, rules in cfg.entities.items():
        base: tuple[Any, ...] = ("entities", entity)
        if entity not in ENTITIES:
            add(base, f"unknown entity; known: {', '.join(sorted(ENTITIES))}")
            continue
        if systems is not None:
            # one rule file may serve several hub configs (a system absent here simply has no records),
            # but a name close to a configured one is a typo that would silently drop that system's rules
            for i, system in enumerate(rules.systems):
                close = (
                    difflib.get_close_matches(system, sorted(systems), n=1, cutoff=0.6) if system not in systems else []
                )
                if close:
                    add(
                        base + ("systems", i),
                        f"system {system!r} is not configured (did you mean {close[0]!r}?); "
                        f"systems: {', '.join(sorted(systems))}",
                    )
        fields = set(ENTITIES[entity]) | {"external_id"}
        for i, k in enumerate(rules.keys):
            for side_name, side in (("left", k.left), ("right", k.right)):
                loc = base + ("keys", i, side_name)
                if side.system not in rules.systems:
                    add(
                        loc + ("system",),
                        f"key rule {k.name!r}: system {side.system!r} is not in systems {rules.systems}",
                    )
                if side.field not in fields:
                    add(loc + ("field",), f"key rule {k.name!r}: {entity} has no field {side.field!r}")
    for entity, surv in cfg.survivorship.items():
        base = ("survivorship", entity)
        if entity not in cfg.entities:
            add(base, f"the entity is not reconciled (no entities.{entity} section)")
            continue
        fields = set(ENTITIES[entity])
        systems_of = cfg.entities[entity].systems
        orders: list[tuple[tuple[str, ...], str, Any]] = [(("default",), "default", surv.default)]
        orders += [(("fields", f), f"fields.{f}", o) for f, o in surv.fields.items()]
        for sub, name, order in orders:
            if name.startswith("fields.") and name[7:] not in fields:
                add(base + sub, f"{entity} has no such field")
            for system in order:
                if system not in systems_of:
                    add(base + sub, f"system {system!r} is not in {systems_of}")
    return problems


@dataclass(frozen=True)
class LoadedRules:
    """A validated rule file with its sub-configurations compiled."""

    config: ReconcileConfig
    match: dict[str, Any]  # entity -> MatchConfig
    rules: Any  # RulesConfig | None
    #: digest of the rule files (and the built-in match rules they use) and the hub version: a
    #: change makes the next run re-check everything
    signature: str = ""


def load_reconcile_rules(path: Path, systems: set[str] | None = None) -> LoadedRules:
    """Load reconcile.yaml and compile its matcher and discrepancy sections (all problems at once).

    With ``systems`` (the configured system names), every system an entity names must be one of them.
    """
    from hub.reconcile.match_config import default_party_config, load_match_config, match_config_of
    from hub.reconcile.rules_config import rules_config_of

    cfg, file = _load(path, systems)
    match: dict[str, Any] = {}
    problems: list[str] = []
    for entity, rules in cfg.entities.items():
        if rules.match is None:
            continue
        where = ("entities", entity, "match")
        if entity != "party":  # any other entity: the record matcher (comparison library, trained weights)
            from hub.reconcile.persons.resolve import load_record_match

            try:
                match[entity] = load_record_match(rules.match, path.parent, file, where)
            except MappingRuleError as exc:
                problems.extend(exc.problems or [file.problem(where, str(exc))])
            continue
        try:
            if rules.match == "builtin":
                match[entity] = default_party_config()
            elif isinstance(rules.match, str):
                match[entity] = load_match_config(path.parent / rules.match)
            else:
                match[entity] = match_config_of(file, where)
        except MappingRuleError as exc:
            problems.extend(exc.problems or [str(exc)])
    if "sales_order" in cfg.entities and cfg.entities["sales_order"].link == "orders" and "party" not in cfg.entities:
        problems.append(
            file.problem(("entities", "sales_order", "link"), "linking orders needs the party entity reconciled too")
        )
    rules_cfg = None
    if cfg.discrepancies is not None or any(r.link == "orders" for r in cfg.entities.values()):
        try:
            rules_cfg = rules_config_of(file, ("discrepancies",))
        except MappingRuleError as exc:
            problems.extend(exc.problems or [str(exc)])
    if problems:
        raise config_error(MappingRuleError, "reconciliation rules", problems, file.source)
    return LoadedRules(cfg, match, rules_cfg, _signature(path, cfg, match))


def _signature(path: Path, cfg: ReconcileConfig, match: dict[str, Any]) -> str:
    import hashlib

    from hub import __version__

    h = hashlib.blake2b(__version__.encode(), digest_size=12)
    files = [path] + [
        path.parent / r.match for r in cfg.entities.values() if isinstance(r.match, str) and r.match != "builtin"
    ]
    for f in files:
        h.update(f.read_bytes())
    for entity in sorted(match):  # a record matcher's weights file: retraining re-matches
        wpath = getattr(match[entity], "weights_path", None)
        if wpath is not None:
            h.update(entity.encode() + b"\0" + (wpath.read_bytes() if wpath.exists() else b"-"))
    if any(r.match == "builtin" for r in cfg.entities.values()):
        from hub.reconcile.match_config import DEFAULT_PARTY_YAML

        h.update(DEFAULT_PARTY_YAML.encode())
    return h.hexdigest()


def load_reconcile_config(path: Path) -> ReconcileConfig:
    """Load and validate a reconcile.yaml; every problem is reported at once, with its line."""
    return _load(path)[0]


def _load(path: Path, systems: set[str] | None = None) -> tuple[ReconcileConfig, ConfigFile]:
    file = read_config_file(path, "reconciliation rules", MappingRuleError)
    cfg = validate_model(ReconcileConfig, file, "reconciliation rules", MappingRuleError)
    problems = _check(cfg, file, systems)
    if problems:
        raise config_error(MappingRuleError, "reconciliation rules", problems, file.source)
    return cfg, file
