"""Discrepancy lifecycle in the store: open when first seen, resolved when the data agrees again.

A discrepancy is identified by its kind and key. Writing the current set of findings:
new ones are opened; ones still present are left alone unless their details changed (so a
rerun over unchanged data writes nothing); open or acknowledged ones no longer found are
resolved; a resolved one found again is reopened. Acknowledgement is a user action
(``hub discrepancies ack``) and survives while the discrepancy stays.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, text, update

from hub.clock import utcnow
from hub.reconcile.discrepancy import join_key
from hub.store.bulk import upsert
from hub.store.models import Discrepancy
from hub.store.types import plain_decimal

__all__ = ["Finding", "write_findings", "acknowledge"]


class Finding(Protocol):
    """What a discrepancy rule produces (see :class:`hub.reconcile.discrepancy.Discrepancy`); read only."""

    @property
    def kind(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def key(self) -> tuple[str, ...]: ...
    @property
    def system(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def details(self) -> Any: ...


def _plain(value: Any) -> str:
    """Decimals in one text form on every store (see ``plain_decimal``); anything else as str()."""
    return str(plain_decimal(value)) if isinstance(value, Decimal) else str(value)


def _norm(details: Any) -> Any:
    return json.loads(json.dumps(dict(details or {}), sort_keys=True, default=_plain, ensure_ascii=False))


def write_findings(
    conn: Connection,
    findings: Iterable[Finding],
    run_id: int,
    kinds: Iterable[str],
    *,
    scope_of: Callable[[Finding], str | None] | None = None,
    within: tuple[str, Mapping[str, Any]] | None = None,
) -> dict[str, int]:
    """Bring the discrepancies of ``kinds`` in line with ``findings``; returns opened/changed/resolved counts.

    ``scope_of`` names the unit of work (customer) each finding belongs to. ``within`` limits
    the discrepancies considered to one unit of work: an SQL condition on the discrepancy
    table ``d`` (for instance ``d.scope IN (SELECT ...)``) and its parameters; others are
    neither resolved nor touched.
    """
    kinds = sorted(set(kinds))
    marks = ", ".join(f":k{i}" for i in range(len(kinds)))
    sql = f"SELECT d.kind, d.key, d.status, d.severity, d.message, d.details, d.system, d.scope FROM discrepancy d WHERE d.kind IN ({marks})"
    params: dict[str, Any] = {f"k{i}": k for i, k in enumerate(kinds)}
    if within is not None:
        sql += f" AND ({within[0]})"
        params.update(within[1])
    current = {}
    for kind, key, status, severity, message, details, system, scope in conn.execute(text(sql), params):
        if isinstance(details, str):
            details = json.loads(details)
        current[(kind, key)] = (status, severity, message, details, system, scope)
    seen: set[tuple[str, str]] = set()
    rows = []
    opened = changed = 0
    for f in findings:
        key = join_key(f.key)
        ident = (f.kind, key)
        if ident in seen:
            continue
        seen.add(ident)
        details = _norm(f.details)
        scope = scope_of(f) if scope_of is not None else None
        old = current.get(ident)
        if (
            old is not None
            and old[0] != "resolved"
            and old[1:4] == (f.severity, f.message, details)
            and (old[4] or "") == (f.system or "")
            and old[5] == scope
        ):
            continue
        status = old[0] if old is not None and old[0] == "acknowledged" else "open"
        opened += old is None or old[0] == "resolved"
        changed += old is not None and old[0] != "resolved"
        rows.append(
            {
                "kind": f.kind,
                "key": key,
                "system": f.system,
                "external_id": f.key[0],
                "other_external_id": f.key[1] if len(f.key) > 1 else None,
                "severity": f.severity,
                "message": f.message,
                "details": details,
                "status": status,
                "first_run": run_id,
                "last_run": run_id,
                "resolved_run": None,
                "scope": scope,
            }
        )
    update_cols = (
        "system",
        "external_id",
        "other_external_id",
        "severity",
        "message",
        "details",
        "status",
        "last_run",
        "resolved_run",
        "scope",
    )
    d = Discrepancy.__table__
    for start in range(0, len(rows), 5000):
        upsert(conn, d, rows[start : start + 5000], key=("kind", "key"), change_column=None, update_columns=update_cols)
    gone = [ident for ident, r in current.items() if r[0] != "resolved" and ident not in seen]
    if gone:
        conn.execute(
            update(d)
            .where(d.c.kind == bindparam("k_kind"), d.c.key == bindparam("k_key"))
            .values(status="resolved", resolved_run=run_id),
            [{"k_kind": kind, "k_key": key} for kind, key in gone],
        )
    return {"opened": opened, "changed": changed, "resolved": len(gone)}


def acknowledge(conn: Connection, kind: str, key: str, user: str) -> bool:
    """Mark an open discrepancy acknowledged by ``user``; False when there is no such open one."""
    d = Discrepancy.__table__
    res = conn.execute(
        update(d)
        .where(d.c.kind == kind, d.c.key == key, d.c.status == "open")
        .values(status="acknowledged", acknowledged_by=user, acknowledged_at=utcnow())
    )
    return bool(res.rowcount)
