"""Phone normalisation to E.164 (region CN)."""

from __future__ import annotations

import phonenumbers
import pytest

from hub.reconcile.phones import normalize_phone, phone_keys

SHANGHAI = "+862155551234"


@pytest.mark.parametrize(
    "raw",
    [
        "+86 21 5555 1234",
        "021-55551234",
        "02155551234",
        "０２１－５５５５１２３４",
        "(021) 5555-1234",
        "+86-21-55551234",
        "021 55551234",
        "（021）55551234",
        "+86 (0)21 5555 1234",
        "0086 21 5555 1234",
    ],
)
def test_landline_formats(raw: str) -> None:
    assert normalize_phone(raw) == SHANGHAI


@pytest.mark.parametrize(
    "raw",
    ["13912345678", "139 1234 5678", "+86 139 1234 5678", "+86-13912345678", "139-1234-5678", "１３９１２３４５６７８"],
)
def test_mobile_formats(raw: str) -> None:
    assert normalize_phone(raw) == "+8613912345678"


def test_three_digit_area_codes() -> None:
    assert normalize_phone("0755-8123 4567") == "+8675581234567"
    assert normalize_phone("+86 755 8123 4567") == "+8675581234567"
    assert normalize_phone("0571-8765432") == "+865718765432"  # 7-digit local number


def test_fast_path_agrees_with_phonenumbers() -> None:
    for raw in ["021-55551234", "0755 81234567", "13912345678", "+86 10 6512 3456", "0898-66123456"]:
        num = phonenumbers.parse(raw, "CN")
        assert normalize_phone(raw) == phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def test_foreign_extension_and_several_numbers() -> None:
    assert normalize_phone("+1 650-253-0000") == "+16502530000"
    assert normalize_phone("021-55551234 转 808") == SHANGHAI
    assert phone_keys("021-55551234 / 139 1234 5678") == (SHANGHAI, "+8613912345678")


def test_empty_and_garbage() -> None:
    assert normalize_phone("") is None and normalize_phone(None) is None
    assert normalize_phone("n/a") is None
