"""Row reads for order linking and the discrepancy rules: driver-level, decimals converted once per value.

Like :func:`hub.store.fast.stream_rows` (same rows, same values), but a query's exact-decimal
columns are converted to their plain form once per distinct stored value: quantities, unit
prices and line amounts repeat across hundreds of thousands of rows, and the conversion costs
more than reading the row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import Connection

from hub.store.fast import decimal_positions, driver_connection
from hub.store.types import plain_decimal

__all__ = ["memo_rows", "memo_tuples", "live_rows", "plain_text_decimal"]

_FETCH = 10_000
#: distinct values remembered per query at most
_MEMO = 50_000


def _memo_key(value: Any) -> Any:
    """What identifies a stored decimal's plain form: its text, or a finite Decimal with its sign
    (``-0`` equals ``0`` but keeps its sign); None when the value is not memoised."""
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal) and value.is_finite():
        return (value, value.is_signed())
    return None


def plain_text_decimal(text: str) -> Decimal:
    """:func:`~hub.store.types.plain_decimal` of a decimal's plain text (``4000.00`` -> 4000,
    ``4829.2600`` -> 4829.26) without normalising: its trailing zeros are cut from the text."""
    if "e" in text or "E" in text or not text[-1:].isdigit() and text[-1:] != ".":
        return plain_decimal(Decimal(text))  # exponent form, NaN, infinity, blanks: the general route
    if "." in text:
        text = text.rstrip("0").rstrip(".") or "0"
    return Decimal(text)


def memo_rows(
    conn: Connection, sql: str, params: Sequence[Any], names: Sequence[str], decimals: Sequence[int] = ()
) -> Iterator[dict[str, Any]]:
    """Rows of a driver-level query (``?`` marks) as dicts, streamed; the columns at ``decimals`` as
    plain Decimals (see :func:`hub.store.types.plain_decimal`)."""
    return map(dict, map(partial(zip, names), memo_tuples(conn, sql, params, decimals)))


def memo_tuples(
    conn: Connection, sql: str, params: Sequence[Any], decimals: Sequence[int] = ()
) -> Iterator[Sequence[Any]]:
    """:func:`memo_rows` as the driver's rows (tuples, or lists where a decimal was converted),
    without a dict per row: for readers that take the columns by position."""
    if conn.dialect.name == "postgresql":
        sql = sql.replace("?", "%s")
    memo: dict[Any, Decimal] = {}
    cur = driver_connection(conn).cursor()
    try:
        cur.execute(sql, list(params))
        while chunk := cur.fetchmany(_FETCH):
            if not decimals:
                yield from chunk
                continue
            for row in chunk:
                row = list(row)
                for i in decimals:
                    v = row[i]
                    if v is None:
                        continue
                    if type(v) is str:  # SQLite's decimal text: the common case, inline
                        got = memo.get(v)
                        if got is None:
                            got = plain_text_decimal(v)
                            if len(memo) >= _MEMO:
                                memo.clear()
                            memo[v] = got
                        row[i] = got
                        continue
                    key = _memo_key(v)
                    got = memo.get(key) if key is not None else None
                    if got is None:
                        got = plain_text_decimal(v) if isinstance(v, str) else plain_decimal(Decimal(v))
                        if key is not None:
                            if len(memo) >= _MEMO:  # mostly distinct values (order amounts): bounded
                                memo.clear()
                            memo[key] = got
                    row[i] = got
                yield row
    finally:
        cur.close()


def live_rows(conn: Connection, entity: str, system: str, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Every live (not deleted) row of one system, ``external_id`` and ``fields``, ordered by external id."""
    names = ["external_id", *fields]
    sql = f"SELECT {', '.join(names)} FROM {entity} WHERE system = ? AND deleted = ? ORDER BY external_id"
    return memo_rows(conn, sql, [system, False], names, decimal_positions(entity, names))
