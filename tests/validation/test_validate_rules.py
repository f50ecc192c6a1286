"""Reconcile, match, push and report rule files of every pipeline, found by validate with file:line."""

from __future__ import annotations

import pytest

from hub.errors import MappingRuleError
from hub.reconcile.match_config import DEFAULT_PARTY_YAML, load_match_config
from hub.validation import validate_config

MATCH = """\
entities:
  party:
    systems: [crm, drp]
    match:
      rules:
        - {name: tax, field: tax_id, comparison: tax_id}
      blocking:
        - {name: phone, features: [phone]}
        - {name: city_brand, features: [city, name_brand]}
      fields:
        - {field: tax_id, comparison: tax_id, weights: {exact: 10}}
        - {field: name, comparison: company_name, weights: {exact: 8}}
        - {field: phone, comparison: phone, weights: {exact: 5}}
      thresholds: {high: 12, low: 6}
"""


def with_rules(world, name: str, text: str, key: str) -> None:
    world.write(name, text)
    world.edit("hub.yaml", "    sources: [crm, drp]", f"    sources: [crm, drp]\n    {key}: {name}")


def messages(world) -> list[str]:
    return [str(p) for p in validate_config(world.config)]


def one(found: list[str], fragment: str) -> str:
    hits = [p for p in found if fragment in p]
    assert len(hits) == 1, (fragment, found)
    return hits[0]


def test_valid_reconcile_rules_pass(world) -> None:
    with_rules(world, "reconcile.yaml", MATCH, "reconcile")
    assert messages(world) == []


def test_a_field_the_comparison_would_ignore(world) -> None:
    # company_name always compares the names: this "email" comparison would silently compare names
    with_rules(
        world,
        "reconcile.yaml",
        MATCH.replace("{field: name, comparison: company_name", "{field: email, comparison: company_name"),
        "reconcile",
    )
    p = one(messages(world), "never 'email'")
    assert p.startswith(world.where("reconcile.yaml", "field: email") + ": ")
    assert "comparison 'company_name' reads the party's name" in p and "comparison: exact" in p


def test_place_reads_city_or_province_only() -> None:
    text = DEFAULT_PARTY_YAML.replace(
        "  - field: city\n    comparison: place", "  - field: postal_code\n    comparison: place"
    )
    with pytest.raises(MappingRuleError) as info:
        load_match_config(text, name="m.yaml")
    assert len(info.value.problems) == 1
    assert "reads the party's city or province, never 'postal_code'" in info.value.problems[0]


def test_a_blocking_feature_that_can_never_form_a_block(world) -> None:
    # edi_id has a value only when fields compare it with comparison: exact, which they do not here
    with_rules(
        world,
        "reconcile.yaml",
        MATCH.replace("features: [city, name_brand]}", "features: [city, edi_id]}"),
        "reconcile",
    )
    p = one(messages(world), "can never form a block")
    assert p.startswith(world.where("reconcile.yaml", "edi_id") + ": ")
    assert "blocking key 'city_brand'" in p and "'edi_id'" in p


def test_the_exact_comparison_brings_the_feature_to_life() -> None:
    text = DEFAULT_PARTY_YAML
    assert load_match_config(text, name="m.yaml")  # edi_id is compared exactly there
    dead = text.replace("  - field: edi_id\n    comparison: exact\n    weights: {exact: 10, mismatch: -2}\n", "")
    with pytest.raises(MappingRuleError) as info:
        load_match_config(dead, name="m.yaml")
    (problem,) = info.value.problems
    line = int(problem.split(":")[1])
    assert "features: [edi_id]" in dead.splitlines()[line - 1]


def test_rules_that_can_never_fire_and_references_never_read() -> None:
    data = {
        "rules": [
            {"name": "edi", "field": "edi_id", "comparison": "exact"},
            {"name": "ref2", "field": "parent_ref", "comparison": "reference", "target_system": "drp"},
        ],
        "blocking": [{"name": "ref", "features": ["reference"]}],
        "fields": [{"field": "erp_code", "comparison": "reference", "target_system": "drp", "weights": {"agree": 5}}],
        "thresholds": {"high": 5, "low": 1},
    }
    with pytest.raises(MappingRuleError) as info:
        load_match_config(data, name="inline")
    joined = "\n".join(info.value.problems)
    assert len(info.value.problems) == 2, joined
    assert "rule 'edi' can never fire" in joined
    assert "this one (parent_ref -> drp.external_id) would never be compared" in joined
    data["fields"] = []
    data["rules"] = []
    data["fields"] = [{"field": "phone", "comparison": "phone", "weights": {"exact": 5}}]
    with pytest.raises(MappingRuleError, match="feature 'reference' needs a reference comparison"):
        load_match_config(data, name="inline")


def test_reconcile_yaml_problems_carry_lines(world) -> None:
    with_rules(
        world,
        "reconcile.yaml",
        MATCH.replace("    systems: [crm, drp]", "    systems: [crm, drp]\n    colour: blue"),
        "reconcile",
    )
    assert one(messages(world), "colour").startswith(world.where("reconcile.yaml", "colour: blue") + ": ")
    world.write("reconcile.yaml", MATCH.replace("    systems: [crm, drp]", "    systems: [crm, erp]"))
    p = one(messages(world), "'erp' is not configured")
    assert p.startswith(world.where("reconcile.yaml", "systems: [crm, erp]") + ": ")


def test_broken_push_and_report_files_are_found(world) -> None:
    world.write(
        "push.yaml",
        "targets:\n  crm:\n    entities:\n      party:\n        stream: Account\n        fields: [name, colour]\n"
        "  erp:\n    entities: {}\n",
    )
    world.write("report.yaml", "title: Weekly\nsections: [summary, weather]\n")
    world.edit(
        "hub.yaml", "    sources: [crm, drp]", "    sources: [crm, drp]\n    push: push.yaml\n    report: report.yaml"
    )
    found = messages(world)
    assert one(found, "no field 'colour'").startswith(world.where("push.yaml", "fields: [name, colour]") + ": ")
    assert one(found, "unknown system 'erp'").startswith(world.where("push.yaml", "erp:") + ": ")
    assert one(found, "weather").startswith(world.where("report.yaml", "sections:") + ": ")


def test_a_missing_rule_file_names_the_pipeline_line(world) -> None:
    world.edit("hub.yaml", "    sources: [crm, drp]", "    sources: [crm, drp]\n    reconcile: nowhere.yaml")
    p = one(messages(world), "nowhere.yaml")
    assert p.startswith(world.where("hub.yaml", "reconcile: nowhere.yaml") + ": ")
