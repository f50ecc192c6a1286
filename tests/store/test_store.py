"""The canonical store on SQLite and PostgreSQL: migrations, types, the bulk fast path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import inspect, select

from hub.canonical import ENTITIES
from hub.store.bulk import upsert
from hub.store.engine import make_engine
from hub.store.migrate import current_revision, head_revision, upgrade
from hub.store.models import MODELS, SourceRecord


def test_models_follow_the_canonical_vocabulary() -> None:
    for entity, fields in ENTITIES.items():
        cols = set(MODELS[entity].__table__.c.keys())
        assert set(fields) <= cols, entity
        assert {"system", "external_id", "row_hash", "run_id", "deleted"} <= cols


def test_migrations_reach_head_and_match_models(store_url: str) -> None:
    engine = make_engine(store_url)
    assert current_revision(engine) is None
    assert upgrade(engine) == head_revision()
    assert upgrade(engine) == head_revision()  # idempotent
    tables = set(inspect(engine).get_table_names())
    assert set(MODELS) <= tables
    assert {"source_record", "crosswalk", "quarantine", "run", "stage_log", "cursor_state", "discrepancy"} <= tables
    engine.dispose()


def _party(ext: str, limit: str, name: str = "华信贸易") -> dict:
    return {
        "system": "drp",
        "external_id": ext,
        "name": name,
        "credit_limit": Decimal(limit),
        "updated_at": dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC),
        "row_hash": f"{name}{limit}",
        "run_id": 1,
        "deleted": False,
    }


def test_bulk_upsert_skips_unchanged_rows_and_keeps_exact_values(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    table = MODELS["party"].__table__
    rows = [_party(f"C{i:05d}", f"{i}.10") for i in range(2500)]
    with engine.begin() as conn:
        assert upsert(conn, table, rows, key=("system", "external_id")) == 2500
    with engine.begin() as conn:
        assert upsert(conn, table, rows, key=("system", "external_id")) == 0
    rows[7] = _party("C00007", "99999999.99")
    with engine.begin() as conn:
        assert upsert(conn, table, rows, key=("system", "external_id")) == 1
    with engine.connect() as conn:
        got = conn.execute(
            select(table.c.credit_limit, table.c.updated_at, table.c.name).where(table.c.external_id == "C00007")
        ).one()
    assert got.credit_limit == Decimal("99999999.99")
    assert got.updated_at == dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
    assert got.name == "华信贸易"
    engine.dispose()


def test_bulk_upsert_collapses_repeated_keys_in_one_batch(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    rows = [
        {
            "system": "crm",
            "stream": "Account",
            "external_id": "001A",
            "hash": h,
            "payload": "{}",
            "location": None,
            "first_run": 1,
            "changed_run": 1,
            "mapped_hash": None,
            "deleted": False,
        }
        for h in ("a", "b")
    ]
    with engine.begin() as conn:
        upsert(conn, SourceRecord.__table__, rows, key=("system", "stream", "external_id"), change_column="hash")
    with engine.connect() as conn:
        assert conn.execute(select(SourceRecord.hash)).scalars().all() == ["b"]
    engine.dispose()


@pytest.mark.parametrize("bad", [dt.datetime(2026, 1, 1)])
def test_naive_datetimes_are_refused(store_url: str, bad: dt.datetime) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    row = _party("C1", "1.00")
    row["updated_at"] = bad
    with pytest.raises(Exception, match="naive"):
        with engine.begin() as conn:
            upsert(conn, MODELS["party"].__table__, [row], key=("system", "external_id"))
    engine.dispose()


def test_upsert_watching_a_json_column(store_url: str) -> None:
    from hub.store.models import ReviewItem

    engine = make_engine(store_url)
    upgrade(engine)
    row = {
        "entity": "party",
        "system_a": "crm",
        "id_a": "1",
        "system_b": "drp",
        "id_b": "C1",
        "score": 7.0,
        "explanation": {"signals": {"name": "exact"}},
        "status": "open",
        "first_run": 1,
        "last_run": 1,
    }
    key = ("entity", "system_a", "id_a", "system_b", "id_b")
    for expected, explanation in (
        (1, row["explanation"]),
        (0, row["explanation"]),
        (1, {"signals": {"name": "close"}}),
    ):
        with engine.begin() as conn:
            got = upsert(
                conn,
                ReviewItem.__table__,
                [{**row, "explanation": explanation}],
                key=key,
                change_column=("score", "explanation"),
                update_columns=("score", "explanation", "last_run"),
            )
        assert got == expected
    engine.dispose()
