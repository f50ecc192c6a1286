"""The discrepancy rule registry: config validation, detection and reports read the same entries."""

from __future__ import annotations

import inspect

import pytest

from hub.errors import MappingRuleError
from hub.reconcile.discrepancy import KEY_SEP, Discrepancy, join_key, split_key
from hub.reconcile.rule_registry import INPUTS, RULES, kinds_in, rules_in
from hub.reconcile.rules_config import RulesConfig, load_rules_yaml
from hub.report.sections.orders import ORDER_KINDS


def test_every_rule_is_consistent_with_the_config_and_its_detect_function():
    fields = RulesConfig.model_fields
    for rule in RULES.values():
        assert fields[rule.settings].annotation is rule.settings_model, rule.kind
        assert set(rule.inputs) <= set(INPUTS), rule.kind
        params = list(inspect.signature(rule.detect).parameters)
        assert params == [*params[: len(rule.inputs)], "config"] and len(params) == len(rule.inputs) + 1, rule.kind
        assert rule.description and rule.label


def test_rule_file_keys_and_default_severities_come_from_the_registry():
    cfg = RulesConfig()
    assert {k: cfg.severity(k) for k in RULES} == {k: r.severity for k, r in RULES.items()}
    for kind in RULES:
        assert load_rules_yaml(f"rules:\n  {kind}: {{enabled: false}}\n").enabled(kind) is False
    with pytest.raises(MappingRuleError) as e:
        load_rules_yaml("rules:\n  order_gone_missing: {}\n")
    assert "<rules>:2: rules.order_gone_missing: not a valid key: no discrepancy rule 'order_gone_missing'" in str(
        e.value
    )


def test_a_disabled_rule_is_not_run_and_reads_no_input():
    class Inputs:
        def __getattr__(self, name: str) -> object:
            raise AssertionError(f"read {name}")

    off = RulesConfig(rules={"credit_exceeded": {"enabled": False}})
    assert list(RULES["credit_exceeded"].run(Inputs(), off)) == []


def test_scopes_and_report_sections_partition_the_rules():
    scopes = [set(kinds_in(scope=s)) for s in ("customer", "store", "push")]
    assert set().union(*scopes) == set(RULES) and sum(map(len, scopes)) == len(RULES)
    assert kinds_in(scope="push") == ("credit_hold",)  # written by the order push, not the reconcile stage
    assert ORDER_KINDS == tuple(k for k in RULES if RULES[k].section == "orders") and ORDER_KINDS
    assert [r.kind for r in rules_in()] == list(RULES)


def test_key_join_and_split_are_the_stored_form():
    d = Discrepancy("order_amount_mismatch", "high", ("801A", "SO1"), "crm", "m")
    assert KEY_SEP == "|" and join_key(d.key) == "801A|SO1" and split_key("801A|SO1") == d.key
