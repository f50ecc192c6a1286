"""Exact-key linking: normalisers, and fallback rules for weak keys such as people's names."""

from __future__ import annotations

from hub.reconcile.keys import NORMALISERS, KeyRule, KeySide, link_by_keys

CODE = KeyRule("employee_code", KeySide("crm", "employee_code"), KeySide("drp", "external_id"))
NAME = KeyRule("person_name", KeySide("crm", "name"), KeySide("drp", "name"), ("person_name",), fallback=True)


def linked(clusters) -> set[frozenset]:  # type: ignore[no-untyped-def]
    return {frozenset(c.members) for c in clusters if len(c.members) > 1}


def test_person_names_agree_across_scripts_and_orders() -> None:
    f = NORMALISERS["person_name"]
    assert f("李静") == f("Jing Li") == f("LI  Jing") == f("ｊｉｎｇ ｌｉ")
    assert f("曾强") == f("Qiang Zeng")  # a surname read as a surname
    assert f("王芳") != f("Fang Li")


def test_name_fallback_links_only_the_unlinked_and_only_unique_names() -> None:
    crm = [
        {"external_id": "U1", "employee_code": "YW0001", "name": "Yuxuan Yu"},
        {"external_id": "U2", "employee_code": None, "name": "Kai Luo"},  # no code: its name decides
        {"external_id": "U3", "employee_code": None, "name": "Jing Li"},  # two 李静-sounding people: none
        {"external_id": "U4", "employee_code": None, "name": "Ping Zhao"},
    ]
    drp = [
        {"external_id": "YW0001", "name": "余雨萱"},
        {"external_id": "YW0002", "name": "罗凯"},
        {"external_id": "YW0003", "name": "李静"},
        {"external_id": "YW0004", "name": "李晶"},
        {"external_id": "YW0005", "name": "赵平"},
        {"external_id": "YW0006", "name": "Yuxuan Yu"},  # same name as U1, but U1 is linked by its code
    ]
    clusters = link_by_keys({"crm": crm, "drp": drp}, [CODE, NAME])
    assert linked(clusters) == {
        frozenset({("crm", "U1"), ("drp", "YW0001")}),
        frozenset({("crm", "U2"), ("drp", "YW0002")}),
        frozenset({("crm", "U4"), ("drp", "YW0005")}),
    }
    why = {m: w for c in clusters for m, w in c.why.items()}
    assert why[("crm", "U2")][0] == "person_name" and why[("crm", "U1")][0] == "employee_code"
