"""The reconciliation rule file (``reconcile.yaml``): per entity, exact keys, matcher and discrepancy rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hub.canonical import ENTITIES
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
        return KeyRule(self.name, KeySide(self.left.system, self.left.field), KeySide(self.right.system, self.right.field),
                       tuple(self.normalize), self.min_length, self.fallback)


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


def _check(cfg: ReconcileConfig, source: str) -> list[str]:
    problems = []
    for entity, rules in cfg.entities.items():
        if entity not in ENTITIES:
            problems.append(f"{source}: entities.{entity}: unknown entity; known: {', '.join(sorted(ENTITIES))}")
            continue
        fields = set(ENTITIES[entity]) | {"external_id"}
        for k in rules.keys:
            for side_name, side in (("left", k.left), ("right", k.right)):
                if side.system not in rules.systems:
                    problems.append(f"{source}: entities.{entity}.keys.{k.name}.{side_name}: system {side.system!r} is not in systems {rules.systems}")
                if side.field not in fields:
                    problems.append(f"{source}: entities.{entity}.keys.{k.name}.{side_name}: {entity} has no field {side.field!r}")
    for entity, rules in cfg.survivorship.items():
        if entity not in cfg.entities:
            problems.append(f"{source}: survivorship.{entity}: the entity is not reconciled (no entities.{entity} section)")
            continue
        fields = set(ENTITIES[entity])
        systems = cfg.entities[entity].systems
        for name, order in [("default", rules.default)] + [(f"fields.{f}", o) for f, o in rules.fields.items()]:
            if name.startswith("fields.") and name[7:] not in fields:
                problems.append(f"{source}: survivorship.{entity}.{name}: {entity} has no such field")
            for system in order:
                if system not in systems:
                    problems.append(f"{source}: survivorship.{entity}.{name}: system {system!r} is not in {systems}")
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


def load_reconcile_rules(path: Path) -> LoadedRules:
    """Load reconcile.yaml and compile its matcher and discrepancy sections (all problems at once)."""
    from hub.reconcile.match_config import default_party_config, load_match_config
    from hub.reconcile.rules_config import load_rules_config

    cfg = load_reconcile_config(path)
    source = str(path)
    match: dict[str, Any] = {}
    problems: list[str] = []
    for entity, rules in cfg.entities.items():
        if rules.match is None:
            continue
        if entity != "party":
            problems.append(f"{source}: entities.{entity}.match: the matcher resolves parties only; use keys")
            continue
        try:
            if rules.match == "builtin":
                match[entity] = default_party_config()
            elif isinstance(rules.match, str):
                match[entity] = load_match_config(path.parent / rules.match)
            else:
                match[entity] = load_match_config(rules.match, name=f"{source} entities.{entity}.match")
        except MappingRuleError as exc:
            problems.extend(exc.problems or [str(exc)])
    if "sales_order" in cfg.entities and cfg.entities["sales_order"].link == "orders" and "party" not in cfg.entities:
        problems.append(f"{source}: entities.sales_order.link: linking orders needs the party entity reconciled too")
    rules_cfg = None
    if cfg.discrepancies is not None or any(r.link == "orders" for r in cfg.entities.values()):
        try:
            rules_cfg = load_rules_config(cfg.discrepancies or {}, file=source)
        except MappingRuleError as exc:
            problems.extend(exc.problems or [str(exc)])
    if problems:
        raise MappingRuleError("invalid reconciliation rules", problems, file=source)
    return LoadedRules(cfg, match, rules_cfg, _signature(path, cfg))


def _signature(path: Path, cfg: ReconcileConfig) -> str:
    import hashlib

    from hub import __version__

    h = hashlib.blake2b(__version__.encode(), digest_size=12)
    files = [path] + [path.parent / r.match for r in cfg.entities.values() if isinstance(r.match, str) and r.match != "builtin"]
    for f in files:
        h.update(f.read_bytes())
    if any(r.match == "builtin" for r in cfg.entities.values()):
        from hub.reconcile.match_config import DEFAULT_PARTY_YAML

        h.update(DEFAULT_PARTY_YAML.encode())
    return h.hexdigest()


def load_reconcile_config(path: Path) -> ReconcileConfig:
    """Load and validate a reconcile.yaml; every problem is reported at once."""
    source = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise MappingRuleError(f"cannot read reconciliation rules: {exc}", file=source) from None
    try:
        cfg = ReconcileConfig.model_validate(data)
    except ValidationError as exc:
        problems = [f"{source}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise MappingRuleError("invalid reconciliation rules", problems, file=source) from None
    problems = _check(cfg, source)
    if problems:
        raise MappingRuleError("invalid reconciliation rules", problems, file=source)
    return cfg
