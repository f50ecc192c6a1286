"""Migration 0013 on SQLite and PostgreSQL: ``mapped_stream`` (empty, so the first run after it
maps every stream once as before) and the index of records marked NULL, in step with the models;
a downgrade takes both away and leaves the staged records as they were."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hub.pipeline.mapstage import unmapped_probe
from hub.store.base import Base
from hub.store.engine import make_engine
from hub.store.migrate import alembic_config, head_revision, upgrade
from hub.store.models import SourceRecord

ROWS = [
    {
        "system": "drp",
        "stream": "customers",
        "external_id": f"C{i:03d}",
        "hash": f"{i:016x}",
        "payload": "[1]",
        "location": None,
        "first_run": 1,
        "changed_run": 1,
        "mapped_hash": None if i % 3 == 0 else "f00d",
        "deleted": False,
    }
    for i in range(9)
]


def test_migration_0013_adds_mapped_streams_and_the_unmapped_index(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        assert upgrade(engine, "0012") == "0012"
        sr = SourceRecord.__table__
        with engine.begin() as conn:
            conn.execute(sr.insert(), ROWS)
            before = conn.execute(sa.select(sr).order_by(sr.c.external_id)).all()
        assert upgrade(engine) == head_revision()
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            assert "mapped_stream" in inspector.get_table_names()
            assert conn.execute(sa.text("SELECT count(*) FROM mapped_stream")).scalar() == 0
            assert "ix_source_record_unmapped" in {ix["name"] for ix in inspector.get_indexes("source_record")}
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
            assert [d for d in diff if "mapped_stream" in repr(d) or "source_record" in repr(d)] == []
            # the map stage's probe reads the partial index, not the stream
            probe, args = unmapped_probe(conn), ("drp", "customers")
            if engine.dialect.name == "sqlite":
                plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {probe}", args))
                assert "USING INDEX ix_source_record_unmapped" in plan, plan
            else:
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
                plan = " ".join(str(r[0]) for r in conn.exec_driver_sql(f"EXPLAIN {probe}", args))
                assert "ix_source_record_unmapped" in plan, plan
            assert conn.exec_driver_sql(probe, args).all() == [(1,)]

        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0012")
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            assert "mapped_stream" not in inspector.get_table_names()
            assert "ix_source_record_unmapped" not in {ix["name"] for ix in inspector.get_indexes("source_record")}
            assert conn.execute(sa.select(sr).order_by(sr.c.external_id)).all() == before
    finally:
        engine.dispose()
