"""Pure parts of push: value normalisation, changesets, keys, the conflict check, the breaker, rule loading."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from hub.errors import MappingRuleError
from hub.push.breaker import evaluate
from hub.push.changeset import FieldDiff, RecordChange, change_key, diff_values
from hub.push.config import BreakerRules, load_push_rules
from hub.push.conflicts import check
from hub.push.echo import Synced, echo_columns
from hub.push.values import norm


def test_norm_makes_equal_values_equal_across_systems() -> None:
    assert norm(500000.0) == norm(Decimal("500000.00")) == norm("500000") == "500000"
    assert norm(Decimal("12.50")) == "12.5" and norm(Decimal("-0.00")) == "0"
    assert (
        norm(dt.datetime(2026, 3, 1, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))) == "2026-03-01T08:00:00+00:00"
    )
    assert norm(dt.date(2026, 3, 31)) == "2026-03-31" and norm("  ") is None and norm(True) == "true"


def test_diff_pushes_only_changed_columns_and_never_clears() -> None:
    desired = {"Credit_Limit__c": Decimal("500000.00"), "Name": "ACME", "Phone": None}
    live = {"Credit_Limit__c": 500000.0, "Name": "Acme", "Phone": "123"}
    diffs = diff_values(desired, live, {"Credit_Limit__c": "credit_limit"})
    assert diffs == [FieldDiff("Name", "Name", "Acme", "ACME")]


def test_idempotency_keys_are_stable_per_create_and_per_update_payload() -> None:
    d1 = (FieldDiff("A", "a", None, "1"),)
    create = RecordChange("P-1", None, "create", d1, {"A": "1"})
    assert change_key("drp", "customers", create) == change_key(
        "drp", "customers", RecordChange("P-1", None, "create", (FieldDiff("A", "a", None, "2"),), {"A": "2"})
    )
    u1 = RecordChange("P-1", "001x", "update", d1, {"A": "1"})
    u2 = RecordChange("P-1", "001x", "update", (FieldDiff("A", "a", "0", "2"),), {"A": "2"})
    assert change_key("crm", "Account", u1) != change_key("crm", "Account", u2)
    assert change_key("crm", "Account", u1) != change_key("drp", "Account", u1)


def test_conflict_check_separates_echoes_edits_and_system_of_record() -> None:
    diffs = [
        FieldDiff("Credit_Limit__c", "credit_limit", "1", "9"),
        FieldDiff("Open__c", "open", "7", "5"),
        FieldDiff("Phone", "phone", "2", "3"),
    ]
    baseline = {"Credit_Limit__c": "8", "Open__c": "4", "Phone": "2"}  # Phone: live equals the last sync
    v = check("crm", "001x", "P-1", diffs, baseline, False, {"Open__c": "drp"})
    assert [d.column for d in v.write] == ["Phone"]
    assert [d.column for d in v.overridden] == ["Open__c"]
    assert [c.key for c in v.conflicts] == [("001x", "P-1", "Credit_Limit__c", "crm")]
    assert v.conflicts[0].details == {
        "column": "Credit_Limit__c",
        "field": "credit_limit",
        "synced": "8",
        "target": "1",
        "hub": "9",
    }
    # untouched since the sync (same version): no edit, whatever the baseline says
    assert not check("crm", "001x", "P-1", diffs, baseline, True, {}).conflicts
    # the target named as the system of record keeps its edit: conflict, not overwrite
    assert check("crm", "001x", "P-1", diffs[:1], baseline, False, {"credit_limit": "crm"}).conflicts


def test_echo_columns_are_values_the_hub_wrote() -> None:
    synced = {"A": Synced("1", "hub", "v1"), "B": Synced("2", "hub", "v1"), "C": Synced("3", "target", "v1")}
    assert echo_columns(synced, {"A": "1", "B": "9", "C": "3"}) == {"A"}


def test_breaker_trips_above_the_share_and_lets_an_approved_plan_through() -> None:
    rules = BreakerRules()
    assert not evaluate(rules, 5, 100).tripped
    trip = evaluate(rules, 6, 100)
    assert trip.tripped and trip.limit == 5 and "OPEN" in trip.describe()
    assert evaluate(rules, 6, 100, approved_size=6).approved
    assert evaluate(rules, 7, 100, approved_size=6).tripped  # bigger than what was approved
    assert not evaluate(BreakerRules(max_share=0.05, min_changes=10), 9, 20).tripped


def test_push_rules_report_every_problem_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "push.yaml"
    path.write_text(
        "targets:\n"
        "  crm:\n"
        "    entities:\n"
        "      party:\n"
        "        stream: Account\n"
        "        fields: [name, no_such_field]\n"
        "        columns:\n"
        "          X__c: {compute: nonsense, system: drp}\n"
        "  nowhere:\n"
        "    entities:\n"
        "      party: {stream: customers, fields: [name]}\n",
        encoding="utf-8",
    )
    with pytest.raises(MappingRuleError) as exc:
        load_push_rules(path, {"crm", "drp"})
    text = str(exc.value)
    assert f"{path}:8" in text and "unknown compute 'nonsense'" in text
    path.write_text(path.read_text().replace("{compute: nonsense, system: drp}", "{compute: member_id, system: drp}"))
    with pytest.raises(MappingRuleError) as exc:
        load_push_rules(path, {"crm", "drp"})
    assert f"{path}:6" in str(exc.value) and "no field 'no_such_field'" in str(exc.value)
    assert f"{path}:9" in str(exc.value) and "unknown system 'nowhere'" in str(exc.value)


def test_example_push_rules_load() -> None:
    rules = load_push_rules(
        Path(__file__).resolve().parents[2] / "examples" / "channelco" / "push.yaml", {"crm", "drp"}
    )
    assert rules.targets["drp"].entities["party"].create and rules.targets["crm"].breaker.max_share == 0.05
