"""The bucket reads' decimal conversion gives the store's one plain form, straight from the text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.reconcile.store.reads import plain_text_decimal
from hub.store.types import plain_decimal

CASES = ["0", "-0", "0.000", "-0.00", "100", "4000.00", "4829.2600", "007", ".5", "5.", "-12.3400", "1E+3", "2.5e-2"]


@pytest.mark.parametrize("text", CASES)
def test_plain_text_decimal_is_plain_decimal_of_the_text(text: str) -> None:
    got, want = plain_text_decimal(text), plain_decimal(Decimal(text))
    assert (str(got), got.as_tuple()) == (str(want), want.as_tuple())


def test_trailing_zeros_go_but_integer_zeros_stay() -> None:
    assert str(plain_text_decimal("4000.00")) == "4000"
    assert str(plain_text_decimal("4829.2600")) == "4829.26"
    assert str(plain_text_decimal("-0.00")) == "-0"
