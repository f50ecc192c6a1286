"""Company-name parsing across Chinese and Latin renderings, and name comparison."""

from __future__ import annotations

import pytest

from hub.reconcile.names import compare_names, parse_name
from hub.reconcile.normalize import address_key, city_key, fold, province_key

HUAXIN_RENDERINGS = [
    "上海华信贸易有限公司",
    "华信贸易（上海）有限公司",
    "Huaxin Trading (Shanghai) Co Ltd",
    "SH Huaxin Trading",
    "Shanghai Hua Xin Trade Company Limited",
    "Shanghai Huaxin Trading Co., Ltd.",
    "ＳＨＡＮＧＨＡＩ　ＨＵＡＸＩＮ　ＴＲＡＤＩＮＧ　ＣＯ．，ＬＴＤ．",
    "  shanghai  huaxin trading co ltd ",
    "Huaxin Trading Co Ltd",  # no place at all
]


@pytest.mark.parametrize("name", HUAXIN_RENDERINGS)
def test_renderings_parse_to_one_key(name: str) -> None:
    key = parse_name(name, "shanghai")
    assert (key.brand, key.industry) == ("huaxin", "trading")
    if "Co Ltd" not in name or "Shanghai" in name or "上海" in name:
        assert key.cities <= {"shanghai"}


@pytest.mark.parametrize("a,b", [(x, y) for x in HUAXIN_RENDERINGS[:2] for y in HUAXIN_RENDERINGS[2:]])
def test_chinese_vs_latin_is_exact(a: str, b: str) -> None:
    assert compare_names(parse_name(a, "shanghai"), parse_name(b, "shanghai"))[0] == "exact"


def test_typos_are_tolerated() -> None:
    zh = parse_name("上海华信贸易有限公司", "shanghai")
    assert compare_names(zh, parse_name("Shanghai Huaxim Trading Co Ltd", "shanghai"))[0] == "strong"
    typo_industry = parse_name("Shanghai Huaxin Tradnig Co Ltd", "shanghai")
    assert typo_industry.industry == "trading"
    typo_city = parse_name("Shangai Huaxin Trading", "shanghai")
    assert typo_city.brand == "huaxin"


def test_other_spellings_abbreviations_and_province_prefix() -> None:
    assert parse_name("Peking Hengtong Logistics", "beijing").cities == {"beijing"}
    assert parse_name("BJ Hengtong Logistics", "beijing").brand == "hengtong"
    key = parse_name("广东省深圳市恒通物流有限公司")
    assert (key.brand, key.industry, key.cities) == ("hengtong", "logistics", {"guangdong", "shenzhen"})
    assert parse_name("HRB Bochuang Industrial", "haerbin").cities == {"haerbin"}


def test_industry_synonyms_share_a_key() -> None:
    zh = parse_name("成都恒通供应链有限公司", "chengdu")
    en = parse_name("Chengdu Hengtong Supply Chain Management Co., Ltd.", "chengdu")
    assert zh.industry == en.industry
    assert parse_name("Wuhan Lihe Import & Export Co Ltd").industry == parse_name("武汉利和进出口有限公司").industry


def test_different_companies_do_not_match() -> None:
    a = parse_name("上海华信贸易有限公司", "shanghai")
    assert compare_names(a, parse_name("Shanghai Huaxin Logistics Co Ltd", "shanghai"))[0] == "brand_only"
    assert compare_names(a, parse_name("Shanghai Jinda Trading Co Ltd", "shanghai"))[0] == "cross_script"
    b = parse_name("Shanghai Hengtong Trading", "shanghai")
    assert compare_names(b, parse_name("Shanghai Jinda Trading Co Ltd", "shanghai"))[0] == "mismatch"


def test_brand_that_is_also_a_place() -> None:
    zh = parse_name("石家庄金华实业有限公司", "shijiazhuang")
    en = parse_name("Shijiazhuang Jinhua Industrial Co., Ltd.", "shijiazhuang")
    assert zh.brand == en.brand == "jinhua"


def test_branch_offices() -> None:
    zh = parse_name("畅联消费品有限公司武汉分公司", "wuhan")
    en = parse_name("ChannelCo (Wuhan) Branch Office", "wuhan")
    assert zh.branch and en.branch and zh.cities == en.cities == {"wuhan"}
    assert compare_names(zh, en)[0] == "weak"  # a translated parent name, same city branch


def test_place_and_text_helpers() -> None:
    assert fold("  ＡＢＣ　 Ｄｅｆ ") == "abc def"
    assert city_key("上海市") == city_key(" SHANGHAI ") == city_key("Shanghai") == "shanghai"
    assert city_key("Xi'an") == city_key("西安") and city_key("Peking") == "beijing"
    assert city_key("Harbin") == city_key("哈尔滨市")
    assert province_key("广东省") == province_key("Guangdong") == "guangdong"
    assert city_key("") == ""


def test_address_key_chinese_vs_english() -> None:
    zh = address_key("上海市高新区人民路88号5号楼1203室")
    en = address_key("Room 1203, Building 5, No. 88 Renmin Road, Hi-tech Zone")
    assert zh == en and zh.road == "renmin" and zh.numbers == (5, 88, 1203)
    assert address_key("开发区学府路７５６号") == address_key("No. 756 Xuefu Road, Development Zone")


def _fold_reference(text: str | None) -> str:
    """The straightforward definition ``fold`` must keep matching (regex whitespace folding)."""
    import re

    from hub.reconcile.normalize import halfwidth

    if not text:
        return ""
    return re.sub(r"\s+", " ", halfwidth(text)).strip().casefold()


def test_fold_agrees_with_its_definition_for_every_space_and_sample_text() -> None:
    spaces = [chr(c) for c in range(0x3000 + 1) if chr(c).isspace() or chr(c) in "\u200b\ufeff"]
    samples = [
        "",
        "  A\tB \n",
        "ＡＢＣ　ｄｅｆ",
        "上海（浦东）华信 贸易，有限公司",
        "Straße  CO.,LTD.",
        "x\x1cy\x1fz",
        "\u00a0Huaxin\u2003Trading\u3000",
        "ﬁne Ⅻ ①",
    ]
    samples += [f"a{s}b{s}{s}c{s}" for s in spaces]
    for text in samples:
        assert fold(text) == _fold_reference(text), repr(text)


def test_cached_token_classification_keeps_each_names_cities() -> None:
    # the same tokens in names with other city hints must not leak cities between names
    a = parse_name("Shanghia Huaxin Trading", "shanghai")  # misspelt place of the hint
    b = parse_name("Shanghia Huaxin Trading", "shenzhen")  # not a place here: part of the brand
    c = parse_name("SZ Huaxin Trading Branch", "")
    d = parse_name("Shanghia Huaxin Trading", "shanghai")
    assert (a.brand, a.cities) == ("huaxin", {"shanghai"}) and d == a
    assert (b.brand, b.cities) == ("shanghiahuaxin", frozenset())
    assert c.cities == {"shenzhen", "suzhou"} and c.branch
    assert parse_name("Huaxin Trading (Shanghai) Co Ltd").cities is a.cities  # one shared set
