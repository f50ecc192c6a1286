"""Store rows and configs for the alert tests: a run and what it left behind, built directly in the store."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select

from hub.clock import utcnow
from hub.config import HubConfig
from hub.store.models import AlertSent, Discrepancy, OutboxEntry, Run, StageLog, StreamProfile

#: the summary of a run held by a volume guard
HELD = {
    "stages": [
        {
            "stage": "extract",
            "system": "drp",
            "stream": "customers",
            "rows_in": 30,
            "rows_changed": 0,
            "rows_quarantined": 0,
        }
    ],
    "changes": 0,
    "outcome": "held",
    "report": None,
    "culprits": [
        {
            "kind": "volume",
            "system": "drp",
            "stream": "customers",
            "file": "customers.csv",
            "message": "drp/customers delivered 30 rows, 70% fewer than last time (100)",
        }
    ],
}


def hub_config(*channels: dict[str, Any], pipeline: str = "channelco") -> HubConfig:
    """A config with systems crm and drp read by ``pipeline`` and the given alert channels (fast retries)."""
    fast = {"backoff_seconds": 0.01}
    return HubConfig.model_validate(
        {
            "systems": {"crm": {"connector": "csv"}, "drp": {"connector": "csv"}},
            "pipelines": {pipeline: {"sources": ["crm", "drp"]}},
            "alerts": [{**fast, **c} for c in channels],
        }
    )


def add_run(
    engine: Engine,
    status: str,
    summary: dict[str, Any] | None = None,
    *,
    pipeline: str = "channelco",
    error: str | None = None,
    external_ref: str | None = None,
) -> int:
    """A finished run row."""
    now = utcnow()
    with engine.begin() as conn:
        return int(
            conn.execute(
                Run.__table__.insert().values(
                    pipeline=pipeline,
                    status=status,
                    trigger="test",
                    external_ref=external_ref,
                    started_at=now,
                    finished_at=now,
                    summary=summary,
                    error=error,
                )
            ).inserted_primary_key[0]
        )


def add_stage(
    engine: Engine,
    run_id: int,
    stage: str,
    system: str | None = None,
    stream: str | None = None,
    *,
    status: str = "succeeded",
    rows_in: int = 0,
    quarantined: int = 0,
    detail: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            StageLog.__table__.insert().values(
                run_id=run_id,
                stage=stage,
                system=system,
                stream=stream,
                status=status,
                started_at=now,
                finished_at=now,
                rows_in=rows_in,
                rows_changed=0,
                rows_quarantined=quarantined,
                detail=detail,
                error=error,
            )
        )


def add_dead_letters(engine: Engine, run_id: int, system: str, stream: str, n: int, error: str) -> None:
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            OutboxEntry.__table__.insert(),
            [
                {
                    "idempotency_key": f"{system}/{stream}/{run_id}/{i}",
                    "run_id": run_id,
                    "system": system,
                    "stream": stream,
                    "entity": "party",
                    "canonical_id": f"p{i}",
                    "external_id": f"E{i}",
                    "op": "update",
                    "payload": {"name": "x"},
                    "status": "dead",
                    "attempts": 5,
                    "last_error": error,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(n)
            ],
        )


def add_discrepancy(engine: Engine, run_id: int, kind: str, key: str, severity: str, status: str = "open") -> None:
    with engine.begin() as conn:
        conn.execute(
            Discrepancy.__table__.insert().values(
                kind=kind,
                key=key,
                system="crm",
                external_id=key,
                severity=severity,
                message=f"{kind} {key}",
                status=status,
                first_run=run_id,
                last_run=run_id,
            )
        )


def add_profile(
    engine: Engine,
    system: str,
    stream: str,
    data_at: dt.datetime | None,
    *,
    pipeline: str = "channelco",
    run_id: int = 1,
) -> None:
    with engine.begin() as conn:
        conn.execute(
            StreamProfile.__table__.insert().values(
                pipeline=pipeline,
                system=system,
                stream=stream,
                run_id=run_id,
                rows=10,
                data_at=data_at,
                updated_at=utcnow(),
            )
        )


def alert_rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(AlertSent.__table__).order_by(AlertSent.id)))
