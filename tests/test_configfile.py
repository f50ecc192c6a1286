"""One reader and one formatter for every config file: the same mistake gives the same ``file:line: path: message``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hub.config import load_config
from hub.configfile import ConfigFile, format_path, load_yaml, pydantic_problems, read_config_file, validate_model
from hub.errors import ConfigError, MappingRuleError
from hub.mapping import load_mappings
from hub.push.config import load_push_rules
from hub.reconcile.config import load_reconcile_rules
from hub.reconcile.match_config import DEFAULT_PARTY_YAML, MatchConfig, load_match_config
from hub.report.config import load_report_config

UNSET = "CFH_TEST_NEVER_SET"

HUB = """\
systems:
  crm:
    connector: csv
    description: the CRM
pipelines:
  p:
    sources: [crm]
    retries: 2
"""
MAPPING = """\
system: crm
mappings:
  - stream: Account
    entity: party
    key: Id
    strip: true
    fields:
      name: Name
"""
RECONCILE = """\
entities:
  party:
    systems: [crm, drp]
    keys:
      - name: tax
        left: {system: crm, field: tax_id}
        right: {system: drp, field: tax_id}
        min_length: 3
"""
PUSH = """\
targets:
  crm:
    batch_size: 10
    entities:
      party:
        stream: Account
        fields: [name]
"""
REPORT = """\
title: Weekly
max_rows: 10
roles:
  crm: crm
"""
ALERTS = """\
systems: {}
alerts:
  - kind: webhook
    url: http://127.0.0.1/hook
    retries: 1
"""


def _match_loader(path: Path) -> Any:
    return load_match_config(path)


#: file kind -> (file name, valid text, loader, unknown key edit, wrong type edit, unset variable edit);
#: each edit is (old text, new text, expected line, expected start of the problem after "file:line: ")
KINDS: dict[
    str,
    tuple[
        str, str, Callable[[Path], Any], tuple[str, str, int, str], tuple[str, str, int, str], tuple[str, str, int, str]
    ],
] = {
    "hub.yaml": (
        "hub.yaml",
        HUB,
        load_config,
        (
            "    connector: csv\n",
            "    connector: csv\n    colour: blue\n",
            4,
            "systems.crm.colour: unknown key 'colour'",
        ),
        ("retries: 2", "retries: many", 8, "pipelines.p.retries: Input should be a valid integer"),
        ("the CRM", "${%s}" % UNSET, 4, f"environment variable {UNSET} is not set"),
    ),
    "mapping": (
        "crm.yaml",
        MAPPING,
        lambda p: load_mappings([p]),
        ("    key: Id\n", "    key: Id\n    colour: blue\n", 6, "mappings[0].colour: unknown key 'colour'"),
        ("strip: true", "strip: many", 6, "mappings[0].strip: Input should be a valid boolean"),
        ("Name", "${%s}" % UNSET, 8, f"environment variable {UNSET} is not set"),
    ),
    "reconcile": (
        "reconcile.yaml",
        RECONCILE,
        load_reconcile_rules,
        (
            "    systems: [crm, drp]\n",
            "    systems: [crm, drp]\n    colour: blue\n",
            4,
            "entities.party.colour: unknown key 'colour'",
        ),
        ("min_length: 3", "min_length: many", 8, "entities.party.keys[0].min_length: Input should be a valid integer"),
        ("name: tax", "name: ${%s}" % UNSET, 5, f"environment variable {UNSET} is not set"),
    ),
    "match": (
        "party_match.yaml",
        DEFAULT_PARTY_YAML,
        _match_loader,
        (
            "  margin: 2\n",
            "  margin: 2\n  colour: blue\n",
            DEFAULT_PARTY_YAML.count("\n") + 1,
            "thresholds.colour: unknown key 'colour'",
        ),
        (
            "  margin: 2\n",
            "  margin: many\n",
            DEFAULT_PARTY_YAML.count("\n"),
            "thresholds.margin: Input should be a valid number",
        ),
        ("name: tax_id_exact", "name: ${%s}" % UNSET, 4, f"environment variable {UNSET} is not set"),
    ),
    "push": (
        "push.yaml",
        PUSH,
        lambda p: load_push_rules(p, {"crm"}),
        (
            "        stream: Account\n",
            "        stream: Account\n        colour: blue\n",
            7,
            "targets.crm.entities.party.colour: unknown key 'colour'",
        ),
        ("batch_size: 10", "batch_size: many", 3, "targets.crm.batch_size: Input should be a valid integer"),
        ("stream: Account", "stream: ${%s}" % UNSET, 6, f"environment variable {UNSET} is not set"),
    ),
    "report": (
        "report.yaml",
        REPORT,
        load_report_config,
        ("  crm: crm\n", "  crm: crm\n  colour: blue\n", 5, "roles.colour: unknown key 'colour'"),
        ("max_rows: 10", "max_rows: many", 2, "max_rows: Input should be a valid integer"),
        ("Weekly", "${%s}" % UNSET, 1, f"environment variable {UNSET} is not set"),
    ),
    "alerts": (
        "hub.yaml",
        ALERTS,
        load_config,
        ("    retries: 1\n", "    retries: 1\n    colour: blue\n", 6, "alerts[0].colour: unknown key 'colour'"),
        ("retries: 1", "retries: many", 5, "alerts[0].retries: Input should be a valid integer"),
        ("http://127.0.0.1/hook", "${%s}" % UNSET, 4, f"environment variable {UNSET} is not set"),
    ),
}


def _problems(exc: ConfigError) -> list[str]:
    return list(getattr(exc, "problems", None) or exc.details.get("problems") or [])


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_valid_file_of_each_kind_loads(kind: str, tmp_path: Path) -> None:
    name, text, load, *_ = KINDS[kind]
    assert load(_write(tmp_path, name, text)) is not None


@pytest.mark.parametrize("mistake", ["unknown key", "wrong type", "unset variable"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_same_mistake_reads_the_same_in_every_file_kind(
    kind: str, mistake: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(UNSET, raising=False)
    name, text, load, *edits = KINDS[kind]
    old, new, line, expected = edits[["unknown key", "wrong type", "unset variable"].index(mistake)]
    assert old in text
    path = _write(tmp_path, name, text.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        load(path)
    problems = _problems(info.value)
    assert any(p.startswith(f"{path}:{line}: {expected}") for p in problems), (expected, problems)
    assert "Traceback" not in str(info.value)


def test_every_problem_of_a_file_comes_at_once_with_its_duplicate_keys(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "push.yaml",
        PUSH.replace("    batch_size: 10\n", "    batch_size: many\n    batch_size: 3\n").replace(
            "        stream: Account\n", "        stream: Account\n        colour: blue\n"
        ),
    )
    with pytest.raises(MappingRuleError) as info:
        load_push_rules(path)
    assert info.value.problems == [
        f"{path}:4: duplicate key 'batch_size' (first defined at line 3)",
        f"{path}:8: targets.crm.entities.party.colour: unknown key 'colour'",
        f"{path}:3: targets.crm.batch_size: Input should be a valid integer, unable to parse string as an integer",
    ]


def test_every_unset_variable_is_listed_with_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UNSET, raising=False)
    monkeypatch.delenv(UNSET + "_2", raising=False)
    monkeypatch.setenv("CFH_TEST_SET", "Weekly")
    path = _write(
        tmp_path,
        "report.yaml",
        "title: ${CFH_TEST_SET}\nformats: [${%s}]\noutput_dir: ${%s_2}\n"
        "smtp: {host: '${CFH_TEST_HOST:-127.0.0.1}', sender: a@b.c}\n" % (UNSET, UNSET),
    )
    with pytest.raises(ConfigError) as info:
        load_report_config(path)
    assert _problems(info.value) == [
        f"{path}:2: environment variable {UNSET} is not set",
        f"{path}:3: environment variable {UNSET}_2 is not set",
    ]
    monkeypatch.setenv(UNSET, "html")
    monkeypatch.setenv(UNSET + "_2", "out")
    cfg = load_report_config(path)
    assert (cfg.title, cfg.formats, str(cfg.output_dir), cfg.smtp and cfg.smtp.host) == (
        "Weekly",
        ["html"],
        "out",
        "127.0.0.1",
    )


def test_unreadable_and_unparsable_files_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(ConfigError, match="cannot read the config file") as info:
        read_config_file(missing, "config file")
    assert info.value.file == str(missing)
    broken = _write(tmp_path, "broken.yaml", "a: 1\nb: [\n")
    with pytest.raises(MappingRuleError, match="YAML syntax error") as info:
        read_config_file(broken, "rule file", MappingRuleError)
    assert (info.value.file, info.value.line) == (str(broken), 3)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        read_config_file(latin, "report config")


def test_a_missing_key_is_reported_at_its_parent_and_union_members_are_merged(tmp_path: Path) -> None:
    text = DEFAULT_PARTY_YAML.replace("  high: 12 ", "  hi: 12 ").replace(
        "    comparison: phone\n", "    comparison: [phone]\n"
    )
    file = ConfigFile("m.yaml", load_yaml(text))
    with pytest.raises(MappingRuleError) as info:
        validate_model(MatchConfig, file, "match configuration", MappingRuleError)
    lines = text.splitlines()
    by_path = {p.split(": ")[1]: p for p in info.value.problems}
    threshold = by_path["thresholds"]
    assert "missing key 'high'" in threshold and "unknown key 'hi'" not in threshold
    assert lines[int(threshold.split(":")[1]) - 1] == "thresholds:"
    phone = next(p for path, p in by_path.items() if path.startswith("fields[") and path.endswith("].comparison"))
    assert "comparison: [phone]" in lines[int(phone.split(":")[1]) - 1]


def test_paths_read_like_the_yaml() -> None:
    assert format_path(("mappings", 0, "fields", "name")) == "mappings[0].fields.name"
    assert format_path(("value_maps", "codes", "values", "01")) == "value_maps.codes.values.01"
    assert format_path(()) == ""


def test_a_section_is_reported_with_its_full_path(tmp_path: Path) -> None:
    from pydantic import BaseModel, ConfigDict, ValidationError

    class Section(BaseModel):
        model_config = ConfigDict(extra="forbid")
        size: int

    file = ConfigFile("f.yaml", load_yaml("top:\n  inner:\n    size: big\n    extra: 1\n"))
    with pytest.raises(ValidationError) as info:
        Section.model_validate(file.node(("top", "inner")))
    assert pydantic_problems(info.value, file, ("top", "inner")) == [
        "f.yaml:3: top.inner.size: Input should be a valid integer, unable to parse string as an integer",
        "f.yaml:4: top.inner.extra: unknown key 'extra'",
    ]
