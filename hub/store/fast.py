"""The bulk read fast path: driver-level cursors and the dialect's bind marks, behind named functions.

Stages that read millions of values (the map stage's staged-record lookup, the reconcile stage's
per-customer reads) go through the driver's cursor instead of the ORM: the ORM's per-value type
processing would cost more than the work itself. SQL given here uses ``?`` as its bind mark; it is
turned into the dialect's own (``%s`` on PostgreSQL) in one place.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from hub.store.models import MODELS
from hub.store.types import ExactDecimal, plain_decimal

__all__ = ["stream_rows", "decimal_positions", "live_rows", "staged_hashes", "driver_connection", "dialect_sql"]

_FETCH = 10_000


def driver_connection(conn: Connection) -> Any:
    """The DBAPI connection under ``conn`` (always there while ``conn`` is open)."""
    raw = conn.connection.driver_connection
    assert raw is not None, "the connection is closed"
    return raw


def dialect_sql(conn: Connection, sql: str) -> str:
    """``?`` bind marks as the connection's driver wants them."""
    return sql.replace("?", "%s") if conn.dialect.name == "postgresql" else sql


def stream_rows(
    conn: Connection, sql: str, params: Sequence[Any], names: Sequence[str], decimals: Sequence[int] = ()
) -> Iterator[dict[str, Any]]:
    """Rows of a driver-level query (``?`` marks) as dicts, streamed; the columns at ``decimals`` as
    Decimal in one form on every store (no trailing zeros from the column's scale)."""
    cur = driver_connection(conn).cursor()
    try:
        cur.execute(dialect_sql(conn, sql), list(params))
        while chunk := cur.fetchmany(_FETCH):
            for row in chunk:
                if decimals:
                    row = list(row)
                    for i in decimals:
                        if row[i] is not None:
                            row[i] = plain_decimal(row[i] if isinstance(row[i], Decimal) else Decimal(row[i]))
                yield dict(zip(names, row))
    finally:
        cur.close()


def decimal_positions(entity: str, names: Sequence[str]) -> list[int]:
    """Positions of ``names`` that are exact-decimal columns of ``entity``."""
    t = MODELS[entity].__table__
    return [i for i, n in enumerate(names) if n in t.c and isinstance(t.c[n].type, ExactDecimal)]


def live_rows(conn: Connection, entity: str, system: str, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Every live (not deleted) row of one system, ``external_id`` and ``fields``, ordered by external id."""
    names = ["external_id", *fields]
    sql = f"SELECT {', '.join(names)} FROM {entity} WHERE system = ? AND deleted = ? ORDER BY external_id"
    return stream_rows(conn, sql, [system, False], names, decimal_positions(entity, names))


_PG_STAGED = (
    "SELECT k.id, x.hash, x.mapped_hash FROM unnest(%s::text[]) AS k(id) CROSS JOIN LATERAL "
    "(SELECT s.hash, s.mapped_hash FROM source_record s "
    "WHERE s.system = %s AND s.stream = %s AND s.external_id = k.id LIMIT 1) AS x"
)


def staged_hashes(
    conn: Connection, system: str, stream: str, keys: Sequence[str], chunk: int = 5000
) -> dict[str, tuple[str, str | None]]:
    """external id -> (hash, mapped marker) of the keys already staged (one indexed lookup per chunk of keys).

    On PostgreSQL each key is one primary-key probe (a LATERAL subquery the planner cannot
    flatten): with an ``IN`` list, a stream growing inside the extract's transaction (no
    statistics yet) is planned as a scan of every staged row of the stream per chunk.
    """
    found: dict[str, tuple[str, str | None]] = {}
    pg = conn.dialect.name == "postgresql"
    cur = driver_connection(conn).cursor()
    try:
        for start in range(0, len(keys), chunk):
            part = keys[start : start + chunk]
            if pg:
                cur.execute(_PG_STAGED, [list(part), system, stream])
            else:
                sql = (
                    "SELECT external_id, hash, mapped_hash FROM source_record WHERE system = ? AND stream = ? "
                    f"AND external_id IN ({', '.join(['?'] * len(part))})"
                )
                cur.execute(sql, [system, stream, *part])
            found.update((e, (h, m)) for e, h, m in cur.fetchall())
    finally:
        cur.close()
    return found
