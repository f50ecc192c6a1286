"""Survivorship: which record's value wins each field of a golden record, and by which rule."""

from __future__ import annotations

import datetime as dt

from hub.reconcile.survivorship import Candidate, SurvivorshipRules, build_golden

FIELDS = ["name", "phone", "email", "updated_at"]
OLD = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
NEW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)


def test_the_system_of_record_wins_when_it_has_a_value_else_the_most_recent() -> None:
    rules = SurvivorshipRules(default=["drp", "crm"], fields={"email": ["crm"]})
    drp = Candidate("drp", "C1", {"name": "东方", "phone": "", "email": "d@x.cn", "updated_at": OLD})
    crm = Candidate("crm", "001", {"name": "Dongfang", "phone": "021-1", "email": None, "updated_at": NEW})
    g = build_golden("P-1", [crm, drp], FIELDS, rules)
    assert g.values == {"name": "东方", "phone": "021-1", "email": "d@x.cn", "updated_at": OLD}
    assert g.lineage["name"] == ("drp", "C1", "system_of_record")
    assert g.lineage["phone"] == ("crm", "001", "system_of_record")  # the DRP's is blank: the next system
    # the CRM is the email's only system of record and has none: the most recent record with one
    assert g.lineage["email"] == ("drp", "C1", "recency")


def test_without_dates_the_most_complete_record_wins_and_ties_go_to_the_smallest_id() -> None:
    rules = SurvivorshipRules()
    a = Candidate("crm", "002", {"name": "A", "phone": None})
    b = Candidate("crm", "001", {"name": "B", "phone": "1"})
    c = Candidate("crm", "000", {"name": "C", "phone": None})
    g = build_golden("P-2", [a, c, b], ["name", "phone"], rules)
    assert g.values == {"name": "B", "phone": "1"}
    assert g.lineage == {"name": ("crm", "001", "completeness"), "phone": ("crm", "001", "completeness")}
    g = build_golden("P-3", [a, c], ["name", "phone"], rules)
    assert g.lineage["name"] == ("crm", "000", "completeness")
    assert g.values["phone"] is None and "phone" not in g.lineage


def test_a_single_record_takes_each_field_it_has_under_the_rule_a_cluster_would_give() -> None:
    rules = SurvivorshipRules(default=["drp"], fields={"phone": ["crm"]})
    dated = Candidate("crm", "001", {"name": "A", "phone": "1", "email": "", "updated_at": NEW})
    undated = Candidate("crm", "001", {"name": "A", "phone": "1", "email": None})
    g = build_golden("P-4", [dated], FIELDS, rules)
    assert g.lineage == {
        "name": ("crm", "001", "recency"),
        "phone": ("crm", "001", "system_of_record"),
        "updated_at": ("crm", "001", "recency"),
    }
    assert g.values["email"] is None
    g = build_golden("P-5", [undated], FIELDS, rules)
    assert g.lineage["name"] == ("crm", "001", "completeness")
    # the same record twice in a cluster (two systems' copies) decides as the single one does
    twin = Candidate("drp", "C9", {"name": None})
    assert (
        build_golden("P-6", [dated, twin], FIELDS, rules).lineage == build_golden("P-4", [dated], FIELDS, rules).lineage
    )
