"""Record match configuration: every mistake at once, with file:line; rules that would do nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import MappingRuleError
from hub.reconcile.compare.config import load_record_match_config

GOOD = """\
entity: person
blocking:
  - {name: dob, on: [birth_date]}
  - {name: sx, on: [{field: family_name, transform: soundex}, postal_code]}
comparisons:
  - {kind: jaro_winkler, field: given_name, thresholds: [0.9], term_frequency: true}
  - {kind: date, field: birth_date, format: "%Y%m%d", years: [1]}
  - {kind: person_name, fields: [given_name, family_name], weights: {exact: 8, swapped: 6}}
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "match.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_good_config_loads(tmp_path: Path) -> None:
    cfg = load_record_match_config(write(tmp_path, GOOD))
    assert [c.label for c in cfg.comparisons] == ["given_name", "birth_date", "given_name_family_name"]
    assert cfg.blocking[1].keys[0].label == "soundex(family_name)"


def test_every_problem_with_file_and_line(tmp_path: Path) -> None:
    bad = """\
entity: person
blocking:
  - {name: dob, on: [birth_date]}
  - {name: dob2, on: [birth_date]}
  - {name: x, on: [{field: surname, transform: rot13}]}
comparisons:
  - {kind: exact, field: state, thresholds: [0.9]}
  - {kind: jaro_winkler, fields: [given_name, family_name]}
  - {kind: person_name, fields: [given_name]}
  - {kind: exact, field: state, weights: {same: 3}}
  - {kind: address, field: city, term_frequency: true}
  - {kind: soundalike, field: city}
"""
    path = write(tmp_path, bad)
    with pytest.raises(MappingRuleError) as err:
        load_record_match_config(path)
    problems = err.value.problems
    text = "\n".join(problems)
    assert f"{path}:4: blocking[1]: blocking rule 'dob2' would do nothing: rule 'dob'" in text
    assert f"{path}:5: blocking[2].on[0]: unknown field 'surname'" in text
    assert "unknown transform 'rot13'" in text
    assert f"{path}:7: comparisons[0].thresholds: kind 'exact' ignores thresholds" in text
    assert (
        f"{path}:8: comparisons[1].fields: kind 'jaro_winkler' reads one field: use field: (it would ignore family_name)"
        in text
    )
    assert "kind 'person_name' reads 2 fields" in text
    assert f"{path}:10: comparisons[3]" in text and "unknown level(s) 'same'" in text
    assert "comparison name 'state' used twice" in text
    assert "kind 'address' compares no single value" in text
    assert f"{path}:12: comparisons[5].kind: unknown comparison kind 'soundalike'" in text


def test_unknown_entity(tmp_path: Path) -> None:
    with pytest.raises(MappingRuleError, match=r"match.yaml:1: entity: unknown entity 'people'"):
        load_record_match_config(write(tmp_path, GOOD.replace("entity: person", "entity: people")))
