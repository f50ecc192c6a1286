"""Per-task summaries: rows read/mapped/quarantined/linked/pushed for XCom and the task log.

A summary is a flat dict of JSON-safe values, the same for every stage::

    {"stage": "extract", "system": "crm", "stream": "Account", "run_id": 3,
     "rows_read": 200, "rows_changed": 200, "rows_mapped": 200, "rows_quarantined": 1,
     "rows_linked": 0, "rows_pushed": 0}

Records quarantined by the stage are named in the log (record, file:line, field, reason).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine, select

from hub.store.models import Quarantine

__all__ = ["summarize", "log_summary", "log_quarantined", "SUMMARY_KEYS"]

log = logging.getLogger("hub.airflow")

SUMMARY_KEYS = ("rows_read", "rows_changed", "rows_mapped", "rows_quarantined", "rows_linked", "rows_pushed")
#: how many quarantined records a task log names (the rest: ``hub quarantine list``)
QUARANTINE_LOG_LIMIT = 20


def summarize(
    stage: str, system: str | None, stream: str | None, run_id: int, counts: dict[str, Any]
) -> dict[str, Any]:
    """The summary of one stage from its ``StageCounts.as_dict()``."""
    changed = int(counts.get("rows_changed", 0))
    out: dict[str, Any] = {"stage": stage, "system": system, "stream": stream, "run_id": run_id}
    out.update(dict.fromkeys(SUMMARY_KEYS, 0))
    out["rows_read"] = int(counts.get("rows_in", 0))
    out["rows_changed"] = changed
    out["rows_quarantined"] = int(counts.get("rows_quarantined", 0))
    if stage == "extract":
        out["rows_mapped"] = int(counts.get("canonical_changed", 0))
    elif stage == "map":
        out["rows_mapped"] = changed
    elif stage == "reconcile":
        out["rows_linked"] = sum(int(v.get("linked_clusters", 0)) for v in counts.values() if isinstance(v, dict))
    elif stage == "push":
        out["rows_pushed"] = changed
    return out


def log_summary(summary: dict[str, Any]) -> None:
    """One log line with every count of a summary."""
    where = f"{summary['system']}/{summary['stream']}" if summary.get("system") else "-"
    counts = " ".join(f"{k[5:]}={summary[k]}" for k in SUMMARY_KEYS)
    log.info("hub %s %s (run %s): %s", summary["stage"], where, summary["run_id"], counts)


def log_quarantined(engine: Engine, run_id: int, system: str, stream: str) -> int:
    """Log the records this run quarantined in ``system``/``stream`` (at most a few); returns how many were logged."""
    q = Quarantine.__table__
    with engine.connect() as conn:
        rows = conn.execute(
            select(q.c.stage, q.c.record_key, q.c.location, q.c.field, q.c.error_type, q.c.reason)
            .where(q.c.system == system, q.c.stream == stream, q.c.last_run == run_id, q.c.resolved_run.is_(None))
            .order_by(q.c.record_key)
            .limit(QUARANTINE_LOG_LIMIT)
        ).all()
    for r in rows:
        log.warning(
            "hub quarantined (%s): source=%s stream=%s record=%s at=%s field=%s reason=%s: %s",
            r.stage,
            system,
            stream,
            r.record_key,
            r.location or "-",
            r.field or "-",
            r.error_type,
            r.reason,
        )
    return len(rows)
