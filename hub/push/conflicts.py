"""The pre-export conflict check: was a column edited in the target since the last sync?

The baseline of a column is the value last written or confirmed in sync (``sync_state``), else
the value the last extract read. A live value different from its baseline is a target edit.
When the push would change such a column, it is overwritten only when the rules name another
system as the field's system of record; otherwise a ``field_conflict`` discrepancy is opened
and the column is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.push.changeset import FieldDiff

__all__ = ["KIND", "FieldConflict", "Verdict", "check"]

KIND = "field_conflict"


@dataclass(frozen=True)
class FieldConflict:
    """A discrepancy finding (see ``hub.reconcile.store.lifecycle.Finding``)."""

    kind: str
    severity: str
    key: tuple[str, ...]
    system: str
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Verdict:
    """Which diffs may be written, which were overridden by a system of record, and the conflicts."""

    write: list[FieldDiff] = field(default_factory=list)
    overridden: list[FieldDiff] = field(default_factory=list)
    conflicts: list[FieldConflict] = field(default_factory=list)


def check(
    system: str,
    external_id: str,
    canonical_id: str,
    diffs: list[FieldDiff],
    baseline: Mapping[str, str | None],
    unchanged_since_sync: bool,
    system_of_record: Mapping[str, str],
) -> Verdict:
    """Split ``diffs`` of one record; ``baseline`` holds normalised values of columns that have one."""
    verdict = Verdict()
    for d in diffs:
        edited = not unchanged_since_sync and d.column in baseline and baseline[d.column] != d.before
        if not edited:
            verdict.write.append(d)
            continue
        owner = system_of_record.get(d.column) or system_of_record.get(d.label)
        if owner is not None and owner != system:
            verdict.overridden.append(d)
            continue
        verdict.conflicts.append(
            FieldConflict(
                KIND,
                "medium",
                (external_id, canonical_id, d.column, system),
                system,
                f"{system} {external_id}: {d.column} was changed in {system} since the last sync "
                f"({baseline[d.column]!r} -> {d.before!r}); the hub's value {d.after!r} was not written",
                {
                    "column": d.column,
                    "field": d.label,
                    "synced": baseline[d.column],
                    "target": d.before,
                    "hub": d.after,
                },
            )
        )
    return verdict
