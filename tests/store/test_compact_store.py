"""Migration 0010 (compact store): an existing store keeps every row; text-keyed tables become
WITHOUT ROWID on SQLite; the mapped marker keeps only the rules fingerprint. (Staged payloads
change form in 0011: these tests stop at 0010.) Migration 0012: each golden record's per-field
lineage rows become one row holding the same lineage; content hashes keep their first 16 hex
digits, as the hub now computes them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import sqlalchemy as sa
from alembic import command

from hub.canonical import fields_of
from hub.pipeline.extract import record_hash
from hub.reconcile.store.golden import encode_lineage, read_lineage
from hub.store.base import Base
from hub.store.engine import make_engine
from hub.store.migrate import alembic_config, upgrade
from hub.store.models import MODELS, CrosswalkLink, GoldenLineage, MatchKey, Quarantine, SourceRecord
from hub.store.models.canonical import OrderLine, Party

#: (system, stream, external_id, hash, payload, location, first_run, changed_run, mapped_hash, deleted)
_STAGED = [
    ("crm", "Account", "A1", "aa11", '{"Id":"A1"}', "crm/Account.csv:2", 1, 1, "aa11:f00d", False),
    ("crm", "Account", "A2", "bb22", '{"Id":"A2"}', "crm/Account.csv:3", 1, 2, None, False),
    # a marker of an older payload (cannot happen through the hub, but must not pass for current)
    ("crm", "Account", "A3", "cc33", '{"Id":"A3"}', "crm/Account.csv:4", 1, 2, "0ld0:f00d", True),
    ("drp", "customers", "C1", "dd44", '{"客户编码":"C1"}', None, 2, 2, "dd44:beef", False),
]


#: golden_lineage as migrations 0001 to 0011 left it: a row per field
_OLD_LINEAGE = sa.Table(
    "golden_lineage",
    sa.MetaData(),
    *(sa.Column(c, sa.String(), primary_key=True) for c in ("entity", "canonical_id", "field")),
    *(sa.Column(c, sa.String(), nullable=False) for c in ("system", "external_id", "rule")),
    sa.Column("run_id", sa.Integer(), nullable=False),
)


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
        _OLD_LINEAGE.insert(),
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


_TABLES = tuple(m.__table__ for m in (SourceRecord, CrosswalkLink, MatchKey, Party, OrderLine)) + (_OLD_LINEAGE,)


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
            before = {t.name: _rows(conn, t) for t in _TABLES}
        assert upgrade(engine, "0010") == "0010"
        with engine.connect() as conn:
            after = {t.name: _rows(conn, t) for t in _TABLES}
            order_line_index = conn.execute(
                sa.select(OrderLine.external_id).where(OrderLine.order_ref == "O1").order_by(OrderLine.external_id)
            ).scalars()
            assert list(order_line_index) == sorted(f"L{i}" for i in range(20) if i % 3 == 1)
            if engine.dialect.name == "sqlite":
                rebuilt = _without_rowid(conn)
                assert {t.name for t in _TABLES} <= rebuilt
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
        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0009")
        with engine.connect() as conn:
            marks = dict(conn.execute(sa.select(SourceRecord.external_id, SourceRecord.mapped_hash)).all())
            assert marks == {"A1": "aa11:f00d", "A2": None, "A3": None, "C1": "dd44:beef"}
            assert len(_rows(conn, _OLD_LINEAGE)) == 3
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


def _text_fields(entity: str) -> list[str]:
    t = MODELS[entity].__table__
    return [f for f in fields_of(entity) if type(t.c[f].type) is sa.String]


def _old_store() -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Per-field lineage rows as the hub wrote them before 0012 (most records from one source;
    some with a field from a second record or a later run; enough rows for several chunks),
    and the golden rows they describe: a value in every field with lineage, except in a few
    golden rows that disagree (a value without lineage, or no golden row at all)."""
    order, party = _text_fields("sales_order")[:4], _text_fields("party")[:5]
    lineage, golden = [], {"sales_order": [], "party": []}
    for i in range(1800):
        cid = f"SO-{i:05}"
        for j, f in enumerate(order):
            source = ("drp", f"O{i}", "recency", 3) if i % 7 or j != 2 else ("crm", f"X{i}", "system_of_record", 5)
            lineage.append(dict(zip(_OLD_LINEAGE.c.keys(), ("sales_order", cid, f, *source))))
        values = dict.fromkeys(order, f"v{i}") | {"ship_to": "extra" if i == 3 else None}
        if i != 11:
            golden["sales_order"].append({"system": "golden", "external_id": cid, "row_hash": "h", **values})
    for f in reversed(party):  # stored order does not matter: fields come back in column order
        source = ("crm", "A1", "system_of_record", 1) if f != party[1] else ("drp", "C1", "completeness", 2)
        lineage.append(dict(zip(_OLD_LINEAGE.c.keys(), ("party", "P-1", f, *source))))
    golden["party"].append({"system": "golden", "external_id": "P-1", "row_hash": "h", **dict.fromkeys(party, "v")})
    return lineage, golden


def _as_read(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, tuple[Any, ...]]]]:
    out: dict[str, dict[str, dict[str, tuple[Any, ...]]]] = {}
    for r in rows:
        source = (r["system"], r["external_id"], r["rule"], r["run_id"])
        out.setdefault(r["entity"], {}).setdefault(r["canonical_id"], {})[r["field"]] = source
    return out


def test_grouped_lineage_keeps_every_field_source_and_run_and_goes_back(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        upgrade(engine, "0011")
        rows, golden = _old_store()
        with engine.begin() as conn:
            conn.execute(_OLD_LINEAGE.insert(), rows)
            for entity, records in golden.items():
                conn.execute(MODELS[entity].__table__.insert(), [{"run_id": 1, "deleted": False} | r for r in records])
        upgrade(engine, "0012")
        expected = _as_read(rows)
        with engine.connect() as conn:
            assert {e: read_lineage(conn, e) for e in expected} == expected
            assert read_lineage(conn, "sales_order", ["SO-00007", "SO-00011"]) == {
                k: expected["sales_order"][k] for k in ("SO-00007", "SO-00011")
            }
            stored = dict(conn.execute(sa.select(GoldenLineage.canonical_id, GoldenLineage.lineage)).all())
        assert len(stored) == 1801
        order = _text_fields("sales_order")
        # the form the hub writes, byte for byte: fields in the entity's order, grouped by source,
        # the largest group naming none (it gave the golden row's other fields with a value) ...
        for e, records in expected.items():
            for cid, lineage in records.items():
                if cid not in ("SO-00003", "SO-00011"):
                    assert stored[cid] == encode_lineage({f: lineage[f] for f in fields_of(e) if f in lineage})
        assert json.loads(stored["SO-00007"]) == [
            ["drp", "O7", "recency", 3],
            ["crm", "X7", "system_of_record", 5, order[2]],
        ]
        assert json.loads(stored["SO-00010"]) == [["drp", "O10", "recency", 3]]
        # ... unless lineage and golden row disagree: then each group names its fields
        assert json.loads(stored["SO-00003"]) == [["drp", "O3", "recency", 3, *order[:4]]]
        assert json.loads(stored["SO-00011"]) == [["drp", "O11", "recency", 3, *order[:4]]]
        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0011")
        with engine.connect() as conn:
            back = [dict(r._mapping) for r in conn.execute(sa.select(_OLD_LINEAGE))]
        key = lambda r: (r["entity"], r["canonical_id"], r["field"])  # noqa: E731
        assert sorted(back, key=key) == sorted(rows, key=key)
    finally:
        engine.dispose()


def test_content_hashes_keep_the_first_16_digits_of_the_same_digest(store_url: str) -> None:
    payloads = {f"A{i}": f'{{"Id":"A{i}","Name":"客户 {i}"}}' for i in range(3)}
    full = {k: hashlib.blake2b(p.encode("utf-8"), digest_size=16).hexdigest() for k, p in payloads.items()}
    engine = make_engine(store_url)
    try:
        upgrade(engine, "0011")
        with engine.begin() as conn:
            conn.execute(
                SourceRecord.__table__.insert(),
                [
                    {"system": "crm", "stream": "Account", "external_id": k, "hash": full[k], "payload": "[1]"}
                    | {"location": None, "first_run": 1, "changed_run": 1, "mapped_hash": "f00d", "deleted": False}
                    for k in payloads
                ],
            )
            conn.execute(
                Quarantine.__table__.insert(),
                [
                    {"system": "crm", "stream": "Account", "stage": s, "record_key": k, "hash": h, "reason": "bad"}
                    | {
                        "error_type": "MappingError",
                        "first_run": 1,
                        "last_run": 1,
                        "created_at": dt.datetime.now(dt.UTC),
                    }
                    for s, k, h in (("map", "A1", full["A1"]), ("extract", "Account.csv:9", None))
                ],
            )
            conn.execute(
                Party.__table__.insert(),
                [
                    {"system": s, "external_id": k, "name": k, "row_hash": h * 2, "run_id": 1, "deleted": False}
                    for s, k, h in (("crm", "A1", "0123456789abcdef"), ("golden", "P-1", "fedcba9876543210"))
                ],
            )
        upgrade(engine, "0012")
        with engine.connect() as conn:
            staged = dict(conn.execute(sa.select(SourceRecord.external_id, SourceRecord.hash)).all())
            assert staged == {k: record_hash(p) for k, p in payloads.items()}
            assert all(h == full[k][:16] for k, h in staged.items())
            held = dict(conn.execute(sa.select(Quarantine.stage, Quarantine.hash)).all())
            assert held == {"map": full["A1"][:16], "extract": None}
            rows = dict(conn.execute(sa.select(Party.external_id, Party.row_hash)).all())
            assert rows == {"A1": "0123456789abcdef", "P-1": "fedcba9876543210"}
    finally:
        engine.dispose()
