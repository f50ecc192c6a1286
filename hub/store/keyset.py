"""Temporary key tables: join a large set of keys against the store instead of ``IN`` lists.

Incremental and partitioned reconciliation select rows by sets of keys that can run into the
hundreds of thousands (records of a unit of work, changed record ids, customer scopes). A
temporary table holding the keys, with a primary key, lets the database do an indexed join on
SQLite and PostgreSQL alike; it lives on the caller's connection and is dropped on exit.

SQLite refuses ``DROP TABLE`` while another statement of the connection is still reading (a
streamed query around the ``with`` block): the table is then emptied at once and dropped by
the next :func:`key_table` of that connection.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from hub.store.fast import driver_connection
from hub.store.stats import analyze

__all__ = ["key_table"]

_counter = itertools.count(1)
#: key in ``Connection.info`` (per DBAPI connection): tables whose drop SQLite refused
_PENDING = "hub_key_tables_to_drop"


def _drop(conn: Connection, name: str) -> None:
    try:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    except OperationalError as exc:
        if conn.dialect.name != "sqlite" or "locked" not in str(exc.orig):
            raise
        conn.exec_driver_sql(f"DELETE FROM {name}")
        conn.info.setdefault(_PENDING, []).append(name)


def _drop_pending(conn: Connection) -> None:
    """Drop the key tables SQLite refused to drop earlier (those it still refuses stay queued)."""
    pending = conn.info.pop(_PENDING, [])
    for name in pending:
        _drop(conn, name)


def _insert_rows(conn: Connection, name: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join(['?'] * len(columns))}) ON CONFLICT DO NOTHING"
    cur = driver_connection(conn).cursor()
    try:
        it = iter(rows)
        while chunk := [tuple(r) for r in itertools.islice(it, 10_000)]:
            cur.executemany(sql, chunk)
    finally:
        cur.close()


def _copy_rows(
    conn: Connection, name: str, columns: Sequence[str], pk: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """PostgreSQL: ``COPY`` (a row at a time through ``executemany`` costs a round trip each);
    COPY has no ``ON CONFLICT``, so a repeated key is dropped here, the first one kept."""
    at = [list(columns).index(c) for c in pk]
    seen: set[tuple[Any, ...]] = set()
    with driver_connection(conn).cursor() as cur, cur.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
        for r in rows:
            key = tuple(r[i] for i in at)
            if key not in seen:
                seen.add(key)
                copy.write_row(tuple(r))


@contextmanager
def key_table(
    conn: Connection,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    primary_key: Sequence[str] | None = None,
    index: Sequence[str] = (),
) -> Iterator[str]:
    """A temporary table of text/integer ``columns`` filled with ``rows``; yields its name.

    Columns named ``bucket`` are integers, all others text. Duplicate keys are ignored.
    """
    _drop_pending(conn)
    name = f"hub_keys_{next(_counter)}"
    pk = list(primary_key if primary_key is not None else columns)
    cols = ", ".join(f"{c} {'INTEGER' if c == 'bucket' else 'TEXT'}" for c in columns)
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} ({cols}, PRIMARY KEY ({', '.join(pk)}))")
    try:
        if index:
            conn.exec_driver_sql(f"CREATE INDEX {name}_ix ON {name} ({', '.join(index)})")
        if conn.dialect.name == "postgresql":
            _copy_rows(conn, name, columns, pk, rows)
        else:
            _insert_rows(conn, name, columns, rows)
        analyze(conn, [name])  # PostgreSQL plans the joins with it from its real size
        yield name
    except BaseException:
        try:
            _drop(conn, name)
        except Exception:  # the first error wins (often the connection itself is gone: the table died with it)
            pass
        raise
    _drop(conn, name)
