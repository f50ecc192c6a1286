"""Planner statistics after bulk loads, and temporary key tables, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from hub.store.bulk import upsert
from hub.store.engine import make_engine
from hub.store.keyset import key_table
from hub.store.migrate import upgrade
from hub.store.models import MODELS
from hub.store.stats import analyze
from tests.store.test_store import _party


def _reltuples(conn, table: str) -> float:  # type: ignore[no-untyped-def]
    return conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table}).scalar()


def test_analyze_gives_postgresql_the_size_of_a_bulk_load(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    with engine.begin() as conn:
        upsert(
            conn,
            MODELS["party"].__table__,
            [_party(f"C{i:05d}", f"{i}.10") for i in range(2500)],
            key=("system", "external_id"),
        )
    with engine.begin() as conn:
        done = analyze(conn, ["party", "party", "crosswalk"])
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            assert done == ["party", "crosswalk"]
            assert _reltuples(conn, "party") == 2500
            assert (
                conn.execute(
                    text("SELECT count(*) FROM pg_stats WHERE tablename = 'party' AND attname = 'system'")
                ).scalar()
                == 1
            )
        else:  # nothing on SQLite: no statistics table appears
            assert done == []
            assert conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name LIKE 'sqlite_stat%'")).scalar() == 0
    engine.dispose()


def test_key_table_keeps_the_first_row_of_a_key_and_is_analysed(store_url: str) -> None:
    engine = make_engine(store_url)
    rows = [("a", "1", 0), ("b", "2", 1), ("a", "3", 2)] + [(f"k{i}", "x", i % 7) for i in range(3000)]
    with engine.begin() as conn:
        with key_table(
            conn, ("system", "party_ref", "bucket"), rows, primary_key=("system",), index=("bucket",)
        ) as name:
            got = dict(conn.execute(text(f"SELECT system, party_ref FROM {name} WHERE system IN ('a', 'b')")).all())
            assert got == {"a": "1", "b": "2"}
            assert conn.execute(text(f"SELECT count(*) FROM {name}")).scalar() == 3002
            assert conn.execute(text(f"SELECT count(*) FROM {name} WHERE bucket = 3")).scalar() == 429
            if engine.dialect.name == "postgresql":
                assert _reltuples(conn, name) == 3002
        with key_table(conn, ("x",), []) as empty:
            assert conn.execute(text(f"SELECT count(*) FROM {empty}")).scalar() == 0
    engine.dispose()


def test_key_table_closed_while_a_query_still_streams(store_url: str) -> None:
    """SQLite cannot drop a table while the connection has a read open: the table is emptied,
    and dropped by the next key table of the connection."""
    engine = make_engine(store_url)
    upgrade(engine)
    with engine.begin() as conn:
        upsert(
            conn,
            MODELS["party"].__table__,
            [_party(f"C{i:05d}", "1.00") for i in range(500)],
            key=("system", "external_id"),
        )
    with engine.begin() as conn:
        stream = conn.execute(
            text("SELECT external_id FROM party ORDER BY external_id").execution_options(yield_per=10)
        )
        first = stream.fetchmany(10)
        with key_table(conn, ("external_id",), [(r[0],) for r in first]) as name:
            assert conn.execute(text(f"SELECT count(*) FROM {name}")).scalar() == 10
        assert len(first) + len(stream.fetchall()) == 500
        with key_table(conn, ("external_id",), [("C00001",)]) as other:
            assert other != name
        if engine.dialect.name == "sqlite":
            temp = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_temp_master WHERE type = 'table'"))}
            assert name not in temp and other not in temp
    engine.dispose()


def test_reconcile_analyses_the_tables_it_reads(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not store_url.startswith("postgresql"):
        pytest.skip("statistics are gathered on PostgreSQL only")
    from hub.runner import run_pipeline
    from testkit.world import generate
    from tests.helpers.channelco import channelco_store

    generate(tmp_path / "w", seed=7, customers=40)
    config, engine = channelco_store(monkeypatch, tmp_path / "w", store_url)
    assert run_pipeline(config, "channelco", engine=engine).status == "succeeded"
    with engine.connect() as conn:
        never = {r[0] for r in conn.execute(text("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NULL"))}
    engine.dispose()
    assert never.isdisjoint({"party", "sales_order", "order_line", "invoice", "payment", "crosswalk", "discrepancy"}), (
        never
    )
