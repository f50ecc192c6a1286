"""The plans of the statements a piece of work runs, explained as they run (temporary tables exist then)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def plans_of(engine: Engine, wanted: Callable[[str], bool]) -> Iterator[list[str]]:
    """Collects the plan of every statement ``wanted`` picks, explained on its own connection just
    before it runs. On PostgreSQL with a work memory of 64 kB: a few thousand rows are then already
    too many to hash, as millions are with the default."""
    plans: list[str] = []
    postgres = engine.dialect.name == "postgresql"

    def explain(_conn: Any, cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if not wanted(statement):
            return
        cur = cursor.connection.cursor()
        try:
            if postgres:
                cur.execute("SET work_mem = '64kB'")
            cur.execute(("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + statement, parameters)
            plans.append("\n".join(str(r[-1]) for r in cur.fetchall()))
            if postgres:
                cur.execute("RESET work_mem")
        finally:
            cur.close()

    event.listen(engine, "before_cursor_execute", explain)
    try:
        yield plans
    finally:
        event.remove(engine, "before_cursor_execute", explain)
