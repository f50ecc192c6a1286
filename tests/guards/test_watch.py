"""The stream watch alone: contracts on declared and record-shaped schemas, policies, and the guards' arithmetic."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.connector import Batch, Record
from hub.contracts.policy import ContractSettings, GuardSettings
from hub.contracts.schema import KnownColumn, Profile
from hub.contracts.watch import StreamWatch
from hub.errors import ContractError, HoldError
from hub.mapping import load_mappings

MAPPING = """\
system: api
mappings:
  - stream: customers
    entity: party
    key: id
    fields:
      name: {from: name, required: true}
      phone: phone
      tax_id: {coalesce: [tax_id, vat]}
"""


@pytest.fixture
def mappings(tmp_path: Path) -> list:  # type: ignore[type-arg]
    path = tmp_path / "api.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    return load_mappings([path]).for_stream("api", "customers")


def _watch(mappings, contract=None, guards=None, known=None, baseline=None, full=True):  # type: ignore[no-untyped-def]
    return StreamWatch(
        "api",
        "customers",
        mappings,
        contract or ContractSettings(),
        guards or GuardSettings(),
        known or {},
        baseline,
        full_read=full,
    )


def _records(n: int, **extra: object) -> list[Record]:
    return [
        Record("customers", str(i), {"id": str(i), "name": f"n{i}", "phone": f"1{i:04d}", "tax_id": "X", **extra})
        for i in range(n)
    ]


def _known(*cols: str) -> dict[str, KnownColumn]:
    return {c: KnownColumn(c, frozenset({"text"}), True) for c in cols}


def test_a_mapped_field_absent_from_every_record_of_the_first_batch_fails(mappings) -> None:  # type: ignore[no-untyped-def]
    recs = [Record("customers", "1", {"id": "1", "name": "a", "tax_id": "x"})]
    with pytest.raises(ContractError) as err:
        _watch(mappings).check(Batch(recs, {}))
    assert "'phone'" in str(err.value) and "api.yaml:8" in str(err.value) and "party.phone" in str(err.value)


def test_coalesce_needs_one_of_its_columns_only(mappings) -> None:  # type: ignore[no-untyped-def]
    recs = [Record("customers", "1", {"id": "1", "name": "a", "phone": "1", "vat": "x"})]
    assert len(_watch(mappings).check(Batch(recs, {}))) == 1


def test_a_declared_header_is_checked_on_every_delivery(mappings) -> None:  # type: ignore[no-untyped-def]
    w = _watch(mappings)
    w.check(Batch(_records(3), {}, columns=("id", "name", "phone", "tax_id"), delivery="a.csv"))
    with pytest.raises(ContractError, match="b.csv"):
        w.check(Batch([], {}, columns=("id", "name", "tel", "tax_id"), delivery="b.csv"))


def test_new_columns_by_policy(mappings) -> None:  # type: ignore[no-untyped-def]
    known = _known("id", "name", "phone", "tax_id")
    evolve = _watch(mappings, known=known)
    evolve.check(Batch(_records(2, region="east"), {}))
    assert [(e.change, e.column, e.action) for e in evolve.observed.events] == [("added", "region", "recorded")]
    with pytest.raises(ContractError, match="region"):
        _watch(mappings, ContractSettings(new_columns="freeze"), known=known).check(Batch(_records(2, region="e"), {}))
    dropped = _watch(mappings, ContractSettings(new_columns="discard_value"), known=known).check(
        Batch(_records(2, region="e"), {})
    )
    assert all("region" not in r.data for r in dropped)
    quarantined = _watch(mappings, ContractSettings(new_columns="discard_row"), known=known).check(
        Batch(_records(2, region="e"), {})
    )
    assert all(r.error is not None and r.error.field == "region" for r in quarantined)


def test_a_missing_mapped_column_may_be_mapped_as_empty_when_the_contract_says_so(mappings) -> None:  # type: ignore[no-untyped-def]
    w = _watch(mappings, ContractSettings(mapped_columns="discard_value"))
    w.check(Batch([], {}, columns=("id", "name", "tax_id"), delivery="a.csv"))
    assert [(e.column, e.action) for e in w.observed.events] == [("phone", "discarded")]


def test_volume_and_fill_guards_against_the_baseline(mappings) -> None:  # type: ignore[no-untyped-def]
    base = Profile(rows=100, filled={"phone": 0.98, "name": 1.0}, run_id=4, data_at=None)
    small = _watch(mappings, baseline=base)
    small.check(Batch(_records(40), {}, delivery="a.csv"))
    with pytest.raises(HoldError, match="60% fewer"):
        small.judge()
    fine = _watch(mappings, baseline=base)
    fine.check(Batch(_records(60), {}, delivery="a.csv"))
    fine.judge()
    assert fine.profile() == (60, {"name": 1.0, "phone": 1.0, "tax_id|vat": 1.0}, True)
    empty_phones = [
        Record("customers", str(i), {"id": str(i), "name": "n", "phone": " ", "tax_id": "X"}) for i in range(90)
    ]
    blank = _watch(mappings, baseline=base)
    blank.check(Batch(empty_phones, {}, delivery="a.csv"))
    with pytest.raises(HoldError, match="'phone' \\(party.phone\\) is filled in 0%"):
        blank.judge()
    accepted = _watch(mappings, baseline=base)
    accepted.accept = True
    accepted.check(Batch(empty_phones, {}, delivery="a.csv"))
    accepted.judge()


def test_incremental_pages_are_not_judged_by_volume(mappings) -> None:  # type: ignore[no-untyped-def]
    base = Profile(rows=1000, filled={}, run_id=1, data_at=None)
    w = _watch(mappings, baseline=base, full=False)
    w.check(Batch(_records(3), {}))
    w.judge()
    assert w.profile() == (1000, {}, True)  # a delta is no baseline


def test_a_first_read_with_nothing_holds_unless_allowed(mappings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(HoldError, match="first read"):
        _watch(mappings).judge()
    _watch(mappings, guards=GuardSettings(empty="allow")).judge()
    _watch(mappings, full=False).judge()  # a later incremental read with nothing new is normal
