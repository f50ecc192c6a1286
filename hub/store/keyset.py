"""Temporary key tables: join a large set of keys against the store instead of ``IN`` lists.

Incremental and partitioned reconciliation select rows by sets of keys that can run into the
hundreds of thousands (records of a unit of work, changed record ids, customer scopes). A
temporary table holding the keys, with a primary key, lets the database do an indexed join on
SQLite and PostgreSQL alike; it lives on the caller's connection and is dropped on exit.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection

__all__ = ["key_table"]

_counter = itertools.count(1)


@contextmanager
def key_table(conn: Connection, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
              primary_key: Sequence[str] | None = None, index: Sequence[str] = ()) -> Iterator[str]:
    """A temporary table of text/integer ``columns`` filled with ``rows``; yields its name.

    Columns named ``bucket`` are integers, all others text. Duplicate keys are ignored.
    """
    name = f"hub_keys_{next(_counter)}"
    pk = list(primary_key if primary_key is not None else columns)
    cols = ", ".join(f"{c} {'INTEGER' if c == 'bucket' else 'TEXT'}" for c in columns)
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} ({cols}, PRIMARY KEY ({', '.join(pk)}))")
    try:
        if index:
            conn.exec_driver_sql(f"CREATE INDEX {name}_ix ON {name} ({', '.join(index)})")
        mark = "%s" if conn.dialect.name == "postgresql" else "?"
        conflict = "ON CONFLICT DO NOTHING"
        sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) {conflict}"
        cur = conn.connection.driver_connection.cursor()
        try:
            it = iter(rows)
            while chunk := [tuple(r) for r in itertools.islice(it, 10_000)]:
                cur.executemany(sql, chunk)
        finally:
            cur.close()
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"ANALYZE {name}")
        yield name
    finally:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
