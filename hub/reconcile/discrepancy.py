"""The discrepancy model: one finding of a rule, and its key as the store and exports write it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Discrepancy", "Severity", "SEVERITIES", "KEY_SEP", "DUPLICATE_KIND", "join_key", "split_key"]

Severity = Literal["info", "low", "medium", "high", "critical"]
#: discrepancy severities, lowest first
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")

#: separator of a key's ids in the store's ``discrepancy.key`` and in ``hub export`` (``id_a|id_b``)
KEY_SEP = "|"

#: kind of the within-system duplicates the party matcher finds (not a discrepancy rule)
DUPLICATE_KIND = "duplicate_customer"


def join_key(key: tuple[str, ...]) -> str:
    """A key tuple as the store holds it."""
    return KEY_SEP.join(key)


def split_key(key: str) -> tuple[str, ...]:
    """A stored key back as its tuple."""
    return tuple(key.split(KEY_SEP))


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """One finding: ``key`` is the kind's key tuple in the scorer's order; ``system`` the system of
    the key's first id (``crm`` or ``drp``); ``details`` hold both sides' values; ``message`` is for people."""

    kind: str
    severity: str
    key: tuple[str, ...]
    system: str
    message: str
    details: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def scorer_row(self) -> tuple[str, str, str, str]:
        """(kind, system, external_id, other_external_id) as the bench scorer reads them."""
        other = self.key[1] if len(self.key) > 1 else ""
        return (self.kind, self.system, self.key[0], other)
