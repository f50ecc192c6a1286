"""Fuzzing the real connectors' read(): generated and mutated CSV, X12 and EDIFACT only ever yield hub errors."""

from __future__ import annotations

import traceback
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.reliability.fuzz_targets import TARGETS, feed

EXAMPLES = 200


def _check(name: str) -> Any:
    strategy, run = TARGETS[name]

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(strategy)
    def check(case: dict[str, Any]) -> None:
        outcome = feed(run, case)
        if outcome.kind == "untyped":
            assert outcome.error is not None
            detail = "".join(traceback.format_exception(outcome.error))
            pytest.fail(f"{name}: {type(outcome.error).__name__} escaped read() for {case.get('name')}:\n{detail}")

    return check


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_connector_read_raises_only_hub_errors(name: str) -> None:
    _check(name)()
