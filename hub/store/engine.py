"""Engine creation for the canonical store: URL resolution, SQLite pragmas, sessions."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

__all__ = ["resolve_url", "make_engine", "mask_url", "url_problem"]

ENV_URL = "HUB_DATABASE_URL"


def resolve_url(configured: str | None, base_dir: Path | None = None) -> str:
    """``HUB_DATABASE_URL`` wins, then the configured URL, then a SQLite file under ``base_dir/.hub``."""
    url = os.environ.get(ENV_URL) or configured
    if not url:
        root = (base_dir or Path.cwd()) / ".hub"
        root.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{root / 'hub.db'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def mask_url(url: str) -> str:
    """The URL with its password hidden, for logs and status output."""
    return make_url(url).render_as_string(hide_password=True)


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a store URL (unparsable, unknown dialect, driver not installed), or None."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    try:
        u = make_url(url)
    except ArgumentError:
        return "not a database URL (expected e.g. sqlite:///path/hub.db or postgresql://user@host/db)"
    try:
        u.get_dialect().import_dbapi()
    except NoSuchModuleError:
        return (
            f"unknown database {u.drivername!r} in {mask_url(url)} (known: sqlite, postgresql, postgresql+psycopg, ...)"
        )
    except ImportError as exc:
        return (
            f"the driver of {mask_url(url)} is not installed ({exc}); use sqlite or postgresql, or install the driver"
        )
    return None


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL is durable against process crashes (SIGKILL); only an OS crash may lose
    # the last transactions, never corrupt the file.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA cache_size=-65536")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the store's dialect settings applied."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        db = u.database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)
