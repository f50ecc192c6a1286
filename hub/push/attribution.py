"""The salesperson on each CRM order at order time: recorded the first time the hub reads the order, never moved.

An order's owner is its own ``OwnerId`` when it names one, else its account's owner as read in the
same run. Later runs read the recorded owner, so an order or account handed to someone else
afterwards keeps its past commission with the person who sold it. The commission push records
what it attributes; the report reads the same attribution (:func:`order_owners`) and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, select

from hub.clock import utcnow
from hub.store.models import OrderAttribution

__all__ = ["order_owners", "record_attributions"]

T = OrderAttribution.__table__


def order_owners(
    conn: Connection,
    system: str,
    orders: Mapping[str, Mapping[str, Mapping[str, Any]]],
    accounts: Mapping[str, Mapping[str, Any]],
) -> tuple[dict[str, str | None], list[dict[str, Any]]]:
    """Order id -> its salesperson at order time, and the attributions made now (orders not recorded yet).

    ``orders``: CRM stream -> raw records by id (Order, Opportunity); ``accounts``: raw accounts by id.
    """
    known = {
        r.order_id: r.owner_ref for r in conn.execute(select(T.c.order_id, T.c.owner_ref).where(T.c.system == system))
    }
    fresh = []
    for stream, records in sorted(orders.items()):
        for oid, rec in sorted(records.items()):
            if oid in known:
                continue
            account = rec.get("AccountId")
            owner, basis = rec.get("OwnerId"), "order"
            if not owner:
                owner, basis = (accounts.get(account or "") or {}).get("OwnerId"), "account"
            known[oid] = owner
            fresh.append(
                {
                    "system": system,
                    "order_id": oid,
                    "stream": stream,
                    "owner_ref": owner,
                    "basis": basis,
                    "account_ref": account,
                }
            )
    return known, fresh


def record_attributions(engine: Engine, run_id: int, fresh: list[dict[str, Any]]) -> None:
    """Keep the attributions :func:`order_owners` made now (first seen in run ``run_id``)."""
    if not fresh:
        return
    now = utcnow()
    rows = [{**row, "run_id": run_id, "first_seen_at": now} for row in fresh]
    with engine.begin() as conn:
        for start in range(0, len(rows), 500):
            conn.execute(T.insert(), rows[start : start + 500])
