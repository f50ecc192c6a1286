"""``hub check`` for the store: reachable (connect and ``SELECT 1``) and its schema revision against this hub's head."""

from __future__ import annotations

import os
from pathlib import Path

from hub.config import HubConfig
from hub.connector import Check

__all__ = ["store_url", "store_checks"]


def store_url(config: HubConfig) -> str:
    """The store URL a run would use, without creating anything (``HUB_DATABASE_URL``, ``store.url``, the default file)."""
    from hub.store.engine import ENV_URL, resolve_url

    url = os.environ.get(ENV_URL) or config.store.url
    if not url:
        return f"sqlite:///{Path(config.base_dir) / '.hub' / 'hub.db'}"
    return resolve_url(url)


def _masked(url: str) -> str:
    from hub.store.engine import mask_url

    try:
        return mask_url(url)
    except Exception:  # an unparsable URL: show its scheme only, never what may be a password
        return url.split("://", 1)[0] + "://***"


def store_checks(config: HubConfig, timeout: int = 5) -> list[Check]:
    """One row per check: ``connect`` (with the masked URL or the reason) and ``schema``; never raises."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from hub.store.engine import make_engine, url_problem

    url = store_url(config)
    shown = _masked(url)
    problem = url_problem(url)
    if problem is not None:
        return [Check("connect", False, problem)]
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:") and not Path(u.database).exists():
        return [
            Check("connect", True, f"{shown}: no file yet (the first run creates it)"),
            Check("schema", True, "empty: the first run creates it"),
        ]
    connect_args = {"connect_timeout": timeout} if u.get_backend_name() == "postgresql" else {}
    engine = make_engine(url, connect_args=connect_args)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            from alembic.runtime.migration import MigrationContext

            revision = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return [Check("connect", False, f"{shown}: {reason}")]
    finally:
        engine.dispose()
    return [Check("connect", True, shown), _schema(revision)]


def _schema(revision: str | None) -> Check:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from hub.store.migrate import alembic_config, head_revision

    head = head_revision()
    if revision is None:
        return Check("schema", True, f"empty: the first run creates it (head {head})")
    if revision == head:
        return Check("schema", True, f"at head {head}")
    try:
        ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(revision)
    except CommandError:
        return Check(
            "schema",
            False,
            f"at {revision}, which this hub does not know (head {head}): the store is newer than the hub",
        )
    return Check("schema", True, f"at {revision}, head {head}: the next run (or hub db upgrade) upgrades it")
