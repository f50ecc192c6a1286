"""USCC (GB 32100-2015) normalisation and checksum validation."""

from __future__ import annotations

import pytest

from hub.reconcile.ids import is_valid_uscc, normalize_tax_id, org_code_valid, uscc_check_char

# public registration numbers of well-known companies (Tencent, Alibaba, Huawei, ...)
REAL = ["9144030071526726XG", "91330100716105852F", "914403001922038216", "91110108551385082Q"]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_are_valid(code: str) -> None:
    assert is_valid_uscc(code)
    assert org_code_valid(code)
    assert uscc_check_char(code[:17]) == code[17]


@pytest.mark.parametrize("code", REAL)
def test_any_other_check_char_is_invalid(code: str) -> None:
    for c in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if c != code[17]:
            assert not is_valid_uscc(code[:17] + c)


def test_normalisation_fullwidth_spaces_case() -> None:
    t = normalize_tax_id("９１４４０３００７１５２６７２６ｘｇ")
    assert t is not None and t.value == "9144030071526726XG" and t.valid
    t = normalize_tax_id(" 914403 0071526726-xg ")
    assert t is not None and t.value == "9144030071526726XG" and t.valid
    assert normalize_tax_id("") is None and normalize_tax_id("  ") is None and normalize_tax_id(None) is None


def test_bad_check_keeps_body_for_matching() -> None:
    t = normalize_tax_id("9144030071526726X0")
    assert t is not None and not t.valid
    assert t.is_uscc_shaped and t.body == "9144030071526726X"


def test_letters_outside_alphabet_and_wrong_length() -> None:
    assert not is_valid_uscc("9144030071526726XI")  # I is not in the alphabet
    assert not is_valid_uscc("9144030071526726X")
    legacy = normalize_tax_id("440301715267260")  # 15-digit tax registration number
    assert legacy is not None and not legacy.valid and legacy.body == ""
    with pytest.raises(ValueError):
        uscc_check_char("91440300715267O6X")  # letter O is not allowed


def test_check_char_names_the_bad_character_and_ascii_fast_path() -> None:
    with pytest.raises(ValueError, match="'O'"):
        uscc_check_char("91440300715267O6X")
    # the same id in full width, with separators, and in plain ASCII normalises identically
    assert normalize_tax_id("９１４４０３００７１５２６７２６ＸＧ") == normalize_tax_id("9144-0300 7152.6726xg")
    assert normalize_tax_id("9144030071526726XG") == ("9144030071526726XG", True)
