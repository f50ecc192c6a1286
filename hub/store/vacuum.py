"""Reclaim the store's free space and refresh its planner statistics (``hub db vacuum``).

Migrations that rewrite the big tables (0010-0012) and runs that replace many rows leave free
pages behind: a SQLite file keeps its size until ``VACUUM``, and PostgreSQL keeps the dead
row versions' space in each table until ``VACUUM FULL`` (a plain ``VACUUM`` makes it reusable
by later writes and returns only trailing empty pages).

SQLite: ``VACUUM`` writes a compacted copy of the database into a temporary file (SQLite's
temporary folder) and then the new pages through the write-ahead log, so it needs free space
of about the database's size in both places; it is checked before starting. A
``wal_checkpoint(TRUNCATE)`` then moves the log into the file and empties it. The store keeps no
SQLite planner statistics (see :mod:`hub.store.stats`): ``ANALYZE`` runs only when a store has
some (``sqlite_stat1``), to bring them up to date.

PostgreSQL: ``VACUUM (ANALYZE)`` of every table in the store's schema (the first one on the
URL's ``search_path``), ``VACUUM (FULL, ANALYZE)`` with ``full``. VACUUM cannot run inside a
transaction: it runs on an autocommit connection.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.pool import NullPool

from hub.errors import HubError

__all__ = ["VacuumResult", "store_size", "check_free_space", "vacuum", "free_bytes", "sqlite_temp_dir"]


@dataclass
class VacuumResult:
    """What a vacuum did: sizes in bytes before and after, and the seconds it took."""

    dialect: str
    before: int
    after: int
    seconds: float
    full: bool = False
    tables: list[str] = field(default_factory=list)
    #: SQLite: bytes of the write-ahead log before and after (included in ``before``/``after``)
    wal_before: int = 0
    wal_after: int = 0


def _sqlite_path(engine: Engine) -> Path | None:
    db = engine.url.database
    return None if db in (None, "", ":memory:") or str(db).startswith("file:") else Path(str(db))


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _sqlite_sizes(path: Path | None) -> tuple[int, int]:
    """(database file bytes, write-ahead log bytes)."""
    if path is None:
        return 0, 0
    return _file_size(path), _file_size(path.with_name(path.name + "-wal"))


def _pg_tables(engine: Engine) -> tuple[str, list[str]]:
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar()
        if schema is None:
            raise HubError("the store's search_path names no existing schema: nothing to vacuum")
        tables = (
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"), {"s": schema}
            )
            .scalars()
            .all()
        )
    return str(schema), [str(t) for t in tables]


def _pg_size(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT coalesce(sum(pg_total_relation_size(format('%I.%I', schemaname, tablename))), 0) "
                    "FROM pg_tables WHERE schemaname = current_schema()"
                )
            ).scalar()
            or 0
        )


def store_size(engine: Engine) -> int:
    """The store's size in bytes: SQLite file plus write-ahead log; PostgreSQL tables of its schema
    with their indexes and TOAST (``pg_total_relation_size``)."""
    if engine.dialect.name == "postgresql":
        return _pg_size(engine)
    return sum(_sqlite_sizes(_sqlite_path(engine)))


def free_bytes(path: Path) -> int:
    """Free bytes on the file system holding ``path`` (for an unprivileged user)."""
    return shutil.disk_usage(path).free


def sqlite_temp_dir() -> Path:
    """The folder SQLite writes its temporary files to on Unix (the first usable of
    ``SQLITE_TMPDIR``, ``TMPDIR``, /var/tmp, /usr/tmp, /tmp, the current folder)."""
    for candidate in (os.environ.get("SQLITE_TMPDIR"), os.environ.get("TMPDIR"), "/var/tmp", "/usr/tmp", "/tmp"):
        if candidate and os.path.isdir(candidate) and os.access(candidate, os.W_OK | os.X_OK):
            return Path(candidate)
    return Path.cwd()


def check_free_space(engine: Engine) -> None:
    """Refuse (HubError) when a SQLite VACUUM could fill a disk: it needs the database's size free
    in the store's folder (the new pages go through the write-ahead log) and in SQLite's
    temporary folder (the compacted copy), twice that when both are on one file system."""
    path = _sqlite_path(engine)
    if engine.dialect.name != "sqlite" or path is None:
        return
    size = _file_size(path)
    folders = [path.parent, sqlite_temp_dir()]
    need: dict[int, int] = {}
    where: dict[int, list[Path]] = {}
    for folder in folders:
        dev = folder.stat().st_dev
        need[dev] = need.get(dev, 0) + size
        where.setdefault(dev, []).append(folder)
    for dev, n in need.items():
        free = free_bytes(where[dev][0])
        if free < n:
            names = " and ".join(dict.fromkeys(str(f) for f in where[dev]))
            raise HubError(
                f"not enough free disk space to vacuum the store: VACUUM writes a copy of the "
                f"{_mb(size)} database, which needs {_mb(n)} free in {names}, and only {_mb(free)} is free; "
                "free some space (or point SQLITE_TMPDIR at a folder with room) and run it again"
            )


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def _vacuum_sqlite(engine: Engine) -> list[str]:
    path = _sqlite_path(engine)
    if path is None:
        raise HubError("only a SQLite store in a file named by its path can be vacuumed (not in-memory or file: URIs)")
    check_free_space(engine)
    from hub.store.engine import make_engine

    # a connection of its own (not pooled) outside any transaction; its compacted copy goes to a
    # temporary file, not into memory (the store's connections keep temporary tables in memory)
    own = make_engine(engine.url.render_as_string(hide_password=False), poolclass=NullPool)
    try:
        with own.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("PRAGMA temp_store=FILE")
            conn.exec_driver_sql("VACUUM")
            if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
                conn.exec_driver_sql("ANALYZE")  # statistics someone gathered: bring them up to date
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        own.dispose()
    return []


def _vacuum_pg(engine: Engine, full: bool) -> list[str]:
    schema, tables = _pg_tables(engine)
    options = "FULL, ANALYZE" if full else "ANALYZE"
    quote = engine.dialect.identifier_preparer.quote
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for t in tables:
            conn.exec_driver_sql(f"VACUUM ({options}) {quote(schema)}.{quote(t)}")
    return tables


def vacuum(engine: Engine, full: bool = False) -> VacuumResult:
    """Reclaim free space and refresh planner statistics of the store at ``engine``.

    ``full`` (PostgreSQL): rewrite each table (``VACUUM FULL``), which returns all free space to
    the operating system but locks each table against reads and writes while it is rewritten.
    The caller keeps runs away (``hub db vacuum`` holds every pipeline's run lock).
    """
    pg = engine.dialect.name == "postgresql"
    wal_before = 0 if pg else _sqlite_sizes(_sqlite_path(engine))[1]
    before = store_size(engine)
    started = time.monotonic()
    tables = _vacuum_pg(engine, full) if pg else _vacuum_sqlite(engine)
    seconds = time.monotonic() - started
    return VacuumResult(
        dialect=engine.dialect.name,
        before=before,
        after=store_size(engine),
        seconds=seconds,
        full=full and pg,
        tables=tables,
        wal_before=wal_before,
        wal_after=0 if pg else _sqlite_sizes(_sqlite_path(engine))[1],
    )
