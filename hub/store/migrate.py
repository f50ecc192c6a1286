"""Schema migrations through Alembic, on SQLite (batch mode) and PostgreSQL alike.

A migration runs in one transaction on both stores, so a process killed part-way leaves the
schema it started from. PostgreSQL has transactional DDL already; on SQLite the driver's
legacy transaction handling would commit each ``CREATE TABLE`` on its own, so migrations use
an engine that hands transaction control to SQLite itself (``BEGIN`` issued explicitly).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, func, inspect, select, table, text

from hub.errors import StoreError

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["url"] = url
    return cfg


def _sqlite_transactional(engine: Engine) -> Engine:
    """A twin of ``engine`` whose transactions cover DDL too (SQLAlchemy's pysqlite recipe)."""
    twin = create_engine(engine.url)

    @event.listens_for(twin, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # the driver stops opening/committing on its own
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(twin, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return twin


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Bring the store at ``engine`` to ``revision``; returns the revision it is at afterwards."""
    url = engine.url.render_as_string(hide_password=False)
    cfg = alembic_config(url)
    # an in-memory database lives in its engine's connection: a twin engine would see another one
    sqlite = engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")
    runner = _sqlite_transactional(engine) if sqlite else engine
    try:
        with runner.begin() as conn:
            _clear_unfinished_first_migration(conn)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        if sqlite:
            runner.dispose()
    return current_revision(engine)


def _clear_unfinished_first_migration(conn: Connection) -> None:
    """Drop the empty hub tables a first migration killed by an older hub left behind.

    Such a store has tables but no revision, and the migration would stop at "table already
    exists" forever. Only empty tables the hub itself defines are dropped; anything else
    (rows, or tables the hub does not know) is reported instead of touched.
    """
    import hub.store.models  # noqa: F401  (registers every table)
    from hub.store.base import Base

    if MigrationContext.configure(conn).get_current_revision() is not None:
        return
    present = set(inspect(conn).get_table_names())
    stale = present - {VERSION_TABLE}
    if not stale:
        if VERSION_TABLE in present:  # an empty version table: let Alembic make its own
            conn.execute(text(f"DROP TABLE {VERSION_TABLE}"))
        return
    foreign = stale - set(Base.metadata.tables)
    if foreign:
        raise StoreError(
            f"the store has no hub schema revision but holds tables the hub does not define "
            f"({', '.join(sorted(foreign)[:5])}); point the hub at an empty database"
        )
    filled = [t for t in sorted(stale) if conn.execute(select(func.count()).select_from(table(t))).scalar()]
    if filled:
        raise StoreError(
            f"the store has no hub schema revision but its tables hold rows ({', '.join(filled[:5])}); "
            "stamp it with the revision it is at (alembic stamp) or restore a backup"
        )
    for t in reversed(Base.metadata.sorted_tables):
        if t.name in stale:
            t.drop(conn)
    if VERSION_TABLE in present:
        conn.execute(text(f"DROP TABLE {VERSION_TABLE}"))


def current_revision(engine: Engine) -> str | None:
    """The revision the store is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this version of the hub."""
    cfg = alembic_config("sqlite://")
    return ScriptDirectory.from_config(cfg).get_current_head()
