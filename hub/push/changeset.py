"""The changeset of one target record: which columns the golden record changes, as a pure diff.

Values compare in their typed, normalised form (``hub.push.values.norm``), so ``500000.0`` from
a JSON API equals ``"500000.00"`` from a CSV and nothing is pushed for them. A desired value of
None never clears a target value.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.push.values import norm

__all__ = ["FieldDiff", "RecordChange", "diff_values", "change_key"]


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """One column to change: the live value before, the desired value after (both normalised)."""

    column: str
    label: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class RecordChange:
    """The changed columns of one record (``external_id`` None: the record is created)."""

    canonical_id: str
    external_id: str | None
    op: str
    diffs: tuple[FieldDiff, ...]
    #: column -> value to send
    data: Mapping[str, Any]
    match_field: str | None = None

    def diff_json(self) -> dict[str, Any]:
        return {d.column: {"field": d.label, "before": d.before, "after": d.after} for d in self.diffs}


def diff_values(desired: Mapping[str, Any], live: Mapping[str, Any], labels: Mapping[str, str]) -> list[FieldDiff]:
    """Columns whose desired value differs from the live one, in ``desired`` order."""
    out = []
    for column, value in desired.items():
        after = norm(value)
        if after is None:
            continue
        before = norm(live.get(column))
        if before != after:
            out.append(FieldDiff(column, labels.get(column, column), before, after))
    return out


def change_key(system: str, stream: str, change: RecordChange) -> str:
    """The idempotency key: a create per golden record, an update per record and payload."""
    if change.op in ("create", "upsert") and change.external_id is None:
        ident = ["create", system, stream, change.canonical_id]
    else:
        ident = [
            "update",
            system,
            stream,
            change.external_id or "",
            json.dumps({d.column: d.after for d in change.diffs}, sort_keys=True, ensure_ascii=False),
        ]
    digest = hashlib.blake2b("\x1f".join(ident).encode("utf-8"), digest_size=12).hexdigest()
    return f"hub-{digest}"
