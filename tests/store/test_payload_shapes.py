"""Staged payloads stored as ``[shape id, values...]``: the codec gives back the record as extracted,
and migration 0011 converts (and 0010 restores) an existing store's payloads exactly."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from hub.store.engine import make_engine
from hub.store.migrate import alembic_config, head_revision, upgrade
from hub.store.models import PayloadShape, SourceRecord
from hub.store.payload import PayloadCodec, dumps

RECORDS: list[dict[str, Any]] = [
    {"Id": "A1", "Name": "ChannelCo Shanghai", "Amount": "1.50", "IsActive": "true"},
    {"Id": "A2", "Name": 'quote " and \\ and \u2028', "Amount": "", "IsActive": "false"},
    {"客户编码": "C000001", "客户名称": "畅联消费品有限公司", "信用额度": "0.00"},
    {"_entity": "sales_order", "external_id": "45", "amount": None, "lines": [{"sku": "X", "qty": 2.5}], "n": 3},
    {"Name": "keys in another order", "Id": "A3", "Amount": "2", "IsActive": "true"},
    {},
    {"x": float("nan"), "big": 10**30, "flag": True},
]


def _row(i: int, payload: str) -> dict[str, Any]:
    return {
        "system": "crm",
        "stream": "Account",
        "external_id": f"K{i:03d}",
        "hash": f"h{i}",
        "payload": payload,
        "location": f"crm/Account.csv:{i + 2}",
        "first_run": 1,
        "changed_run": 1,
        "mapped_hash": "f00d",
        "deleted": False,
    }


def test_codec_round_trip_gives_the_extracted_text(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            codec = PayloadCodec(conn)
            stored = [codec.encode(r) for r in RECORDS]
        assert not any('"Name"' in s for s in stored)  # the names are not repeated per record
        with engine.connect() as conn:
            codec = PayloadCodec(conn)  # a new transaction reads the shapes back
            for record, text in zip(RECORDS, stored):
                got = codec.decode(text)
                assert list(got) == list(record)
                assert dumps(got) == dumps(record)
            assert codec.fields(stored[0], ["Name", "Missing"]) == {"Name": "ChannelCo Shanghai", "Missing": None}
            shapes = conn.execute(sa.select(sa.func.count()).select_from(PayloadShape.__table__)).scalar()
        assert shapes == 6  # A1 and A2 share one; an empty record is a shape too
    finally:
        engine.dispose()


def test_a_shape_added_in_a_rolled_back_transaction_is_not_kept(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        upgrade(engine)
        with pytest.raises(RuntimeError), engine.begin() as conn:
            PayloadCodec(conn).encode({"a": 1})
            raise RuntimeError("the extract failed")
        with engine.begin() as conn:
            assert conn.execute(sa.select(PayloadShape.id)).all() == []
            text = PayloadCodec(conn).encode({"a": 1})
        with engine.connect() as conn:
            assert PayloadCodec(conn).decode(text) == {"a": 1}
    finally:
        engine.dispose()


def test_migration_converts_existing_payloads_and_back(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        assert upgrade(engine, "0010") == "0010"
        originals = [dumps(r) for r in RECORDS]
        sr = SourceRecord.__table__
        with engine.begin() as conn:
            conn.execute(sr.insert(), [_row(i, p) for i, p in enumerate(originals)])
            before = conn.execute(sa.select(sr).order_by(sr.c.external_id)).all()
        assert upgrade(engine) == head_revision()
        with engine.connect() as conn:
            after = conn.execute(sa.select(sr).order_by(sr.c.external_id)).all()
            codec = PayloadCodec(conn)
            assert [dumps(codec.decode(r.payload)) for r in after] == originals
            assert all(json.loads(r.payload)[0] >= 1 for r in after)
            at = list(sr.c.keys()).index("payload")
            assert [r[:at] + r[at + 1 :] for r in after] == [r[:at] + r[at + 1 :] for r in before]
        with engine.begin() as conn:  # a new shape after the migration gets a fresh id
            codec = PayloadCodec(conn)
            assert codec.decode(codec.encode({"new": "shape"})) == {"new": "shape"}
        from alembic import command

        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0010")
        with engine.connect() as conn:
            assert conn.execute(sa.select(sr).order_by(sr.c.external_id)).all() == before
            assert "payload_shape" not in sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()


def test_a_wide_record_gets_a_shape_on_every_store(store_url: str) -> None:
    """A source with hundreds of columns (a Salesforce object) has a column list longer than a
    PostgreSQL b-tree entry may be: the shape is keyed by its digest, so it is stored all the same."""
    wide = {f"Custom_Field_{i:03d}__c": f"v{i}" for i in range(600)}
    other = {**wide, "One_More__c": "x"}
    engine = make_engine(store_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            codec = PayloadCodec(conn)
            stored = [codec.encode(wide), codec.encode(other), codec.encode(dict(wide))]
        assert stored[0] == stored[2] and stored[0] != stored[1]
        with engine.connect() as conn:
            codec = PayloadCodec(conn)
            assert [codec.decode(s) for s in stored] == [wide, other, wide]
            keys = conn.execute(sa.select(PayloadShape.keys).order_by(PayloadShape.id)).scalars().all()
        assert len(keys) == 2 and len(keys[0]) > 10_000
    finally:
        engine.dispose()


def test_fields_picked_by_the_database_are_the_decoded_ones(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``raw_values``/``raw_records`` with fields let SQLite pick the values out of the stored
    payloads; every kind of value reads back as the codec decodes it: escaped and non-ASCII
    text, numbers as written, booleans, null, nested values, a payload SQLite's JSON cannot
    read (NaN), keys in another order, a name the shape has not, and a shape the reader's codec
    does not know."""
    from hub.push.flow_data import raw_records, raw_values

    records = [
        *RECORDS,
        {"Id": "A4", "Name": "tab\there", "Amount": 1.50, "IsActive": None},
        {"Id": "A5", "Name": "\u6e20\u9053", "Amount": 12345678901234567890, "IsActive": False},
    ]
    names = ["Name", "Amount", "IsActive", "x", "lines", "flag", "Missing"]
    engine = make_engine(store_url)
    try:
        upgrade(engine)
        sr = SourceRecord.__table__
        with engine.begin() as conn:
            codec = PayloadCodec(conn)
            conn.execute(sr.insert(), [_row(i, codec.encode(r)) for i, r in enumerate(records)])
        with engine.begin() as conn:
            expected = {f"K{i:03d}": tuple(r.get(n) for n in names) for i, r in enumerate(records)}
            got = raw_values(conn, "crm", "Account", names)
            assert got.keys() == expected.keys()
            for k, v in expected.items():  # NaN != NaN: compared as staged text
                assert dumps(list(got[k])) == dumps(list(v)), k
            assert raw_records(conn, "crm", "Account", names)["K001"] == dict(zip(names, expected["K001"]))
            exprs = PayloadCodec(conn).element_sql(conn.dialect.name, "payload", names)
            assert (exprs is not None) == (engine.dialect.name == "sqlite")
            newer = {"Amount": "9", "Name": "late shape", "Extra": 1}
            conn.execute(sr.insert(), [_row(50, PayloadCodec(conn).encode(newer))])
            late = json.loads(PayloadCodec(conn).encode(newer))[0]
            decoded: list[str] = []
            values = PayloadCodec.values
            # as if the shape were stored after the reader's codec was made: that row is decoded here
            monkeypatch.setattr(PayloadCodec, "known", lambda self, sid: sid not in (None, late))
            monkeypatch.setattr(PayloadCodec, "values", lambda self, p, n: decoded.append(p) or values(self, p, n))
            assert raw_values(conn, "crm", "Account", ["Name", "Extra"])["K050"] == ("late shape", 1)
            if engine.dialect.name == "sqlite":  # the late shape's row and the NaN one
                assert (
                    len(decoded) == 2 and any("NaN" in p for p in decoded) and any("late shape" in p for p in decoded)
                )
    finally:
        engine.dispose()
