"""Chinese names as pinyin: any script, any order, joined or split syllables."""

from __future__ import annotations

from hub.reconcile.compare.blocking import TRANSFORMS
from hub.reconcile.compare.config import Comparison
from hub.reconcile.compare.kinds import compile_comparison
from hub.reconcile.persons.names import pinyin_name


def level(a: str, b: str) -> str:
    comp = compile_comparison(Comparison(kind="pinyin", field="v", thresholds=(0.92,)))
    return comp.levels[comp.compare(comp.prepare({"v": a}), comp.prepare({"v": b}))]


def test_one_reading_for_every_spelling_of_a_name() -> None:
    for spelling in ("王秀英", "Xiuying Wang", "WANG Xiuying", "Wang Xiu-ying", "xiu ying wang"):
        assert pinyin_name(spelling) == "wang xiu ying", spelling
    assert pinyin_name("李静") == pinyin_name("Li Jing") == pinyin_name("Jing Li") == "jing li"
    assert pinyin_name("Smith John") == "john smith"  # a Latin word that is not pinyin stays whole
    assert pinyin_name("") == ""


def test_pinyin_kind_and_blocking_transform_agree_across_scripts_and_orders() -> None:
    assert level("李静", "Li Jing") == "exact"
    assert level("冯建国", "Jianguo Feng") == "exact"
    assert level("李静", "李敬") == "exact"  # toneless: same syllables
    assert level("李静", "Jing Lin") == "jw>=0.92"
    assert level("李静", "王芳") == "mismatch"
    key = TRANSFORMS["pinyin"]
    assert key("刘思远") == key("Liu Siyuan") == key("Siyuan LIU") != key("Liu Siyu")
