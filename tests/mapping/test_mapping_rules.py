"""Rule files are validated once at load time, with every problem reported at once as file:line."""

from __future__ import annotations

import pytest

from hub.configfile import LocatedDict, YamlProblem, line_of, load_yaml
from hub.errors import MappingRuleError

BROKEN = """\
system: drp
timezone: Asia/Shanghai
value_maps:
  levels:
    values: {总部: hq, 经销商: wholesaler}
mappings:
  - stream: customers
    entity: party
    key: 客户编码
    colour: blue
    fields:
      name: {from: 客户名称, transforms: [strp]}
      nickname: 简称
      channel_level: {from: 渠道级别, map: levelz}
      credit_limit: {from: 信用额度, default: lots}
      updated_at: {from: 最后修改时间, formats: ["%Q"]}
      phone: {from: 电话, transforms: [{zfill: "8"}]}
      name: 名称
  - stream: orders
    entity: sales_ordr
    key: 订单号
    fields: {order_number: 订单号}
  - stream: lines
    entity: order_line
    fields:
      line_no: {from: 行号, required: maybe}
      amount: {from: 金额, const: 1}
"""


def test_every_problem_is_reported_at_once_with_file_and_line(load, tmp_path):
    with pytest.raises(MappingRuleError) as info:
        load(BROKEN, name="broken.yaml")
    problems = info.value.problems
    f = str(tmp_path / "broken.yaml")

    def has(line: int, text: str) -> None:
        hits = [p for p in problems if p.startswith(f"{f}:{line}:") and text in p]
        assert hits, f"no problem at line {line} with {text!r} in:\n" + "\n".join(problems)

    has(18, "duplicate key 'name' (first defined at line 12)")
    has(10, "unknown key 'colour'")
    has(20, "unknown entity 'sales_ordr'")
    has(23, "missing key 'key'")
    has(26, "valid boolean")
    has(27, "exactly one of")
    assert len(problems) == 6, problems  # structure problems stop the mappings they are in
    # the message of the error lists them all
    assert str(info.value).count("\n  - ") == len(problems)


SEMANTIC = """\
system: drp
value_maps:
  levels:
    values: {总部: hq, 经销商: wholesaler}
mappings:
  - stream: customers
    entity: party
    key: 客户编码
    fields:
      name: {from: 客户名称, transforms: [strp]}
      nickname: 简称
      channel_level: {from: 渠道级别, map: levelz}
      credit_limit: {from: 信用额度, default: lots}
      updated_at: {from: 最后修改时间, formats: ["%Q"], timezone: Mars/Base}
      phone: {from: 电话, transforms: [{zfill: "8"}, {regex_extract: ["(", 0]}]}
      city: {from: 城市, formats: ["%Y"]}
  - stream: customers2
    entity: party
    key: "{客户编码"
    fields:
      channel_level: {from: 渠道级别, map: levels}
      province: {from: 省份, map: levels}
"""


def test_semantic_problems_are_all_reported(load, tmp_path):
    with pytest.raises(MappingRuleError) as info:
        load(SEMANTIC, name="sem.yaml")
    problems = info.value.problems
    f = str(tmp_path / "sem.yaml")
    expected = [
        (10, "unknown transform 'strp'"),
        (11, "unknown field 'nickname' of party"),
        (12, "unknown value map 'levelz'"),
        (13, "default of 'credit_limit' (decimal)"),
        (14, "unknown timezone 'Mars/Base'"),
        (15, "transform 'zfill': zfill width must be an integer"),
        (15, "invalid pattern"),
        (16, "formats apply to date/datetime fields"),
        (19, "bad template"),
        (4, "'wholesaler' is not one of hq, branch"),
    ]
    for line, text in expected:
        assert any(p.startswith(f"{f}:{line}:") and text in p for p in problems), (line, text, problems)
    # a %Q format is caught as well (where strptime rejects it)
    assert any("%Q" in p for p in problems) or any("formats" in p for p in problems)
    # the bad value map output is reported at the map, naming the field that uses it
    assert any("[used by" in p and "party.channel_level" in p for p in problems)


def test_duplicates_across_files_and_reverse_clash(load, tmp_path):
    a = """\
    system: crm
    value_maps:
      yn: {values: {Y: "true", N: "false"}}
    mappings:
      - stream: Order
        entity: sales_order
        key: Id
        fields:
          status: {from: Status, map: st}
          source_status: Status
    """
    b = """\
    value_maps:
      yn: {values: {J: "true"}}
      st: {values: {Draft: draft, Open: draft}}
    mappings: []
    """
    c = """\
    system: crm
    mappings:
      - stream: Order
        entity: sales_order
        key: Id
        fields: {order_number: OrderNumber}
    """
    with pytest.raises(MappingRuleError) as info:
        load(a, name="a.yaml", b__yaml=b, c__yaml=c)
    text = "\n".join(info.value.problems)
    assert (
        f"{tmp_path / 'b.yaml'}:2: value_maps.yn: value map 'yn' is already defined at {tmp_path / 'a.yaml'}:3" in text
    )
    assert (
        f"{tmp_path / 'c.yaml'}:3: mappings[0]: crm.Order -> sales_order is already mapped at {tmp_path / 'a.yaml'}:5"
        in text
    )


def test_reverse_clash_is_reported(load, tmp_path):
    text = """\
    system: crm
    mappings:
      - stream: Order
        entity: sales_order
        key: Id
        fields:
          order_number: OrderNumber
          source_ref: OrderNumber
    """
    with pytest.raises(MappingRuleError, match="written back by both 'order_number' and 'source_ref'") as info:
        load(text)
    assert info.value.problems[0].startswith(f"{tmp_path / 'm.yaml'}:8:")


def test_yaml_syntax_error_names_the_line(load, tmp_path):
    with pytest.raises(MappingRuleError) as info:
        load("system: drp\nmappings:\n  - stream: [a\n", name="bad.yaml")
    assert info.value.problems[0].startswith(f"{tmp_path / 'bad.yaml'}:")
    assert "YAML syntax error" in info.value.problems[0]


def test_loader_keeps_lines_raw_text_and_string_keys():
    doc = load_yaml("a:\n  01: on\n  b: [x, 007]\n  on: 'q'\n")
    assert isinstance(doc, LocatedDict)
    inner = doc["a"]
    assert set(inner) == {"01", "b", "on"}  # keys stay text: 01 is not 1, on is not True
    assert inner["01"] is True and inner.raw["01"] == "on"
    assert inner["b"].raw[1] == "007" and inner["b"][1] == 7
    assert "on" not in inner.raw  # quoted scalars keep no raw text (they are text already)
    assert line_of(doc, ("a", "b", 1)) == 3 and line_of(doc, ("a", "on")) == 4
    assert line_of(doc, ("a", "missing", 3)) == 1


def test_duplicate_key_raises_without_a_sink():
    with pytest.raises(YamlProblem) as info:
        load_yaml("a: 1\nb: 2\na: 3\n")
    assert info.value.line == 3
