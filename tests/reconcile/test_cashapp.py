"""Cash application: memo references, 820 ties, allocation to invoices of the same customer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.errors import MappingError
from hub.reconcile.cashapp import (
    Invoice,
    Payment,
    RemittanceLine,
    apply_payments,
    as_payment,
    extract_invoice_refs,
    extract_trace,
    tie_remittances,
)
from hub.reconcile.rules_config import PaymentRulesConfig

D = Decimal


@pytest.mark.parametrize(
    "memo",
    [
        "INV2025-000123",
        "inv2025-000123",
        "INV2025000123",
        "发票 2025000123",
        "发票号2025000123",
        "付INV2025000123货款",
        "货款 INV2025-000123",
        "Invoice INV2025-000123 payment",
        "ＩＮＶ２０２５－０００１２３",
        "发票号：2025-000123",
    ],
)
def test_memo_forms_name_the_invoice(memo):
    assert extract_invoice_refs(memo) == ("INV2025-000123",)


@pytest.mark.parametrize("memo", ["", None, "货款", "预付货款", "TRN 1234567890", "INV2025-0001234", "12025000123"])
def test_memos_without_invoice(memo):
    assert extract_invoice_refs(memo) == ()


def test_several_refs_in_order_without_repeats():
    assert extract_invoice_refs("INV2025-000002, inv2025000001 and 发票 2025000002") == (
        "INV2025-000002",
        "INV2025-000001",
    )


def test_configured_invoice_format():
    cfg = PaymentRulesConfig(invoice_patterns=(r"FP(?P<year>\d{4})(?P<seq>\d{6})",), invoice_format="FP-{year}-{seq}")
    assert extract_invoice_refs("paid fp2024000009", cfg) == ("FP-2024-000009",)


def test_extract_trace():
    assert extract_trace("TRN 0012345678") == "0012345678"
    assert extract_trace("trn:0012345678 货款") == "0012345678"
    assert extract_trace("转账") is None


def inv(no, party="C1", amount="100.00", due=1):
    return Invoice(no, party, D(amount), D(amount), date(2025, 4, 1), date(2025, 5, due))


def pay(no, party="C1", amount="100.00", memo=None, day=10):
    return Payment(no, party, D(amount), date(2025, 4, day), memo)


def rl(trace, party="C1", amount="100.00", day=10, invoice="INV2025-000001", paid=None):
    return RemittanceLine(trace, party, D(amount), date(2025, 4, day), invoice, D(paid or amount), D("100.00"))


def test_tie_remittance_by_trace_then_customer_amount_date():
    pays = [pay("P1", memo="TRN 111"), pay("P2", amount="55.00"), pay("P3", amount="55.00", day=12)]
    ties = tie_remittances(pays, [rl("111"), rl("222", amount="55.00", day=12), rl("333", amount="55.00", day=11)])
    assert {k: v[0].trace for k, v in ties.items()} == {"P1": "111", "P3": "222"}
    wide = tie_remittances(pays, [rl("333", amount="55.00", day=11)], PaymentRulesConfig(remittance_date_window_days=1))
    assert {k: v[0].trace for k, v in wide.items()} == {"P2": "333"}


def test_payment_applied_by_memo_reference_even_partially():
    apps = list(apply_payments([pay("P1", amount="40.00", memo="付INV2025000001货款")], [inv("INV2025-000001")]))
    (a,) = apps
    assert a.applied and a.allocations[0].rule == "memo_ref" and a.allocations[0].amount == D("40.00")
    assert a.unapplied_amount == 0


def test_payment_applied_by_remittance_without_trace_in_memo():
    apps = list(
        apply_payments([pay("P1", amount="60.00")], [inv("INV2025-000001")], [rl("999", amount="60.00", paid="60.00")])
    )
    assert apps[0].allocations[0].rule == "remittance"


def test_payment_applied_by_exact_amount_oldest_unsettled_first():
    invs = [inv("INV2025-000002", due=9), inv("INV2025-000001", due=2)]
    apps = list(apply_payments([pay("P1"), pay("P2"), pay("P3")], invs))
    assert [a.allocations[0].invoice_no for a in apps] == ["INV2025-000001", "INV2025-000002", "INV2025-000001"]
    assert all(a.allocations[0].rule == "amount" for a in apps)


def test_unapplied_when_no_reference_and_no_equal_amount():
    (a,) = apply_payments([pay("P1", amount="5000.00", memo="预付货款")], [inv("INV2025-000001")])
    assert not a.applied and a.unapplied_amount == D("5000.00")
    assert "names no invoice" in a.reason


def test_invoice_of_another_customer_is_not_applied():
    (a,) = apply_payments([pay("P1", party="C2", amount="70.00", memo="INV2025-000001")], [inv("INV2025-000001")])
    assert not a.applied and "another customer" in a.reason


def test_amount_tolerance_scans_only_that_customer():
    cfg = PaymentRulesConfig(amount_tolerance=D("0.05"))
    (a,) = apply_payments(
        [pay("P1", amount="100.03")], [inv("INV2025-000001", party="C2"), inv("INV2025-000002")], config=cfg
    )
    assert a.allocations[0].invoice_no == "INV2025-000002"


def test_dict_inputs_and_typed_errors():
    (a,) = apply_payments(
        [{"external_id": "P1", "party_ref": "C1", "amount": "100.00", "payment_date": "2025/04/10"}],
        [{"external_id": "INV2025-000001", "party_ref": "C1", "amount": "100.00"}],
    )
    assert a.applied
    with pytest.raises(MappingError) as e:
        as_payment({"external_id": "P9", "amount": ""})
    assert e.value.external_id == "P9" and e.value.field == "amount"


def test_invoice_of_a_customer_outside_the_batch_is_named_as_another_customers():
    owners = {"INV2025-000009": "C9"}
    (a,) = apply_payments(
        [pay("P1", amount="70.00", memo="付INV2025-000009货款")], [inv("INV2025-000001")], invoice_owner=owners.get
    )
    assert not a.applied and "another customer" in a.reason and "INV2025-000009" in a.reason
    (b,) = apply_payments(
        [pay("P2", amount="70.00", memo="INV2025-000777")], [inv("INV2025-000001")], invoice_owner=owners.get
    )
    assert "unknown invoice" in b.reason
