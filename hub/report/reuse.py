"""Reuse a pipeline's previous report when nothing it reads has changed since.

The report stage keys every report on a fingerprint of what it reads:

* the report config (sections, formats, limits, audiences...) and the renderers and report code
  that turn the store into files;
* the as-of date: receivables age and 846s go stale by days up to it, so a new day is a new report;
* the change marker of every stage that writes what the report reads (canonical rows, links,
  golden records, findings: :func:`hub.store.changes.change_marker`);
* the state of what people change between runs: discrepancies acknowledged or resolved, review
  decisions, quarantine entries discarded.

When the fingerprint equals the one of the pipeline's last report, that report's files are linked
(copied where the file system cannot link) into this run's folder instead of being built again.
They are the report built at that earlier run, so its header and trend name that run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from hub.report.config import ReportConfig
from hub.store.changes import STORE_STAGES, change_marker, last_stage
from hub.store.models import Discrepancy, Quarantine, ReviewItem

__all__ = ["fingerprint", "reusable", "link_files", "relative_files"]

#: modules outside hub.report whose code decides what a report shows
_SHARED_CODE = ("hub/push/commission.py", "hub/reconcile/rule_registry.py", "hub/reconcile/discrepancy.py")


def fingerprint(conn: Connection, config: ReportConfig, as_of: Any, renderers: Mapping[str, Any]) -> str:
    """The key of the report ``config`` gives at ``as_of`` over the store as it is now."""
    parts = {
        "config": config.model_dump(mode="json"),
        "as_of": str(as_of),
        "renderers": {
            k: f"{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', repr(f))}" for k, f in renderers.items()
        },
        "code": _code_signature(),
        "stages": change_marker(conn, STORE_STAGES),
        "people": _people_state(conn),
    }
    return hashlib.blake2b(json.dumps(parts, sort_keys=True, default=str).encode(), digest_size=16).hexdigest()


def _people_state(conn: Connection) -> list[Any]:
    """Aggregates that move when someone acknowledges or resolves a discrepancy, decides a review
    pair or discards a quarantined record (one pass over each of these tables)."""
    d, r, q = Discrepancy.__table__, ReviewItem.__table__, Quarantine.__table__
    disc = conn.execute(
        select(
            d.c.status, func.count(), func.max(d.c.last_run), func.max(d.c.resolved_run), func.max(d.c.acknowledged_at)
        )
        .group_by(d.c.status)
        .order_by(d.c.status)
    ).all()
    review = conn.execute(
        select(r.c.status, func.count(), func.max(r.c.decided_at), func.max(r.c.last_run))
        .group_by(r.c.status)
        .order_by(r.c.status)
    ).all()
    quarantine = conn.execute(
        select(func.count(), func.count(q.c.resolved_run), func.max(q.c.last_run), func.max(q.c.resolved_run))
    ).all()
    return [[list(row) for row in rows] for rows in (disc, review, quarantine)]


@lru_cache(maxsize=1)
def _code_signature() -> list[Any]:
    """Version and file stamps of the code that builds and renders reports (a changed template is a new report)."""
    import hub

    root = Path(hub.__file__).resolve().parent
    files = sorted(p for p in (root / "report").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    files += [root.parent / f for f in _SHARED_CODE]
    out: list[Any] = [hub.__version__]
    for p in files:
        try:
            st = p.stat()
        except OSError:
            continue
        out.append([str(p.relative_to(root.parent)), st.st_size, st.st_mtime_ns])
    return out


def reusable(conn: Connection, pipeline: str, run_id: int, key: str) -> tuple[int, Path, list[str]] | None:
    """``(run that built it, its folder, its files relative to the folder)`` of the pipeline's last
    report when its key is ``key``, it belongs to an earlier run and every file is still there."""
    last = last_stage(conn, pipeline, "report")
    if last is None:
        return None
    last_run, _, detail = last
    files, out_dir = detail.get("report_files"), detail.get("out_dir")
    if last_run == run_id or detail.get("fingerprint") != key or not files or not out_dir:
        return None
    folder = Path(out_dir)
    if not all((folder / f).is_file() for f in files):
        return None
    return int(detail.get("unchanged_since") or last_run), folder, [str(f) for f in files]


def link_files(source: Path, files: Iterable[str], target: Path) -> list[Path]:
    """Hard-link (or copy) ``files`` from ``source`` into ``target``; returns the new paths."""
    out = []
    for rel in files:
        src, dst = source / rel, target / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if dst.exists() or dst.is_symlink():
            dst.unlink()
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
        out.append(dst)
    return out


def relative_files(folder: Path, files: Iterable[Path]) -> list[str]:
    """``files`` as paths relative to ``folder`` (POSIX separators)."""
    return [p.relative_to(folder).as_posix() for p in files]
