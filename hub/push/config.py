"""Push rules (``push.yaml``): per target system and entity, which golden fields flow where and how safely.

Example::

    targets:
      crm:                                  # a system of the hub config
        rate_limit: 20                      # API calls per second towards it (default: the system's)
        batch_size: 200                     # changes per connector.write call (one collections call)
        breaker: {max_share: 0.05}          # hold a push changing more than 5% of the target's records
        retry: {max_attempts: 5, backoff_seconds: 60}
        entities:
          party:
            stream: Account                 # the target stream (and the mapping that reverses into it)
            update: true
            fields: [name, phone]           # golden fields written back through the reverse mapping
            columns:                        # target columns not in the mapping
              Credit_Limit__c: {field: credit_limit}
              Open_Receivables__c: {compute: open_receivables, system: drp}
              ERP_Customer_Code__c: {compute: member_id, system: drp}
            system_of_record: {credit_limit: drp, Open_Receivables__c: drp}
            version_column: SystemModstamp  # the target's updated_at/version
      drp:
        entities:
          party:
            stream: customers
            create: true                    # golden records with no member in the target are created
            update: false
            fields: [name, channel_level, province, city, address, phone, owner_ref, parent_ref]
            columns: {统一社会信用代码: {field: tax_id}}

Loaded and validated once; every problem is reported with file and line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.canonical import ENTITIES
from hub.configfile import config_error, read_config_file, validate_model
from hub.errors import MappingRuleError
from hub.push.flow_config import FlowRules

__all__ = ["ColumnRule", "EntityPush", "BreakerRules", "RetryRules", "TargetPush", "PushRules", "load_push_rules"]

#: computed column functions (see ``hub.push.computed``) and the canonical type they return
COMPUTE_TYPES: dict[str, str] = {
    "member_id": "str",
    "open_receivables": "decimal",
    "overdue_amount": "decimal",
    "open_invoice_count": "int",
    "last_payment_date": "date",
    "inventory_on_hand": "decimal",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ColumnRule(_Strict):
    """A target column filled from one golden field or from a computed value."""

    field: str | None = None
    compute: str | None = None
    #: the system a computed value is taken from (``member_id``: whose id; aggregates: whose records)
    system: str | None = None
    #: the reporting date of ``overdue_amount`` (default: today, UTC)
    as_of: dt.date | None = None
    #: date format for date values written as text (default ISO)
    format: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ColumnRule:
        if (self.field is None) == (self.compute is None):
            raise ValueError("a column takes exactly one of field or compute")
        if self.compute is not None and self.compute not in COMPUTE_TYPES:
            raise ValueError(f"unknown compute {self.compute!r}; known: {', '.join(sorted(COMPUTE_TYPES))}")
        if self.compute is not None and self.system is None:
            raise ValueError(f"compute {self.compute!r} needs system: the system its values come from")
        return self


class EntityPush(_Strict):
    """What one canonical entity writes into one stream of the target."""

    stream: str
    #: the mapping stream whose reverse rules give the target columns (default: ``stream``)
    mapping_stream: str | None = None
    create: bool = False
    update: bool = True
    fields: list[str] = Field(default_factory=list)
    columns: dict[str, ColumnRule] = Field(default_factory=dict)
    #: field or column -> the system that owns it: its value overwrites an edit made in the target
    system_of_record: dict[str, str] = Field(default_factory=dict)
    #: the target's updated_at / version column (the conflict check's fast path)
    version_column: str | None = None
    #: create: golden field -> allowed values; golden records outside are not created
    create_when: dict[str, list[str]] = Field(default_factory=dict)
    #: create: send this column as an external-id upsert key (safe to repeat), else a plain create
    create_match_column: str | None = None


class BreakerRules(_Strict):
    """The circuit breaker: a push changing more than ``max_share`` of a target's records waits for approval."""

    max_share: float = Field(0.05, gt=0, le=1)
    #: never trip for fewer changed records than this
    min_changes: int = Field(0, ge=0)


class RetryRules(_Strict):
    """Outbox retries of failed writes before they are parked as dead letters."""

    max_attempts: int = Field(5, ge=1)
    backoff_seconds: float = Field(60.0, ge=0)
    backoff_max_seconds: float = Field(3600.0, ge=0)


class TargetPush(_Strict):
    """One target system."""

    entities: dict[str, EntityPush]
    rate_limit: float | None = Field(None, gt=0)
    batch_size: int = Field(200, ge=1)
    #: the target deduplicates creates by the idempotency key it is sent (e.g. a SOAP requestId),
    #: so a create whose outcome is unknown may be sent again; otherwise such a create is parked
    idempotent_creates: bool = False
    breaker: BreakerRules = Field(default_factory=BreakerRules)
    retry: RetryRules = Field(default_factory=RetryRules)


class PushRules(_Strict):
    """The whole push rule file."""

    targets: dict[str, TargetPush]
    #: order, credit, task and commission flows (``hub.push.flow_config``)
    flows: FlowRules | None = None
    #: the file it was loaded from
    path: str | None = Field(None, exclude=True)


def _problems(rules: PushRules, systems: set[str] | None) -> list[tuple[tuple[Any, ...], str]]:
    out: list[tuple[tuple[Any, ...], str]] = []
    for target, tp in rules.targets.items():
        if systems is not None and target not in systems:
            out.append((("targets", target), f"unknown system {target!r}; configured: {', '.join(sorted(systems))}"))
        for entity, ep in tp.entities.items():
            where = ("targets", target, "entities", entity)
            if entity not in ENTITIES:
                out.append((where, f"unknown entity {entity!r}; known: {', '.join(sorted(ENTITIES))}"))
                continue
            known = ENTITIES[entity]
            for f in ep.fields:
                if f not in known:
                    out.append((where + ("fields",), f"{entity} has no field {f!r}"))
            for col, rule in ep.columns.items():
                if rule.field is not None and rule.field not in known:
                    out.append((where + ("columns", col), f"{entity} has no field {rule.field!r}"))
            for f in ep.create_when:
                if f not in known:
                    out.append((where + ("create_when",), f"{entity} has no field {f!r}"))
            owned = set(ep.fields) | set(ep.columns) | {r.field for r in ep.columns.values() if r.field}
            for f in ep.system_of_record:
                if f not in owned:
                    out.append((where + ("system_of_record",), f"{f!r} is neither a pushed field nor a column"))
            if not (ep.fields or ep.columns):
                out.append((where, "nothing to push: give fields or columns"))
    if systems is not None and rules.flows is not None:
        for flow, names in _flow_systems(rules.flows).items():
            for key, name in names.items():
                if name is not None and name not in systems:
                    out.append(
                        (("flows", flow, key), f"unknown system {name!r}; configured: {', '.join(sorted(systems))}")
                    )
    return out


def _flow_systems(flows: FlowRules) -> dict[str, dict[str, str | None]]:
    """The systems each configured flow names, by rule key."""
    out: dict[str, dict[str, str | None]] = {}
    if flows.orders is not None:
        out["orders"] = {"crm": flows.orders.crm, "drp": flows.orders.drp}
    if flows.tasks is not None:
        out["tasks"] = {"crm": flows.tasks.crm, "drp": flows.tasks.drp}
    if flows.commission is not None:
        out["commission"] = {"crm": flows.commission.crm}
    return out


def load_push_rules(path: str | Path, systems: set[str] | None = None) -> PushRules:
    """Read and validate a push rule file; ``systems`` are the configured system names to check against."""
    file = read_config_file(path, "push rules", MappingRuleError)
    rules = validate_model(PushRules, file, "push rules", MappingRuleError)
    found = _problems(rules, systems)
    if found:
        raise config_error(MappingRuleError, "push rules", [file.problem(loc, msg) for loc, msg in found], file.source)
    rules.path = file.source
    return rules
