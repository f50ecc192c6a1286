"""Alembic environment: the URL comes from the hub (config attribute or HUB_DATABASE_URL)."""

from __future__ import annotations

from alembic import context

import hub.store.models  # noqa: F401  (registers every table)
from hub.store.base import Base
from hub.store.engine import make_engine, resolve_url

config = context.config
url = config.attributes.get("url") or resolve_url(config.get_main_option("sqlalchemy.url"))


def run_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
