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
