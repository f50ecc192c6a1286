"""Planner statistics: refresh them for the tables a stage is about to read after a bulk load.

PostgreSQL plans from the statistics ``ANALYZE`` gathers; a table filled in bulk since its
last ``ANALYZE`` (every table after the first load: autovacuum may be off or not have run
yet) looks nearly empty, and the planner picks nested loops over index scans that cost
minutes instead of a hash join of a fraction of a second. ``ANALYZE`` samples a bounded
number of rows (300 x the statistics target), so it costs well under a second per table
whatever the size. SQLite plans the store's queries well without statistics (they fix their
join order with ``CROSS JOIN``), and an ``ANALYZE`` there reads every index in full: nothing
is done on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection

__all__ = ["analyze"]


def analyze(conn: Connection, tables: Iterable[str]) -> list[str]:
    """Refresh the planner statistics of ``tables`` (each once, in the order given); returns
    the tables analysed (none on SQLite)."""
    if conn.dialect.name != "postgresql":
        return []
    done: list[str] = []
    quote = conn.dialect.identifier_preparer.quote
    for table in tables:
        if table not in done:
            conn.exec_driver_sql(f"ANALYZE {quote(table)}")
            done.append(table)
    return done
