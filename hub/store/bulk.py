"""The bulk write fast path: change-aware upserts through the dialect's fastest route.

SQLite: one prepared ``INSERT .. ON CONFLICT DO UPDATE .. WHERE changed`` run with the driver's
``executemany`` on plain tuples. PostgreSQL: ``COPY`` into a temporary table, then one
``INSERT .. SELECT .. ON CONFLICT DO UPDATE .. WHERE changed``. Both skip rows whose change
column (``row_hash`` by default) is unchanged, so re-running a load rewrites nothing, and both
return how many rows were inserted or changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Date, Table

from hub.store.jsontext import encoder
from hub.store.types import ExactDecimal, UTCDateTime, to_db_datetime, to_db_decimal

__all__ = ["upsert", "upsert_tuples", "converters", "Converter", "sqlite_decimal", "is_identity"]

Converter = Callable[[Any], Any]
#: a JSON column's bind text: ``json.dumps(v, ensure_ascii=False, default=str, sort_keys=True)``
_json_text = encoder(ensure_ascii=False, default=str, sort_keys=True)


def _identity(value: Any) -> Any:
    return value


def is_identity(conv: Converter) -> bool:
    """Whether ``conv`` leaves values as they are (no conversion needed)."""
    return conv is _identity


def sqlite_decimal(v: Any) -> Any:
    """Bind form of an exact decimal on SQLite (decimal text, never exponent form)."""
    if v is None:
        return None
    return format(v, "f") if isinstance(v, Decimal) else to_db_decimal(v, "sqlite")


def _converter(column_type: Any, dialect: str) -> Converter:
    if isinstance(column_type, ExactDecimal):
        return sqlite_decimal if dialect == "sqlite" else _identity
    if isinstance(column_type, UTCDateTime):
        return lambda v: to_db_datetime(v, dialect)
    if isinstance(column_type, Date) and dialect == "sqlite":
        return lambda v: v.isoformat() if isinstance(v, dt.date) else v
    if isinstance(column_type, Boolean) and dialect == "sqlite":
        return lambda v: None if v is None else int(bool(v))
    if isinstance(column_type, JSON):
        return lambda v: None if v is None else _json_text(v)
    return _identity


def _tuples(rows: list[dict[str, Any]], cols: list[str], convs: list[Converter]) -> list[tuple[Any, ...]]:
    """Rows as bind tuples; only the columns that need a conversion pay for one."""
    pick = itemgetter(*cols)  # a bare value, not a 1-tuple, for one column
    get: Callable[[dict[str, Any]], Any] = pick if len(cols) > 1 else (lambda r: (pick(r),))
    todo = [(i, f) for i, f in enumerate(convs) if f is not _identity]
    if not todo:
        return [get(r) for r in rows]
    out = []
    for r in rows:
        t = list(get(r))
        for i, f in todo:
            v = t[i]
            if v is not None:
                t[i] = f(v)
        out.append(tuple(t))
    return out


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]] | Iterable[dict[str, Any]],
    key: Sequence[str],
    columns: Sequence[str] | None = None,
    change_column: str | Sequence[str] | None = "row_hash",
    update_columns: Sequence[str] | None = None,
) -> int:
    """Insert ``rows`` into ``table`` or update them where ``change_column`` differs.

    ``columns`` defaults to the keys of the first row; every row must carry them all.
    ``update_columns`` (default: every non-key column) are overwritten on conflict when any
    ``change_column`` differs (one name or several; None: always).
    Rows repeating a key within one call are collapsed, the last one winning.
    Returns the number of rows inserted or changed.
    """
    rows = list(rows)
    if not rows:
        return 0
    if len(key) == 1:
        k0 = key[0]
        rows = list({r[k0]: r for r in rows}.values())
    else:
        rows = list({tuple(r[k] for k in key): r for r in rows}.values())
    cols = list(columns or rows[0].keys())
    tuples = _tuples(rows, cols, converters(table, cols, conn.dialect.name))
    return upsert_tuples(conn, table, cols, tuples, key, change_column, update_columns)


def converters(table: Table, columns: Sequence[str], dialect: str) -> list[Converter]:
    """Per column, the function turning a Python value into its bind form for ``dialect``."""
    return [_converter(table.c[c].type, dialect) for c in columns]


def upsert_tuples(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    tuples: list[tuple[Any, ...]],
    key: Sequence[str],
    change_column: str | Sequence[str] | None = "row_hash",
    update_columns: Sequence[str] | None = None,
) -> int:
    """:func:`upsert` for rows already in bind form (see :func:`converters`) and unique by key."""
    if not tuples:
        return 0
    cols = list(columns)
    updates = [c for c in (update_columns or cols) if c not in key]
    if conn.dialect.name == "postgresql":
        return _pg_copy_upsert(conn, table, cols, tuples, key, updates, change_column)
    return _executemany_upsert(conn, table, cols, tuples, key, updates, change_column)


def _conflict_clause(
    conn: Connection,
    table: Table,
    key: Sequence[str],
    updates: Sequence[str],
    change_column: str | Sequence[str] | None,
) -> str:
    q = lambda n: _quote(conn, n)  # noqa: E731
    target = ", ".join(q(k) for k in key)
    if not updates:
        return f" ON CONFLICT ({target}) DO NOTHING"
    sets = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in updates)
    clause = f" ON CONFLICT ({target}) DO UPDATE SET {sets}"
    if change_column:
        op = "IS DISTINCT FROM" if conn.dialect.name == "postgresql" else "IS NOT"
        watched = [change_column] if isinstance(change_column, str) else list(change_column)

        def compared(c: str) -> tuple[str, str]:
            # PostgreSQL's json type has no equality operator; jsonb does
            if conn.dialect.name == "postgresql" and isinstance(table.c[c].type, JSON):
                return f"{q(table.name)}.{q(c)}::jsonb", f"excluded.{q(c)}::jsonb"
            return f"{q(table.name)}.{q(c)}", f"excluded.{q(c)}"

        clause += " WHERE " + " OR ".join(f"{a} {op} {b}" for a, b in map(compared, watched))
    return clause


def _executemany_upsert(conn, table, cols, tuples, key, updates, change_column) -> int:
    q = lambda n: _quote(conn, n)  # noqa: E731
    sql = (
        f"INSERT INTO {q(table.name)} ({', '.join(q(c) for c in cols)}) "
        f"VALUES ({', '.join('?' for _ in cols)})" + _conflict_clause(conn, table, key, updates, change_column)
    )
    raw = conn.connection.driver_connection
    cur = raw.cursor()
    try:
        cur.executemany(sql, tuples)
        return max(cur.rowcount, 0)
    finally:
        cur.close()


def _pg_copy_upsert(conn, table, cols, tuples, key, updates, change_column) -> int:
    q = lambda n: _quote(conn, n)  # noqa: E731
    tmp = q(f"_bulk_{table.name}")
    col_list = ", ".join(q(c) for c in cols)
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {tmp} (LIKE {q(table.name)} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        cur.execute(f"TRUNCATE {tmp}")
        with cur.copy(f"COPY {tmp} ({col_list}) FROM STDIN") as copy:
            for row in tuples:
                copy.write_row(row)
        cur.execute(
            f"INSERT INTO {q(table.name)} ({col_list}) SELECT {col_list} FROM {tmp}"
            + _conflict_clause(conn, table, key, updates, change_column)
        )
        return max(cur.rowcount, 0)
