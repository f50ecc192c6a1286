"""The salesperson on each CRM order at order time: recorded the first time the hub reads the order, never moved.

An order's owner is its own ``OwnerId`` when it names one, else its account's owner as read in the
same run. Later runs read the recorded owner, so an order or account handed to someone else
afterwards keeps its past commission with the person who sold it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, select

from hub.clock import utcnow
from hub.store.models import OrderAttribution

__all__ = ["owners_at_order_time"]

T = OrderAttribution.__table__


def owners_at_order_time(
    engine: Engine,
    run_id: int,
    system: str,
    orders: Mapping[str, Mapping[str, Mapping[str, Any]]],
    accounts: Mapping[str, Mapping[str, Any]],
    record: bool = True,
) -> dict[str, str | None]:
    """Order id -> its salesperson at order time; ``orders``: CRM stream -> raw records by id (Order, Opportunity).

    Orders seen for the first time are attributed now and, with ``record``, kept; a dry run passes
    ``record=False`` and writes nothing.
    """
    with engine.connect() as conn:
        known = {
            r.order_id: r.owner_ref
            for r in conn.execute(select(T.c.order_id, T.c.owner_ref).where(T.c.system == system))
        }
    fresh = []
    now = utcnow()
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
                    "run_id": run_id,
                    "first_seen_at": now,
                }
            )
    if record and fresh:
        with engine.begin() as conn:
            for start in range(0, len(fresh), 500):
                conn.execute(T.insert(), fresh[start : start + 500])
    return known
