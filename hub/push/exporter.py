"""The exporter: push one entity into one target stream, end to end (OCA: skip, check, map, write, bind).

Steps: fetch the live records; build the desired values from the golden records; diff them;
run the conflict check (sync state, echo suppression); evaluate the circuit breaker; record
every change in the outbox *before* sending; send in batches at the target's rate; settle each
result (done / retry with backoff / dead letter), bind created records and record the values
written. A dry run stops after the breaker and writes nothing anywhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from hub.connector import Change, Connector
from hub.errors import HubError, PushError
from hub.http import Throttle
from hub.push import outbox
from hub.push.breaker import Trip, evaluate
from hub.push.changeset import FieldDiff, RecordChange, change_key, diff_values
from hub.push.columns import Column, send_value
from hub.push.config import EntityPush, TargetPush
from hub.push.conflicts import FieldConflict, check
from hub.push.desired import Desired, load_desired, load_extracted, load_members
from hub.push.echo import Synced, echo_columns, load_sync, record_sync
from hub.push.live import fetch_live
from hub.push.values import norm

log = logging.getLogger(__name__)

__all__ = ["TargetResult", "Exporter"]

_REUSABLE = ("pending", "held", "superseded")


@dataclass
class TargetResult:
    """What a push did (or, in a dry run, would do) to one target stream."""

    system: str
    stream: str
    entity: str
    live: int = 0
    changes: list[RecordChange] = field(default_factory=list)
    conflicts: list[FieldConflict] = field(default_factory=list)
    overridden: int = 0
    echoes: int = 0
    missing: int = 0
    trip: Trip | None = None
    calls: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def bump(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def summary(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "live_records": self.live,
            "changes": len(self.changes),
            "creates": sum(c.external_id is None for c in self.changes),
            "conflicts": len(self.conflicts),
            "overridden": self.overridden,
            "echoes_suppressed": self.echoes,
            "missing_in_target": self.missing,
            "breaker": self.trip.describe() if self.trip else None,
            **self.counts,
        }


class Exporter:
    """One (target system, entity rule) pair."""

    def __init__(
        self,
        engine: Engine,
        run_id: int,
        system: str,
        target: TargetPush,
        entity: str,
        rule: EntityPush,
        connector: Connector,
        columns: list[Column],
        calls: Any,
        rate_limit: float | None = None,
    ) -> None:
        self.engine, self.run_id, self.system, self.target = engine, run_id, system, target
        self.entity, self.rule, self.connector, self.columns = entity, rule, connector, columns
        self.by_name = {c.name: c for c in columns}
        self.labels = {c.name: c.label for c in columns}
        self.describe_calls = calls
        self.throttle = Throttle(target.rate_limit or rate_limit)

    # --- planning -----------------------------------------------------------------------------
    def plan(self, result: TargetResult) -> list[tuple[str, str, str | None, str, str | None]]:
        """Fill ``result`` with the changes and conflicts; returns sync rows confirming values already in sync."""
        live = fetch_live(self.connector, self.rule.stream)
        result.live = len(live)
        with self.engine.connect() as conn:
            self.members = load_members(conn, self.entity)
            desired = load_desired(conn, self.entity, self.system, self.columns, self.members)
            extracted = load_extracted(conn, self.entity, self.system, self.columns)
            self.sync = load_sync(conn, self.system, self.rule.stream)
        self.live = live
        self.versions: dict[str, str | None] = {}
        in_sync: list[tuple[str, str, str | None, str, str | None]] = []
        for d in desired:
            if d.targets:
                if self.rule.update:
                    for ext in d.targets:
                        self._plan_update(d, ext, live.get(ext), extracted.get(ext, {}), result, in_sync)
            elif self.rule.create and self._wanted(d):
                self._plan_create(d, result)
        return in_sync

    def _wanted(self, d: Desired) -> bool:
        return (
            all(norm(d.golden.get(f)) in {norm(v) for v in allowed} for f, allowed in self.rule.create_when.items())
            if self.rule.create_when
            else True
        )

    def _plan_update(
        self,
        d: Desired,
        ext: str,
        record: dict[str, Any] | None,
        extracted: dict[str, Any],
        result: TargetResult,
        in_sync: list[tuple[str, str, str | None, str, str | None]],
    ) -> None:
        if record is None:
            result.missing += 1
            return
        live_vals = {c.name: c.parse(record) for c in self.columns}
        live_norm = {k: norm(v) for k, v in live_vals.items()}
        synced: dict[str, Synced] = self.sync.get(ext, {})
        result.echoes += len(echo_columns(synced, live_norm))
        version = norm(record.get(self.rule.version_column)) if self.rule.version_column else None
        self.versions[ext] = version
        baseline = {c: s.value for c, s in synced.items()}
        for col, value in extracted.items():
            baseline.setdefault(col, norm(value))
        unchanged = version is not None and bool(synced) and all(s.version == version for s in synced.values())
        diffs = diff_values(d.values, live_vals, self.labels)
        # a value whose target spelling is already there is no change (code tables need not round-trip)
        diffs = [x for x in diffs if norm(self._sent(x.column, d.values[x.column], ext)) != norm(record.get(x.column))]
        verdict = check(self.system, ext, d.canonical_id, diffs, baseline, unchanged, self.rule.system_of_record)
        result.conflicts.extend(verdict.conflicts)
        result.overridden += len(verdict.overridden)
        write = verdict.write + verdict.overridden
        for col, value in d.values.items():
            now = norm(value)
            if now == live_norm.get(col) and (col not in synced or synced[col].value != now):
                in_sync.append((ext, col, now, "target", version))
        if write:
            data = {x.column: send_value(self.by_name[x.column], d.values[x.column], self.system, ext) for x in write}
            result.changes.append(RecordChange(d.canonical_id, ext, "update", tuple(write), data))

    def _sent(self, column: str, value: Any, ext: str) -> Any:
        try:
            return send_value(self.by_name[column], value, self.system, ext)
        except HubError:
            return None

    def _plan_create(self, d: Desired, result: TargetResult) -> None:
        if not d.values:
            return
        try:
            data = {col: send_value(self.by_name[col], v, self.system, None) for col, v in d.values.items()}
        except HubError as exc:
            result.bump("unmappable")
            log.warning("push %s/%s: cannot create %s: %s", self.system, self.rule.stream, d.canonical_id, exc)
            return
        diffs = tuple(FieldDiff(col, self.labels[col], None, norm(v)) for col, v in d.values.items())
        match = self.rule.create_match_column
        result.changes.append(RecordChange(d.canonical_id, None, "upsert" if match else "create", diffs, data, match))

    # --- the whole thing ----------------------------------------------------------------------
    def run(
        self,
        dry_run: bool = False,
        approve_run: int | None = None,
        kind: str = "",
        settings: dict[str, Any] | None = None,
    ) -> TargetResult:
        """Plan, check the breaker, then (unless ``dry_run``) record, send and settle every change."""
        result = TargetResult(self.system, self.rule.stream, self.entity)
        in_sync = self.plan(result)
        approved = None
        if approve_run is not None:
            with self.engine.connect() as conn:
                approved = outbox.held_size(conn, approve_run, self.system, self.rule.stream)
        result.trip = evaluate(self.target.breaker, len(result.changes), result.live, approved)
        result.calls = self.describe_calls(
            kind, settings or {}, self.rule.stream, result.changes, self.target.batch_size
        )
        if dry_run:
            return result
        with self.engine.begin() as conn:
            if in_sync:
                record_sync(conn, self.system, self.rule.stream, in_sync, self.run_id)
            todo = self._record(conn, result)
        if result.trip.tripped:
            return result
        self._send(todo, result)
        return result

    def _record(self, conn: Any, result: TargetResult) -> list[int]:
        """Outbox rows for the plan (held when the breaker is open); returns the ids to send now."""
        keys = {change_key(self.system, self.rule.stream, c): c for c in result.changes}
        existing = outbox.by_keys(conn, list(keys))
        held = bool(result.trip and result.trip.tripped)
        now_status = "held" if held else "pending"
        send: list[int] = []
        fresh: list[dict[str, Any]] = []
        for key, change in keys.items():
            row = existing.get(key)
            if row is None:
                fresh.append(
                    {
                        "idempotency_key": key,
                        "run_id": self.run_id,
                        "system": self.system,
                        "stream": self.rule.stream,
                        "entity": self.entity,
                        "canonical_id": change.canonical_id,
                        "external_id": change.external_id,
                        "op": change.op,
                        "match_field": change.match_field,
                        "payload": dict(change.data),
                        "diff": change.diff_json(),
                        "status": now_status,
                    }
                )
                continue
            if row.status in _REUSABLE or (row.status == "retry" and self._due(row)):
                payload = dict(change.data) if row.status in _REUSABLE else row.payload
                outbox.set_status(
                    conn, [row.id], now_status, run_id=self.run_id, payload=payload, diff=change.diff_json()
                )
                send.append(row.id)
            elif row.status == "sending":
                # the process died between send and confirm: the target may or may not have the write
                if change.external_id is not None or change.match_field or self.target.idempotent_creates:
                    outbox.set_status(conn, [row.id], now_status, run_id=self.run_id)  # same key, same payload: safe
                    send.append(row.id)
                    result.bump("resent_unconfirmed")
                else:
                    outbox.set_status(
                        conn,
                        [row.id],
                        "dead",
                        last_error="outcome of the create unknown (process stopped "
                        "after sending) and the target cannot deduplicate it: check the target, then retry or discard",
                    )
                    result.bump("dead")
            elif row.status == "done":
                if change.external_id is not None:  # the same write again (the target went back): a new write
                    fresh.append(
                        {
                            **self._row_of(row),
                            "idempotency_key": f"{key}-r{self.run_id}",
                            "payload": dict(change.data),
                            "diff": change.diff_json(),
                            "status": now_status,
                            "run_id": self.run_id,
                        }
                    )
                else:
                    result.bump("created_not_yet_read")
            else:
                result.bump(f"parked_{row.status}")
        outbox.insert(conn, fresh)
        planned = set(keys) | {f["idempotency_key"] for f in fresh}
        self._supersede(conn, planned, result)
        if held:
            return []
        ids = outbox.by_keys(conn, [f["idempotency_key"] for f in fresh])
        return send + [r.id for r in ids.values()]

    def _row_of(self, row: Any) -> dict[str, Any]:
        return {
            k: getattr(row, k)
            for k in ("system", "stream", "entity", "canonical_id", "external_id", "op", "match_field")
        }

    @staticmethod
    def _due(row: Any) -> bool:
        from hub.clock import utcnow

        return row.next_attempt_at is None or row.next_attempt_at <= utcnow()

    def _supersede(self, conn: Any, planned: set[str], result: TargetResult) -> None:
        """Open rows of this stream the new plan no longer contains: confirm landed writes, drop the rest."""
        done, stale = [], []
        for row in outbox.open_entries(conn, self.system, self.rule.stream):
            if row.idempotency_key in planned or row.entity != self.entity:
                continue
            if row.status == "sending" and row.external_id is not None and self._landed(row):
                done.append(row.id)
            else:
                stale.append(row.id)
        outbox.set_status(conn, done, "done", result={"confirmed_by": "read-before-write"})
        outbox.set_status(conn, stale, "superseded")
        if done:
            result.bump("confirmed_by_read", len(done))

    def _landed(self, row: Any) -> bool:
        record = self.live.get(row.external_id)
        if record is None:
            return False
        return all(
            norm(self.by_name[c].parse(record)) == (d or {}).get("after")
            for c, d in (row.diff or {}).items()
            if c in self.by_name
        )

    # --- sending ------------------------------------------------------------------------------
    def _send(self, ids: list[int], result: TargetResult) -> None:
        from sqlalchemy import select

        T = outbox.T
        size = self.target.batch_size
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            with self.engine.begin() as conn:
                rows = {r.id: r for r in conn.execute(select(T).where(T.c.id.in_(chunk)))}
                outbox.set_status(conn, chunk, "sending")
            rows_in_order = [rows[i] for i in chunk]
            changes = [
                Change(r.op, r.external_id, dict(r.payload), r.idempotency_key, r.match_field) for r in rows_in_order
            ]
            self.throttle.wait()
            results: dict[str, Any] = {}
            failure: BaseException | None = None
            try:
                for wr in self.connector.write(self.rule.stream, changes):
                    results[wr.idempotency_key] = wr
            except HubError as exc:
                failure = exc
            self._settle(rows_in_order, results, failure, result)

    def _settle(
        self, rows: list[Any], results: dict[str, Any], failure: BaseException | None, result: TargetResult
    ) -> None:
        from hub.push.bind import bind

        with self.engine.begin() as conn:
            sync_rows: list[tuple[str, str, str | None, str, str | None]] = []
            for row in rows:
                wr = results.get(row.idempotency_key)
                if wr is None or not wr.ok:
                    error = (
                        (wr.error if wr is not None else None)
                        or failure
                        or PushError(
                            "the connector returned no result for this change",
                            system=self.system,
                            stream=self.rule.stream,
                        )
                    )
                    result.bump(outbox.failure(conn, row.id, row.attempts, error, self.target.retry))
                    continue
                ext = wr.external_id or row.external_id
                outbox.set_status(
                    conn,
                    [row.id],
                    "done",
                    external_id=ext,
                    last_error=None,
                    next_attempt_at=None,
                    result={"external_id": ext, "created": wr.created, **_jsonable(wr.details)},
                )
                result.bump("written")
                if row.external_id is None and ext:
                    others = [
                        (s, e)
                        for s, es in sorted(self.members.get(row.canonical_id, {}).items())
                        if s != self.system
                        for e in es
                    ]
                    bind(conn, self.entity, self.system, ext, row.canonical_id, others, self.run_id)
                    result.bump("created" if wr.created else "create_confirmed")
                v = self.versions.get(ext or "")
                sync_rows.extend((ext, c, (d or {}).get("after"), "hub", v) for c, d in (row.diff or {}).items() if ext)
            if sync_rows:
                record_sync(conn, self.system, self.rule.stream, sync_rows, self.run_id)


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(details or {}, default=str))
