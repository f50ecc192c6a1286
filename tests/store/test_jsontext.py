"""The store's fast JSON encoders give exactly the text of the encoders they stand for."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from hub.store.jsontext import encoder

VALUES = [
    None,
    "plain",
    'quote " back \\ slash \u2028 \t',
    "\u6e20\u9053\u4f19\u4f34",
    [1, -2.5, 1e16, float("inf"), float("nan"), True, False, None],
    {"z": 1, "a": {"y": [1, {"b": 2, "a": 3}], "x": "\u00e9"}, "m": []},
    {"when": dt.date(2026, 12, 7), "amount": Decimal("12.50"), "at": dt.datetime(2026, 1, 2, 3, 4, 5)},
    {},
    10**30,
]
OPTIONS = [
    dict(ensure_ascii=False, separators=(",", ":"), default=str),
    dict(ensure_ascii=False, separators=(",", ":"), default=str, sort_keys=True),
    dict(ensure_ascii=False, default=str, sort_keys=True),
    dict(sort_keys=True, default=str),
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(f"{k}={v!r}" for k, v in o.items()))
def test_the_same_text_as_the_plain_encoder(options: dict) -> None:
    fast, plain = encoder(**options), json.JSONEncoder(**options).encode
    assert fast.__qualname__ == "encoder.<locals>.encode"  # the fast path, not the fallback
    for value in VALUES:
        assert fast(value) == plain(value), value


def test_without_a_default_unknown_values_fail_as_with_the_plain_encoder() -> None:
    fast = encoder(ensure_ascii=False, separators=(",", ":"))
    assert fast({"b": [1, "\u00e9"]}) == '{"b":[1,"\u00e9"]}'
    with pytest.raises(TypeError):
        fast({"d": Decimal("1")})
