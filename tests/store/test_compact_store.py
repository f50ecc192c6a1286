"""Migration 0010 (compact store): an existing store keeps every row; text-keyed tables become
WITHOUT ROWID on SQLite; the mapped marker keeps only the rules fingerprint. (Staged payloads
change form in 0011: these tests stop at 0010.)"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hub.store.base import Base
from hub.store.engine import make_engine
from hub.store.migrate import upgrade
from hub.store.models import CrosswalkLink, GoldenLineage, MatchKey, SourceRecord
from hub.store.models.canonical import OrderLine, Party

#: (system, stream, external_id, hash, payload, location, first_run, changed_run, mapped_hash, deleted)
_STAGED = [
    ("crm", "Account", "A1", "aa11", '{"Id":"A1"}', "crm/Account.csv:2", 1, 1, "aa11:f00d", False),
    ("crm", "Account", "A2", "bb22", '{"Id":"A2"}', "crm/Account.csv:3", 1, 2, None, False),
    # a marker of an older payload (cannot happen through the hub, but must not pass for current)
    ("crm", "Account", "A3", "cc33", '{"Id":"A3"}', "crm/Account.csv:4", 1, 2, "0ld0:f00d", True),
    ("drp", "customers", "C1", "dd44", '{"客户编码":"C1"}', None, 2, 2, "dd44:beef", False),
]


def _rows(conn: sa.Connection, t: sa.Table) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]


def _seed(conn: sa.Connection) -> None:
    sr = SourceRecord.__table__
    conn.execute(sr.insert(), [dict(zip(sr.c.keys(), r)) for r in _STAGED])
    conn.execute(
        CrosswalkLink.__table__.insert(),
        [
            {
                "entity": "party",
                "system": s,
                "external_id": e,
                "canonical_id": "P-1",
                "rule": "tax_id_exact",
                "score": 33.5,
                "explanation": {"decision": "rule", "with": w},
                "scope": None,
                "first_run": 1,
                "changed_run": 1,
            }
            for s, e, w in (("crm", "A1", "drp:C1"), ("drp", "C1", "crm:A1"))
        ],
    )
    conn.execute(
        GoldenLineage.__table__.insert(),
        [
            {"entity": "party", "canonical_id": "P-1", "field": f, "system": "drp", "external_id": "C1"}
            | {"rule": "system_of_record", "run_id": 1}
            for f in ("name", "tax_id", "city")
        ],
    )
    conn.execute(
        MatchKey.__table__.insert(), [{"entity": "party", "system": "crm", "external_id": "A1", "keys": "k1\nk2"}]
    )
    conn.execute(
        Party.__table__.insert(),
        [{"system": "crm", "external_id": "A1", "name": "华信贸易", "row_hash": "r1", "run_id": 1, "deleted": False}],
    )
    conn.execute(
        OrderLine.__table__.insert(),
        [
            {"system": "drp", "external_id": f"L{i}", "order_ref": f"O{i % 3}", "line_no": i}
            | {"quantity": "2.5", "row_hash": f"h{i}", "run_id": 1, "deleted": False}
            for i in range(20)
        ],
    )


_TABLES = (SourceRecord, CrosswalkLink, GoldenLineage, MatchKey, Party, OrderLine)


def _without_rowid(conn: sa.Connection) -> set[str]:
    return {
        name
        for name, sql in conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        if sql.rstrip().upper().endswith("WITHOUT ROWID")
    }


def test_upgrade_keeps_every_row_and_shortens_the_mapped_marker(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        assert upgrade(engine, "0009") == "0009"
        with engine.begin() as conn:
            _seed(conn)
            before = {m.__tablename__: _rows(conn, m.__table__) for m in _TABLES}
        assert upgrade(engine, "0010") == "0010"
        with engine.connect() as conn:
            after = {m.__tablename__: _rows(conn, m.__table__) for m in _TABLES}
            order_line_index = conn.execute(
                sa.select(OrderLine.external_id).where(OrderLine.order_ref == "O1").order_by(OrderLine.external_id)
            ).scalars()
            assert list(order_line_index) == sorted(f"L{i}" for i in range(20) if i % 3 == 1)
            if engine.dialect.name == "sqlite":
                rebuilt = _without_rowid(conn)
                assert {m.__tablename__ for m in _TABLES} <= rebuilt
                indexes = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")}
                assert {"ix_crosswalk_canonical", "ix_order_line_order_ref", "ix_sales_order_party_ref"} <= indexes
        marker = SourceRecord.__table__.c.keys().index("mapped_hash")
        expected = [r[:marker] + (m,) + r[marker + 1 :] for r, m in zip(_STAGED, ["f00d", None, None, "beef"])]
        assert after.pop("source_record") == sorted(expected)
        before.pop("source_record")
        assert after == before
    finally:
        engine.dispose()


def test_downgrade_restores_rowid_tables_and_full_markers(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        upgrade(engine, "0009")
        with engine.begin() as conn:
            _seed(conn)
        upgrade(engine, "0010")
        from alembic import command

        from hub.store.migrate import alembic_config

        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0009")
        with engine.connect() as conn:
            marks = dict(conn.execute(sa.select(SourceRecord.external_id, SourceRecord.mapped_hash)).all())
            assert marks == {"A1": "aa11:f00d", "A2": None, "A3": None, "C1": "dd44:beef"}
            assert len(_rows(conn, GoldenLineage.__table__)) == 3
            if engine.dialect.name == "sqlite":
                assert _without_rowid(conn) == set()
    finally:
        engine.dispose()


def test_migrated_sqlite_tables_match_the_models_rowid_option(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        upgrade(engine)
        with engine.connect() as conn:
            rebuilt = _without_rowid(conn)
        wanted = {t.name for t in Base.metadata.sorted_tables if t.dialect_options["sqlite"]["with_rowid"] is False}
        assert "source_record" in wanted and "golden_lineage" in wanted
        assert rebuilt == wanted
    finally:
        engine.dispose()
