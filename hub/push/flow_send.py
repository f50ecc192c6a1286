"""Send the channel flows' writes through the outbox: recorded before sending, settled after, never sent twice.

Each write has a stable idempotency key chosen by its flow (an order create is keyed by the CRM
order id, a task by its reason and record). A key already ``done`` is not sent again; a key left
``sending`` by a process that stopped is sent again only when the target deduplicates it (the
key travels as the request id or upsert key), else it is parked as a dead letter for a person.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from hub.connector import Change, Connector, WriteResult
from hub.errors import HubError, PushError
from hub.push import outbox
from hub.push.config import RetryRules

__all__ = ["FlowChange", "Sent", "send_changes"]


@dataclass(frozen=True)
class FlowChange:
    """One write of a flow; ``data`` must be JSON-able (it is kept in the outbox)."""

    key: str
    record_id: str
    op: str
    data: dict[str, Any]
    external_id: str | None = None
    match_field: str | None = None
    diff: dict[str, Any] = field(default_factory=dict)


@dataclass
class Sent:
    """What became of the changes: key -> target id of the written ones, the failed ones' errors, counts."""

    written: dict[str, str | None] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def bump(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n


def _due(row: Any) -> bool:
    from hub.clock import utcnow

    return row.next_attempt_at is None or row.next_attempt_at <= utcnow()


def send_changes(
    engine: Engine,
    run_id: int,
    system: str,
    stream: str,
    entity: str,
    connector: Connector,
    changes: Sequence[FlowChange],
    retry: RetryRules,
    deduplicating: bool,
    batch: int = 200,
) -> Sent:
    """Record, send and settle ``changes``; a change whose key is already done is reported as written, not sent."""
    sent = Sent()
    todo: list[int] = []
    with engine.begin() as conn:
        existing = outbox.by_keys(conn, [c.key for c in changes])
        fresh = []
        for c in changes:
            row = existing.get(c.key)
            if row is None:
                fresh.append(
                    {
                        "idempotency_key": c.key,
                        "run_id": run_id,
                        "system": system,
                        "stream": stream,
                        "entity": entity,
                        "canonical_id": c.record_id,
                        "external_id": c.external_id,
                        "op": c.op,
                        "match_field": c.match_field,
                        "payload": json.loads(json.dumps(c.data, default=str)),
                        "diff": c.diff,
                        "status": "pending",
                    }
                )
            elif row.status == "done":
                sent.written[c.key] = (row.result or {}).get("external_id") or row.external_id
                sent.bump("already_done")
            elif row.status in ("pending", "held", "superseded") or (row.status == "retry" and _due(row)):
                outbox.set_status(conn, [row.id], "pending", run_id=run_id)
                todo.append(row.id)
            elif row.status == "sending":
                if deduplicating or c.op == "update" or c.match_field:
                    outbox.set_status(conn, [row.id], "pending", run_id=run_id)
                    todo.append(row.id)
                    sent.bump("resent_unconfirmed")
                else:
                    outbox.set_status(
                        conn,
                        [row.id],
                        "dead",
                        last_error="outcome unknown (process stopped after sending) "
                        "and the target cannot deduplicate it: check the target, then retry or discard",
                    )
                    sent.bump("dead")
            else:
                sent.bump(f"parked_{row.status}")
        outbox.insert(conn, fresh)
        todo += [r.id for r in outbox.by_keys(conn, [f["idempotency_key"] for f in fresh]).values()]
    T = outbox.T
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        with engine.begin() as conn:
            rows = sorted(conn.execute(select(T).where(T.c.id.in_(chunk))), key=lambda r: r.id)
            outbox.set_status(conn, chunk, "sending")
        results: dict[str, WriteResult] = {}
        failure: BaseException | None = None
        try:
            for written in connector.write(
                stream, [Change(r.op, r.external_id, dict(r.payload), r.idempotency_key, r.match_field) for r in rows]
            ):
                results[written.idempotency_key] = written
        except HubError as exc:
            failure = exc
        with engine.begin() as conn:
            for r in rows:
                wr = results.get(r.idempotency_key)
                if wr is None or not wr.ok:
                    error = (
                        (wr.error if wr is not None else None)
                        or failure
                        or PushError("the connector returned no result for this change", system=system, stream=stream)
                    )
                    sent.bump(outbox.failure(conn, r.id, r.attempts, error, retry))
                    sent.failed[r.idempotency_key] = str(error)
                    continue
                ext = wr.external_id or r.external_id
                outbox.set_status(
                    conn,
                    [r.id],
                    "done",
                    external_id=ext,
                    last_error=None,
                    next_attempt_at=None,
                    result={"external_id": ext, "created": wr.created},
                )
                sent.written[r.idempotency_key] = ext
                sent.bump("written")
    return sent
