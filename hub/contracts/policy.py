"""Contract and guard policies of hub.yaml: defaults, per system, per stream.

::

    guards:                       # defaults for every stream of every system
      max_row_drop: 0.5           # a delivery with less than half the rows of the last accepted one holds the run
    systems:
      drp:
        contract: {new_columns: evolve, streams: {customers: {new_columns: freeze}}}
        guards: {streams: {inventory: {max_row_drop: null, empty: allow}}}

A setting given at a narrower level wins; ``null`` switches a threshold off.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ContractSettings", "ContractConfig", "GuardSettings", "GuardConfig", "effective"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContractSettings(_Model):
    """What to do when a stream's columns change (dlt-style schema contract)."""

    #: a column a mapping reads is missing: ``freeze`` fails the stream; ``discard_value`` maps it as empty
    mapped_columns: Literal["freeze", "discard_value"] = "freeze"
    #: a column no mapping reads appears: ``evolve`` records it; ``freeze`` fails the stream;
    #: ``discard_row`` quarantines the records that have it; ``discard_value`` drops its values
    new_columns: Literal["evolve", "freeze", "discard_row", "discard_value"] = "evolve"


class GuardSettings(_Model):
    """Volume and null-rate guards of one stream, compared with its last accepted delivery."""

    #: hold when a delivery has fewer rows than (1 - max_row_drop) x the last accepted one (null: off)
    max_row_drop: float | None = Field(default=0.5, ge=0, le=1)
    #: a delivery with no record (a header-only file, an empty first read): hold, or allow
    empty: Literal["hold", "allow"] = "hold"
    #: a mapped column counts as mostly filled from this share of records
    min_filled: float = Field(default=0.5, ge=0, le=1)
    #: hold when a mostly filled column's share falls by more than this (0.5: from 90% to under 45%; null: off)
    max_fill_drop: float | None = Field(default=0.5, ge=0, le=1)
    #: deliveries smaller than this are not judged by fill rates (too few rows to tell)
    min_rows: int = Field(default=20, ge=1)


class ContractConfig(ContractSettings):
    """A system's contract settings, with per-stream overrides."""

    streams: dict[str, ContractSettings] = Field(default_factory=dict)


class GuardConfig(GuardSettings):
    """Guard settings (top level or per system), with per-stream overrides."""

    streams: dict[str, GuardSettings] = Field(default_factory=dict)


def effective(kind: type[_Model], *levels: Any, stream: str) -> Any:
    """The settings of one stream: each level's explicitly given values override the broader ones."""
    values: dict[str, Any] = {}
    for level in levels:
        if level is None:
            continue
        values.update({k: getattr(level, k) for k in level.model_fields_set if k != "streams"})
        narrow = getattr(level, "streams", {}).get(stream)
        if narrow is not None:
            values.update({k: getattr(narrow, k) for k in narrow.model_fields_set})
    return kind(**values)
