"""Applying compiled mappings: typed results, errors naming fields, keys, value maps, reverse."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from hub.errors import MappingError

ORDERS = """\
system: drp
timezone: Asia/Shanghai
value_maps:
  status:
    values: {已审核: approved, 已发货: shipped, 已完成: completed, 已关闭: cancelled}
  yesno:
    values: {Y: "true", N: "false"}
    default: "false"
mappings:
  - stream: sales_orders
    entity: sales_order
    key: 订单号
    fields:
      order_number: 订单号
      party_ref: {from: 客户编码, required: true}
      order_date: {from: 订单日期, formats: ["%Y-%m-%d", "%Y/%m/%d"], required: true}
      status: {from: 状态, map: status, required: true}
      source_status: {from: 状态, reverse: false}
      amount: {from: 订单金额, required: true}
      currency: {from: 币种, default: CNY}
      updated_at: {from: 修改时间, formats: ["%Y/%m/%d %H:%M:%S"]}
      source_ref: {from: 来源单号, transforms: [digits_only, {zfill: 8}]}
"""

ROW = {
    "订单号": "SO2504000001",
    "客户编码": "C000092",
    "订单日期": "2025/04/01",
    "状态": "已完成",
    "订单金额": "3090.03",
    "币种": "",
    "修改时间": "2025/04/02 09:30:00",
    "来源单号": "181",
}


@pytest.fixture
def orders(load):
    (m,) = load(ORDERS).for_stream("drp", "sales_orders")
    return m


def test_row_maps_to_typed_canonical_values(orders):
    assert orders.entity == "sales_order" and orders.system == "drp" and orders.stream == "sales_orders"
    assert orders.apply(ROW) == {
        "external_id": "SO2504000001",
        "order_number": "SO2504000001",
        "party_ref": "C000092",
        "order_date": date(2025, 4, 1),
        "status": "completed",
        "source_status": "已完成",
        "amount": Decimal("3090.03"),
        "currency": "CNY",  # empty -> default
        "updated_at": datetime(2025, 4, 2, 1, 30, tzinfo=UTC),
        "source_ref": "00000181",
    }


def test_whitespace_and_fullwidth_values(orders):
    row = dict(ROW, 订单金额=" １２３．４５ ", 客户编码="  C000092 ", 币种="  ", 来源单号="")
    out = orders.apply(row)
    assert out["amount"] == Decimal("123.45") and out["party_ref"] == "C000092"
    assert out["currency"] == "CNY" and out["source_ref"] is None


def test_bad_date_names_the_field_column_and_value(orders):
    with pytest.raises(MappingError) as info:
        orders.apply(dict(ROW, 订单日期="2025-13-45"))
    err = info.value
    assert err.field == "order_date" and err.details["column"] == "订单日期" and err.details["raw"] == "2025-13-45"
    assert err.external_id == "SO2504000001" and err.system == "drp" and err.stream == "sales_orders"
    assert "order_date" in str(err) and err.skippable


def test_missing_required_field(orders):
    with pytest.raises(MappingError) as info:
        orders.apply(dict(ROW, 客户编码=""))
    assert info.value.field == "party_ref" and "required value is missing" in info.value.message
    row = dict(ROW)
    del row["客户编码"]  # an absent column counts as empty
    with pytest.raises(MappingError, match="party_ref"):
        orders.apply(row)


def test_bad_decimal(orders):
    with pytest.raises(MappingError) as info:
        orders.apply(dict(ROW, 订单金额="12,3x"))
    assert info.value.field == "amount" and "not a decimal number" in info.value.message


def test_all_bad_fields_are_collected_into_one_error(orders):
    with pytest.raises(MappingError) as info:
        orders.apply(dict(ROW, 订单金额="NaN", 订单日期="soon", 状态="草稿", 订单号=" "))
    err = info.value
    names = [f["field"] for f in err.details["fields"]]
    assert names == ["external_id", "order_date", "status", "amount"]
    assert err.field == "external_id" and err.external_id is None
    assert "'草稿' is not in value map 'status'" in err.message
    as_dict = err.to_dict()
    assert as_dict["field"] == "external_id" and len(as_dict["fields"]) == 4


def test_value_map_reverse_and_reversible_fields(orders):
    out = orders.apply(ROW)
    back = orders.reverse(out)
    assert back == {
        "订单号": "SO2504000001",
        "客户编码": "C000092",
        "订单日期": "2025-04-01",  # first of the field's formats
        "状态": "已完成",
        "订单金额": "3090.03",
        "币种": "CNY",
        "修改时间": "2025/04/02 09:30:00",  # back in the source timezone
    }
    assert set(orders.reversible_fields) == {
        "external_id",
        "party_ref",
        "order_date",
        "status",
        "amount",
        "currency",
        "updated_at",
    }
    skipped = orders.irreversible_fields
    assert skipped["source_status"] == "reverse: false" and "zfill" not in skipped["source_ref"]
    assert "digits_only" in skipped["source_ref"] and "key" in skipped["order_number"]
    assert orders.reverse({"status": "shipped", "amount": Decimal("1.50")}, as_text=False) == {
        "状态": "已发货",
        "订单金额": Decimal("1.50"),
    }
    with pytest.raises(MappingError) as info:
        orders.reverse({"external_id": "SO1", "status": "draft"})
    assert info.value.field == "status" and info.value.external_id == "SO1"


KEYS = """\
system: drp
mappings:
  - stream: sales_order_lines
    entity: order_line
    key: "{订单号}|{行号}"
    fields:
      order_ref: 订单号
      line_no: 行号
      quantity: 数量
  - stream: inventory
    entity: inventory
    key: "{仓库编码}|{物料编码}|{日期}"
    fields:
      location_ref: 仓库编码
      sku: 物料编码
      as_of: {from: 日期, formats: ["%Y/%m/%d"]}
      on_hand: 现存量
  - stream: odd
    entity: inventory
    key: "INV-{a}/{b}/{c}/{d}"
    fields:
      sku: a
"""


def test_composite_keys(load):
    mset = load(KEYS)
    (lines,) = mset.for_stream("drp", "sales_order_lines")
    out = lines.apply({"订单号": "SO2504000001", "行号": " 3", "数量": "25"})
    assert out == {
        "external_id": "SO2504000001|3",
        "order_ref": "SO2504000001",
        "line_no": 3,
        "quantity": Decimal("25"),
    }
    (inv,) = mset.for_stream("drp", "inventory")
    row = {"仓库编码": "W0001", "物料编码": "CC01007", "日期": "2026/03/31", "现存量": "56669"}
    assert inv.apply(row)["external_id"] == "W0001|CC01007|2026/03/31"
    assert inv.apply(row)["as_of"] == date(2026, 3, 31)
    with pytest.raises(MappingError) as info:
        inv.apply(dict(row, 物料编码=""))
    assert info.value.field == "external_id" and "物料编码" in info.value.message
    (odd,) = mset.for_stream("drp", "odd")
    assert odd.apply({"a": "1", "b": 2, "c": "x", "d": "y"})["external_id"] == "INV-1/2/x/y"
    with pytest.raises(MappingError, match="key column 'd' is empty"):
        odd.apply({"a": "1", "b": "2", "c": "x"})
    assert lines.reversible_fields[0] != "external_id"  # a template key is not written back
    assert lines.check_columns(["订单号", "行号"]) == ["数量"]


SOURCES = """\
system: edi
value_maps:
  channel:
    ignore_case: true
    values: {Distributor: distributor, Chain Store: chain_store}
    default: customer
  uom:
    passthrough: true
    values: {EA: each}
mappings:
  - stream: "846"
    entity: inventory
    key: "{party}|{sku}"
    when: {_entity: inventory}
    fields:
      sku: {from: sku, transforms: [upper]}
      party_ref: party
      on_hand: qty
      location_ref: {from: [n1, id]}
      report_ref: {template: "{file}#{segment}"}
  - stream: "846"
    entity: party
    key: party
    when: {_entity: [party, partner]}
    fields:
      name: {concat: [first, last], sep: " "}
      channel_level: {from: kind, map: channel}
      phone: {coalesce: [phone, mobile]}
      country: {const: CN}
      city: {from: city, map: uom}
      created_at: {from: ts, formats: [epoch]}
"""


def test_when_nested_paths_templates_concat_coalesce_const(load):
    mset = load(SOURCES)
    inv, party = mset.for_stream("edi", "846")
    rec = {
        "_entity": "inventory",
        "party": "C000001",
        "sku": "cc01007",
        "qty": 12,
        "n1": {"id": "91X"},
        "file": "f.x12",
        "segment": 7,
    }
    assert inv.matches(rec) and not party.matches(rec)
    assert inv.apply(rec) == {
        "external_id": "C000001|cc01007",
        "sku": "CC01007",
        "party_ref": "C000001",
        "on_hand": Decimal("12"),
        "location_ref": "91X",
        "report_ref": "f.x12#7",
    }
    p = {
        "_entity": "partner",
        "party": "C1",
        "first": "Ming",
        "last": " Hu ",
        "kind": "chain store",
        "mobile": "138",
        "city": "EA",
        "ts": "0",
    }
    assert party.matches(p)
    out = party.apply(p)
    assert out["name"] == "Ming Hu" and out["channel_level"] == "chain_store" and out["phone"] == "138"
    assert out["country"] == "CN" and out["city"] == "each" and out["created_at"] == datetime(1970, 1, 1, tzinfo=UTC)
    out = party.apply(
        {"party": "C2", "first": "", "last": "Solo", "kind": "Wholesaler", "phone": "1", "mobile": "2", "city": "BOX"}
    )
    assert out["name"] == "Solo" and out["channel_level"] == "customer" and out["phone"] == "1" and out["city"] == "BOX"
    assert party.apply({"party": "C3"})["name"] is None
    assert [e for m, e in ((m, m.entity) for m, _ in mset.map_record("edi", "846", rec))] == ["inventory"]
    assert set(party.irreversible_fields) == {"name", "phone", "country"}
    # a value default has no source value: writing it back is an error that names the field
    with pytest.raises(MappingError, match="no source value for 'customer'"):
        party.reverse({"channel_level": "customer"})
    assert party.reverse({"external_id": "C1", "channel_level": "chain_store", "city": "crate"}) == {
        "party": "C1",
        "kind": "Chain Store",
        "city": "crate",  # passthrough maps write unknown values back unchanged
    }


def test_dates_off_the_fast_path_still_parse(orders):
    out = orders.apply(dict(ROW, 订单日期=" 2025-04-01 ", 修改时间="２０２５/０４/０２ ０９:３０:００"))
    assert out["order_date"] == date(2025, 4, 1)
    assert out["updated_at"] == datetime(2025, 4, 2, 1, 30, tzinfo=UTC)
    assert orders.apply(dict(ROW, 订单日期="2025/4/1"))["order_date"] == date(2025, 4, 1)  # strptime fallback


def test_iso_datetimes_with_offsets_become_utc(load):
    text = """\
    system: crm
    mappings:
      - stream: Account
        entity: party
        key: Id
        fields: {updated_at: LastModifiedDate, created_at: {from: CreatedDate, timezone: Asia/Shanghai}}
    """
    (m,) = load(text).for_stream("crm", "Account")
    out = m.apply({"Id": "001", "LastModifiedDate": "2025-04-06T16:15:02+08:00", "CreatedDate": "2025-04-06T16:15:02"})
    assert out["updated_at"] == datetime(2025, 4, 6, 8, 15, 2, tzinfo=UTC) == out["created_at"]
    assert out["updated_at"].tzinfo is UTC and out["created_at"].tzinfo is UTC


def test_public_api():
    import hub.mapping

    assert set(hub.mapping.__all__) == {
        "CoercionError",
        "CompiledMapping",
        "FieldRule",
        "MappingFile",
        "MappingRule",
        "MappingSet",
        "ValueMap",
        "default_transforms",
        "load_mappings",
        "make_coercer",
        "make_formatter",
    }
    assert all(hasattr(hub.mapping, name) for name in hub.mapping.__all__)
