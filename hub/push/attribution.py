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

__all__ = ["FRESH_COLUMNS", "order_owners", "record_attributions"]

T = OrderAttribution.__table__


#: the columns of an attribution :func:`order_owners` makes, in the order of its tuples
FRESH_COLUMNS = ("system", "order_id", "stream", "owner_ref", "basis", "account_ref")


def order_owners(
    conn: Connection,
    system: str,
    orders: Mapping[str, Mapping[str, tuple[Any, Any]]],
    accounts: Mapping[str, Any],
    *,
    keep_fresh: bool = True,
) -> tuple[dict[str, str | None], list[tuple[Any, ...]]]:
    """Order id -> its salesperson at order time, and the attributions made now (orders not recorded yet).

    ``orders``: CRM stream -> order id -> (``AccountId``, ``OwnerId``) of its raw record (Order,
    Opportunity); ``accounts``: account id -> its raw ``OwnerId``. The attributions made now are
    tuples of :data:`FRESH_COLUMNS`; ``keep_fresh`` False (a reader that records nothing) skips them.
    """
    known = {
        r.order_id: r.owner_ref for r in conn.execute(select(T.c.order_id, T.c.owner_ref).where(T.c.system == system))
    }
    fresh: list[tuple[Any, ...]] = []
    for stream in sorted(orders):
        records = orders[stream]
        for oid in sorted(records):
            if oid in known:
                continue
            account, owner = records[oid]
            basis = "order"
            if not owner:
                owner, basis = accounts.get(account or ""), "account"
            known[oid] = owner
            if keep_fresh:
                fresh.append((system, oid, stream, owner, basis, account))
    return known, fresh


def record_attributions(engine: Engine, run_id: int, fresh: list[tuple[Any, ...]]) -> None:
    """Keep the attributions :func:`order_owners` made now (first seen in run ``run_id``)."""
    if not fresh:
        return
    now = utcnow()
    with engine.begin() as conn:
        for start in range(0, len(fresh), 500):
            batch = fresh[start : start + 500]
            conn.execute(
                T.insert(), [{**dict(zip(FRESH_COLUMNS, r)), "run_id": run_id, "first_seen_at": now} for r in batch]
            )
