"""Watching one stream's read: its columns against the contract, each delivery against the guards.

The extract stage hands every batch to :class:`StreamWatch` before writing it. A column a
mapping reads that the source no longer delivers, or a frozen schema that changed, raises
:class:`~hub.errors.ContractError` at once; rows, and the share of filled values of every
mapped column, are counted per delivery (a file, or the whole read) and judged at the end
against the stream's last accepted profile: a delivery with no record, far fewer rows, or a
mostly filled column gone mostly empty raises :class:`~hub.errors.HoldError`. Either way the
caller rolls the stream back, so the store keeps its previous data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hub.connector import Batch, Record
from hub.contracts.columns import column_uses, missing_columns
from hub.contracts.policy import ContractSettings, GuardSettings
from hub.contracts.schema import KnownColumn, Observed, Profile, SchemaEvent
from hub.errors import ContractError, HoldError, ParseError

__all__ = ["StreamWatch", "Delivery"]

#: records per batch whose values are looked at for fill rates (evenly spread over the batch)
_SAMPLE = 2000


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "text"


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


@dataclass(slots=True)
class Delivery:
    """Counts of one delivery: its rows, and per mapped column the sampled rows that had a value."""

    name: str | None
    rows: int = 0
    sampled: int = 0
    filled: Counter[str] = field(default_factory=Counter)

    def shares(self) -> dict[str, float]:
        return {c: round(self.filled[c] / self.sampled, 4) for c in self.filled} if self.sampled else {}


class StreamWatch:
    """The contract and guards of one stream during one read."""

    def __init__(
        self,
        system: str,
        stream: str,
        mappings: list[Any],
        contract: ContractSettings,
        guards: GuardSettings,
        known: dict[str, KnownColumn],
        baseline: Profile | None,
        full_read: bool,
        accept: bool = False,
    ) -> None:
        self.system, self.stream = system, stream
        self.mappings, self.contract, self.guards = mappings, contract, guards
        self.known, self.baseline, self.full_read, self.accept = known, baseline, full_read, accept
        self.observed = Observed()
        self.deliveries: list[Delivery] = []
        self._current: Delivery | None = None
        self._checked_records = False
        keys: set[str] = set()
        #: fill-rate groups: "a" for one column, "a|b" for a rule reading several (filled when any is)
        self.targets: dict[str, list[str]] = {}
        groups: dict[str, tuple[str, ...]] = {}
        for m in mappings:
            keys.update(m.key_columns)
            for use in column_uses(m):
                if not use.target.endswith((" key", " when")):
                    name = "|".join(use.columns)
                    groups[name] = use.columns
                    self.targets.setdefault(name, []).append(use.target)
        self.mapped = {c for cols in groups.values() for c in cols} | keys
        for m in mappings:
            self.mapped.update(m.when)
        #: groups whose values are counted for fill rates (not the key: it is never empty)
        self.fill_groups = tuple((name, cols) for name, cols in groups.items() if not set(cols) <= keys)
        self._discard_values: set[str] = set()
        self._discard_rows: set[str] = set()

    def __getstate__(self) -> dict[str, Any]:
        """A read apart hands its watch to the writer to judge: the rules stay behind (only the
        checks of the batches read them, and compiled rules do not pickle)."""
        state = self.__dict__.copy()
        state["mappings"] = []
        return state

    # -- per batch -------------------------------------------------------------------------
    def check(self, batch: Batch) -> list[Record]:
        """Check a batch against the contract and count it; returns its records less any discarded rows."""
        name = batch.delivery
        if self._current is None or self._current.name != name:
            self._current = Delivery(name)
            self.deliveries.append(self._current)
        good = [r for r in batch.records if r.error is None]
        if batch.columns is not None:
            self._check_columns(tuple(batch.columns), declared=True, where=name, records=good)
        elif good and not self._checked_records:
            cols: dict[str, None] = {}
            for r in good:
                cols.update(dict.fromkeys(r.data))
            self._check_columns(tuple(cols), declared=False, where=name, records=good)
            self._checked_records = True
        elif good:
            self._note_new_keys(good, name)
        records = self._apply_discards(batch.records)
        self._count(records)
        return records

    def _check_columns(
        self, columns: tuple[str, ...], declared: bool, where: str | None, records: list[Record]
    ) -> None:
        present = set(columns)
        missing = missing_columns(self.mappings, columns)
        loc = where or f"{self.system}/{self.stream}"
        if missing and self.contract.mapped_columns == "freeze":
            for p in missing:
                self.observed.events.append(
                    SchemaEvent("removed", p.column, "failed", f"read by {p.target} ({p.where})", where)
                )
            what = "; ".join(f"column {p.column!r}, which {p.where} maps to {p.target}" for p in missing)
            shown = ", ".join(columns[:40]) + (", ..." if len(columns) > 40 else "")
            raise ContractError(
                f"{loc}: the source does not deliver {what}; columns delivered: {shown or 'none'}",
                system=self.system,
                stream=self.stream,
                column=missing[0].column,
                rule=missing[0].where,
                delivery=where,
                columns=[p.column for p in missing],
            )
        for p in missing:
            self.observed.events.append(
                SchemaEvent("removed", p.column, "discarded", f"read by {p.target}; mapped as empty", where)
            )
        types: dict[str, set[str]] = {c: set() for c in columns}
        if declared and records and all(isinstance(v, str) for v in records[0].data.values()):
            for c in columns:
                types[c].add("text")
        else:
            for r in records[:200]:
                for k, v in r.data.items():
                    types.setdefault(k, set()).add(_type(v))
        for col, ts in types.items():
            self.observed.columns.setdefault(col, set()).update(ts)
        if not self.known:
            return  # the first delivery defines the schema
        added = [c for c in columns if c not in self.known or not self.known[c].present]
        for col in added:
            self._new_column(col, where)
        if declared:
            for col, kc in self.known.items():
                if kc.present and col not in present and col not in self.mapped:
                    if self.contract.new_columns == "freeze":
                        self.observed.events.append(SchemaEvent("removed", col, "failed", "schema frozen", where))
                        raise ContractError(
                            f"{loc}: column {col!r} is gone and the stream's schema is frozen",
                            system=self.system,
                            stream=self.stream,
                            column=col,
                            delivery=where,
                        )
                    self.observed.removed.add(col)
                    self.observed.events.append(SchemaEvent("removed", col, "recorded", "", where))

    def _new_column(self, col: str, where: str | None) -> None:
        policy = self.contract.new_columns
        loc = where or f"{self.system}/{self.stream}"
        if policy == "freeze":
            self.observed.events.append(SchemaEvent("added", col, "failed", "schema frozen", where))
            raise ContractError(
                f"{loc}: new column {col!r} and the stream's schema is frozen (contract new_columns: freeze)",
                system=self.system,
                stream=self.stream,
                column=col,
                delivery=where,
            )
        if policy == "discard_row":
            self._discard_rows.add(col)
        elif policy == "discard_value":
            self._discard_values.add(col)
        self.observed.events.append(
            SchemaEvent("added", col, "recorded" if policy == "evolve" else "discarded", policy, where)
        )

    def _note_new_keys(self, records: list[Record], where: str | None) -> None:
        seen = self.observed.columns
        for r in records:
            for k, v in r.data.items():
                if k not in seen:
                    seen[k] = {_type(v)}
                    if self.known and (k not in self.known or not self.known[k].present):
                        self._new_column(k, where)

    def _apply_discards(self, records: list[Record]) -> list[Record]:
        if not (self._discard_rows or self._discard_values):
            return records
        out = []
        for r in records:
            if r.error is None and self._discard_rows and self._discard_rows.intersection(r.data):
                col = sorted(self._discard_rows.intersection(r.data))[0]
                err = ParseError(
                    f"the record has column {col!r}, which the contract discards (new_columns: discard_row)", field=col
                )
                out.append(Record(r.stream, r.key, {}, location=r.location, error=err, raw=str(r.data)[:2000]))
                continue
            for col in self._discard_values:
                r.data.pop(col, None)
            out.append(r)
        return out

    def _count(self, records: list[Record]) -> None:
        d = self._current
        assert d is not None
        d.rows += len(records)
        good = [r for r in records if r.error is None]
        if not good or not self.fill_groups:
            return
        step = max(1, len(good) // _SAMPLE)
        groups = self.fill_groups
        for r in good[::step]:
            data = r.data
            d.sampled += 1
            for name, cols in groups:
                for c in cols:
                    v = data.get(c)
                    if v is not None and (v.__class__ is not str or v.strip()):
                        d.filled[name] += 1
                        break
        for name, _cols in groups:
            d.filled.setdefault(name, 0)

    # -- at the end of the read ----------------------------------------------------------------
    def judge(self) -> None:
        """Raise HoldError when a delivery of this read trips a guard (unless the stream is accepted)."""
        if self.accept:
            return
        where = f"{self.system}/{self.stream}"
        g, base = self.guards, self.baseline
        if not self.deliveries and self.full_read and base is None and g.empty == "hold":
            raise HoldError(
                f"{where} delivered nothing on its first read (no file, page or record); "
                "check the source's path, pattern or filter, or set guards empty: allow",
                kind="empty",
                system=self.system,
                stream=self.stream,
            )
        for d in self.deliveries:
            label = d.name or where
            snapshot = d.name is not None or self.full_read
            if d.rows == 0 and snapshot and g.empty == "hold":
                raise HoldError(
                    f"{label} holds no record (a header only, or an empty export); the stream keeps its previous data",
                    kind="empty",
                    system=self.system,
                    stream=self.stream,
                    delivery=d.name,
                )
            if d.rows == 0 and g.empty == "allow":
                continue
            if (
                snapshot
                and base is not None
                and base.rows
                and g.max_row_drop is not None
                and d.rows < base.rows * (1 - g.max_row_drop)
            ):
                drop = 1 - d.rows / base.rows
                raise HoldError(
                    f"{label} delivered {d.rows:,} rows, {_pct(drop)} fewer than its last accepted "
                    f"delivery ({base.rows:,} rows, run {base.run_id}); the limit is {_pct(g.max_row_drop)}",
                    kind="volume",
                    system=self.system,
                    stream=self.stream,
                    delivery=d.name,
                    rows=d.rows,
                    baseline_rows=base.rows,
                )
            if base is None or g.max_fill_drop is None or d.sampled < g.min_rows:
                continue
            shares = d.shares()
            for col, before in sorted(base.filled.items()):
                now = shares.get(col)
                if now is None or before < g.min_filled or now >= before * (1 - g.max_fill_drop):
                    continue
                fields = ", ".join(self.targets.get(col, [])) or col
                what = f"column {col!r}" if "|" not in col else f"columns {col.replace('|', ', ')}"
                raise HoldError(
                    f"{label}: {what} ({fields}) is filled in {_pct(now)} of records, "
                    f"{_pct(before)} in the last accepted delivery (run {base.run_id})",
                    kind="null_rate",
                    system=self.system,
                    stream=self.stream,
                    field=fields,
                    column=col,
                    delivery=d.name,
                )

    def profile(self) -> tuple[int, dict[str, float], bool] | None:
        """(rows, fill shares, delivered) of the read's last delivery, the next baseline; None when nothing came."""
        if not self.deliveries:
            return None
        last, base = self.deliveries[-1], self.baseline
        shares = last.shares() if last.sampled >= self.guards.min_rows else (base.filled if base else {})
        snapshot = last.name is not None or self.full_read
        rows = last.rows if snapshot or base is None else base.rows  # an incremental page is no volume baseline
        return rows, shares, last.rows > 0
