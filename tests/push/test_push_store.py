"""The 0002 migration: outbox and sync state on SQLite and PostgreSQL, in step with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from hub.store.base import Base
from hub.store.engine import make_engine
from hub.store.migrate import head_revision, upgrade


def test_migration_0002_creates_push_tables_matching_the_models(store_url: str) -> None:
    engine = make_engine(store_url)
    assert upgrade(engine, "0001") == "0001"
    assert "outbox" not in inspect(engine).get_table_names()
    assert upgrade(engine, "0002") == "0002"
    assert upgrade(engine) == head_revision()
    inspector = inspect(engine)
    assert {"outbox", "sync_state"} <= set(inspector.get_table_names())
    assert any(ix["name"] == "ix_outbox_idempotency_key" and ix["unique"] for ix in inspector.get_indexes("outbox"))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert [d for d in diff if "outbox" in repr(d) or "sync_state" in repr(d)] == []
    engine.dispose()
