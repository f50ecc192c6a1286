"""Extract's record texts are exactly the staged encoder's, whether made from a template or not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from hub.store import flatjson
from hub.store.flatjson import FlatJson
from hub.store.payload import dumps

TEXTS = [
    "",
    "plain",
    "Room 1332, Building 3, No. 275 Tuanjie Road",
    "100 % sure %s %(x)s %%",
    "\u6e20\u9053\u4f19\u4f34 \u00e9 \u2028 \u2029 \U0001f600",
    "\x7f del and nbsp\u00a0",
]
ESCAPED = ['say "hi"', "back \\ slash", "tab\there", "line\nbreak", "nul\x00", "unit\x1fsep", "cr\r"]

RECORDS = [
    {"Id": "001", "Name": "ChannelCo", "City": "Shanghai"},
    {"Id": "001", "Note": ""},
    {f"col {i}": t for i, t in enumerate(TEXTS)},
    {'key "quoted"': "v", "key\\slash": "w", "100%": "x", "%s": "y", "\u5ba2\u6237": "z"},
    *({"Id": "002", "Name": t} for t in ESCAPED),
    {"Id": "003", "Name": None},
    {"Id": 4, "Name": "int id"},
    {"Id": "005", "Amount": Decimal("12.50"), "Day": dt.date(2026, 12, 8)},
    {"Id": "006", "Nested": {"a": ["b"]}},
    {"Id": "007", "Flag": True, "Ratio": 0.5},
    {1: "int key", "b": "text"},
    {None: "none key"},
    {},
]


class Text(str):
    """A str subclass whose str() is not its value."""

    def __str__(self) -> str:
        return "other"


RECORDS.append({"Id": Text("008"), "Name": "subclass"})


@pytest.mark.parametrize("data", RECORDS, ids=range(len(RECORDS)))
def test_texts_are_the_encoders(data: dict) -> None:
    flat = FlatJson()
    for _ in range(2):  # the template made, then reused
        record, listed = flat.texts(tuple(data), data)
        assert record == dumps(data)
        assert listed is None or listed == dumps(list(data.values()))


def test_flat_text_records_are_made_from_the_template() -> None:
    flat = FlatJson()
    data = {"Id": "001", "Name": "ChannelCo \u6e20\u9053", "Pct": "5%"}
    record, listed = flat.texts(tuple(data), data)
    assert listed == dumps(list(data.values()))  # made on the way: the fast path was taken
    assert flat._templates[tuple(data)] is not None
    for odd in ({"Id": "001", "Name": None, "Pct": "5%"}, {"Id": "001", "Name": 'a "b"', "Pct": "5%"}):
        assert flat.texts(tuple(odd), odd)[1] is None


def test_columns_of_one_shape_share_a_template_and_the_cache_stays_bounded(monkeypatch) -> None:
    monkeypatch.setattr(flatjson, "_KEPT", 4)
    flat = FlatJson()
    for i in range(10):
        data = {f"c{i}": "x", "d": "y"}
        assert flat.texts(tuple(data), data)[0] == dumps(data)
        assert len(flat._templates) <= 4
    same = {"c9": "other", "d": "values"}
    assert flat.texts(tuple(same), same) == (dumps(same), dumps(list(same.values())))
