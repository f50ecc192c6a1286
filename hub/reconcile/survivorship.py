"""Survivorship: build a golden record field by field from the linked records of one entity.

For each field the winner is, in order: the record of the field's system of record (the first
system in its priority list that has a value), else the most recent record with a value
(``updated_at``), else the most complete record. Every golden value keeps its lineage: which
system and record it came from and by which rule. Pure functions over plain data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["SurvivorshipRules", "Candidate", "Golden", "build_golden"]

_MIN = dt.datetime.min.replace(tzinfo=dt.UTC)


class SurvivorshipRules(BaseModel):
    """Per entity: the default system priority and per-field overrides."""

    model_config = ConfigDict(extra="forbid")
    default: list[str] = Field(default_factory=list)
    fields: dict[str, list[str]] = Field(default_factory=dict)
    recency_field: str = "updated_at"

    def priority(self, name: str) -> list[str]:
        return self.fields.get(name, self.default)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One linked record offered to survivorship."""

    system: str
    external_id: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Golden:
    """A golden record and, per field, (system, external id, rule) of the value chosen."""

    canonical_id: str
    values: dict[str, Any]
    lineage: dict[str, tuple[str, str, str]] = field(default_factory=dict)


def _recency(c: Candidate, recency_field: str) -> dt.datetime:
    v = c.values.get(recency_field)
    return v if isinstance(v, dt.datetime) else _MIN


def _filled(v: Any) -> bool:
    return v is not None and v != ""


def _completeness(c: Candidate) -> int:
    """How many of the record's values are filled (neither None nor empty text)."""
    vs = list(c.values.values())
    return len(vs) - vs.count(None) - vs.count("")


def build_golden(
    canonical_id: str, candidates: Sequence[Candidate], fields: Iterable[str], rules: SurvivorshipRules
) -> Golden:
    """The golden record of one cluster."""
    values: dict[str, Any] = {}
    lineage: dict[str, tuple[str, str, str]] = {}
    overrides, default = rules.fields, rules.default
    if len(candidates) == 1:  # most clusters: the one record wins every field it has
        (c,) = candidates
        cv, system, ext = c.values, c.system, c.external_id
        fallback = "recency" if _recency(c, rules.recency_field) > _MIN else "completeness"
        usual = "system_of_record" if system in default else fallback  # the rule of a field without override
        for name in fields:
            v = cv.get(name)
            if v is None or v == "":
                values[name] = None
                continue
            values[name] = v
            if name in overrides:
                lineage[name] = (system, ext, "system_of_record" if system in overrides[name] else fallback)
            else:
                lineage[name] = (system, ext, usual)
        return Golden(canonical_id, values, lineage)
    # stable order: most recent first, then most complete, then by id (deterministic ties)
    recent = {id(c): _recency(c, rules.recency_field) for c in candidates}
    filled = {id(c): _completeness(c) for c in candidates}
    ranked = sorted(candidates, key=lambda c: (-recent[id(c)].timestamp(), -filled[id(c)], c.system, c.external_id))
    complete = sorted(candidates, key=lambda c: (-filled[id(c)], c.system, c.external_id))
    by_system: dict[str, list[Candidate]] = {}
    for c in ranked:
        by_system.setdefault(c.system, []).append(c)
    # the candidates a priority list offers, in its order: its systems' records, most recent first
    by_default = [c for system in default for c in by_system.get(system, ())]
    for name in fields:
        chosen: Candidate | None = None
        rule = "system_of_record"
        priority = overrides.get(name)
        order = by_default if priority is None else [c for system in priority for c in by_system.get(system, ())]
        for c in order:
            v = c.values.get(name)
            if v is not None and v != "":
                chosen = c
                break
        if chosen is None:
            for c in ranked:
                v = c.values.get(name)
                if v is not None and v != "":
                    chosen = c
                    break
            if chosen is None:
                values[name] = None
                continue
            if recent[id(chosen)] > _MIN:
                rule = "recency"
            else:
                chosen = next(c for c in complete if _filled(c.values.get(name)))
                rule = "completeness"
        values[name] = chosen.values[name]
        lineage[name] = (chosen.system, chosen.external_id, rule)
    return Golden(canonical_id, values, lineage)
