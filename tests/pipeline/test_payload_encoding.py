"""Staging payloads: the encoder made once writes the same text as ``json.JSONEncoder``."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from hub.store import payload

PLAIN = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


@pytest.mark.parametrize(
    "data",
    [
        {"订单号": "SO0001", "行号": "3", "金额": "546.00"},
        {"a": 'quote " back \\ slash', "b": "\u2028 line sep\ttab\nnewline", "c": "\x01 control", "d": ""},
        {"n": 1, "f": 2.5, "big": 10**30, "nan": float("nan"), "t": True, "none": None},
        {"nested": {"list": [1, "x", {"y": None}]}, "dec": Decimal("1.50"), "day": dt.date(2025, 1, 2)},
        {},
    ],
)
def test_payload_text_is_unchanged(data: dict) -> None:
    assert payload.dumps(data) == PLAIN(data)


def test_the_fast_encoder_is_in_use() -> None:
    assert payload.dumps.__qualname__ == "encoder.<locals>.encode"  # hub.store.jsontext's, not the fallback
