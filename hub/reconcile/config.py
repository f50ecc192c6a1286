"""The reconciliation rule file (``reconcile.yaml``): per entity, exact keys, matcher and discrepancy rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hub.canonical import ENTITIES
from hub.errors import MappingRuleError
from hub.reconcile.keys import NORMALISERS, KeyRule, KeySide
from hub.reconcile.survivorship import SurvivorshipRules

__all__ = ["ReconcileConfig", "EntityRules", "load_reconcile_config"]


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

    @field_validator("normalize")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        unknown = [n for n in v if n not in NORMALISERS]
        if unknown:
            raise ValueError(f"unknown normaliser(s) {unknown}; known: {sorted(NORMALISERS)}")
        return v

    def build(self) -> KeyRule:
        return KeyRule(self.name, KeySide(self.left.system, self.left.field), KeySide(self.right.system, self.right.field),
                       tuple(self.normalize), self.min_length)


class EntityRules(BaseModel):
    """How one entity is linked across (and within) systems."""

    model_config = ConfigDict(extra="forbid")
    systems: list[str]
    keys: list[_KeyRule] = Field(default_factory=list)
    match: dict[str, Any] | None = None

    def key_rules(self) -> list[KeyRule]:
        return [k.build() for k in self.keys]


class ReconcileConfig(BaseModel):
    """The whole reconciliation rule file."""

    model_config = ConfigDict(extra="forbid")
    entities: dict[str, EntityRules] = Field(default_factory=dict)
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
