"""Type coercion: every canonical type, several source formats, and formatting back to text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from hub.mapping.coerce import CoercionError, check_format, get_timezone, make_coercer, make_formatter


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3090.03", "3090.03"),
        ("0.00", "0.00"),
        (" 12.50 ", "12.50"),
        ("-7", "-7"),
        ("１２３．４５", "123.45"),
        ("1,234,567.10", "1234567.10"),
        ("¥ 88.8", "88.8"),
        ("RMB100", "100"),
        (Decimal("1.10"), "1.10"),
        (25, "25"),
        (0.1, "0.1"),
    ],
)
def test_decimal_keeps_exact_text(raw, expected):
    out = make_coercer("decimal")(raw)
    assert isinstance(out, Decimal) and str(out) == expected


@pytest.mark.parametrize("raw", ["12,3x", "NaN", "Infinity", "abc", True, [1]])
def test_decimal_rejects(raw):
    with pytest.raises(CoercionError):
        make_coercer("decimal")(raw)


@pytest.mark.parametrize(
    ("raw", "expected"), [("42", 42), (" 7 ", 7), ("００７", 7), ("3.0", 3), (Decimal("4"), 4), (5, 5)]
)
def test_int(raw, expected):
    assert make_coercer("int")(raw) == expected


@pytest.mark.parametrize("raw", ["3.5", "x", True])
def test_int_rejects(raw):
    with pytest.raises(CoercionError):
        make_coercer("int")(raw)


def test_float():
    to_float = make_coercer("float")
    assert to_float("0.25") == 0.25 and to_float(Decimal("2")) == 2.0 and to_float("１.5") == 1.5
    with pytest.raises(CoercionError):
        to_float("1.2.3")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("FALSE", False), ("1", True), ("否", False), ("Ｙｅｓ", True), (False, False)],
)
def test_bool_default_words(raw, expected):
    assert make_coercer("bool")(raw) is expected


def test_bool_custom_words_and_rejects():
    to_bool = make_coercer("bool", true_values=["A"], false_values=["I"])
    assert to_bool("a") is True and to_bool("I") is False
    with pytest.raises(CoercionError):
        to_bool("true")
    with pytest.raises(ValueError, match="both true and false"):
        make_coercer("bool", true_values=["x"], false_values=["X"])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-04-01", date(2025, 4, 1)),
        ("2025/05/04", date(2025, 5, 4)),
        ("20260331", date(2026, 3, 31)),
        ("２０２５/０５/０４", date(2025, 5, 4)),
    ],
)
def test_date_default_formats(raw, expected):
    assert make_coercer("date")(raw) == expected


def test_date_explicit_formats_only_accept_those():
    to_date = make_coercer("date", formats=["%d.%m.%Y", "%Y/%m/%d"])
    assert to_date("31.03.2026") == date(2026, 3, 31)
    assert to_date("2026/03/31") == date(2026, 3, 31)
    with pytest.raises(CoercionError, match="any of the formats"):
        to_date("2026-03-31")
    with pytest.raises(CoercionError):
        make_coercer("date", formats=["%Y-%m-%d"])("2025-13-01")
    with pytest.raises(CoercionError, match="format %Y-%m-%d"):
        make_coercer("date", formats=["%Y-%m-%d"])("2025/02/30")


def test_datetime_iso_z_and_offsets_become_utc():
    to_dt = make_coercer("datetime")
    got = to_dt("2025-04-06T08:15:02.000Z")
    assert got == datetime(2025, 4, 6, 8, 15, 2, tzinfo=UTC) and got.utcoffset() == timedelta(0)
    assert to_dt("2025-04-06T16:15:02+08:00") == datetime(2025, 4, 6, 8, 15, 2, tzinfo=UTC)


def test_naive_datetime_is_read_in_the_source_timezone():
    to_dt = make_coercer("datetime", formats=["%Y/%m/%d %H:%M:%S"], tz="Asia/Shanghai")
    got = to_dt("2025/10/02 05:51:36")
    assert got == datetime(2025, 10, 1, 21, 51, 36, tzinfo=UTC) and got.tzinfo is UTC
    assert make_coercer("datetime", formats=["%Y/%m/%d %H:%M:%S"])("2025/10/02 05:51:36").hour == 5
    with pytest.raises(CoercionError):
        to_dt("2025-10-02 05:51:36")


def test_datetime_epoch_and_generic_formats():
    assert make_coercer("datetime", formats=["epoch"])("0") == datetime(1970, 1, 1, tzinfo=UTC)
    assert make_coercer("datetime", formats=["epoch_ms"])("1500") == datetime(1970, 1, 1, 0, 0, 1, 500000, tzinfo=UTC)
    to_dt = make_coercer("datetime", formats=["%d/%m/%Y %H:%M"], tz="Asia/Shanghai")
    assert to_dt("02/10/2025 08:00") == datetime(2025, 10, 2, 0, 0, tzinfo=UTC)
    aware = datetime(2025, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))
    assert to_dt(aware) == datetime(2025, 1, 1, tzinfo=UTC)


def test_format_and_timezone_checks():
    check_format("date", "%Y/%m/%d")
    with pytest.raises(ValueError, match="year, month and day"):
        check_format("date", "%H:%M")
    with pytest.raises(ValueError, match="datetime fields only"):
        check_format("date", "epoch")
    with pytest.raises(ValueError, match="unknown timezone"):
        get_timezone("Mars/Olympus")


def test_str_from_other_types():
    to_str = make_coercer("str")
    assert to_str(Decimal("1.50")) == "1.50" and to_str(7) == "7" and to_str(date(2025, 1, 2)) == "2025-01-02"
    assert to_str(True) == "true"


def test_formatters_write_values_like_the_source():
    assert make_formatter("date", formats=["%Y/%m/%d"])(date(2025, 5, 4)) == "2025/05/04"
    dt = datetime(2025, 10, 1, 21, 51, 36, tzinfo=UTC)
    assert make_formatter("datetime", formats=["%Y/%m/%d %H:%M:%S"], tz="Asia/Shanghai")(dt) == "2025/10/02 05:51:36"
    assert make_formatter("datetime")(dt) == "2025-10-01T21:51:36.000Z"
    assert (
        make_formatter("bool")(True) == "true"
        and make_formatter("bool", true_values=["Y"], false_values=["N"])(False) == "N"
    )
    assert make_formatter("decimal")(Decimal("3090.03")) == "3090.03"
