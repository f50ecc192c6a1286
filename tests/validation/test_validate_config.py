"""hub.yaml, connector settings, the store URL and mapping files: every problem at once, each with file:line."""

from __future__ import annotations

import importlib.util

import pytest

from hub.errors import ConfigError
from hub.validation import Problem, validate_config, validate_or_raise


def texts(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


def only(problems: list[Problem], fragment: str) -> Problem:
    found = [p for p in problems if fragment in str(p)]
    assert len(found) == 1, (fragment, texts(problems))
    return found[0]


def test_the_small_world_is_clean(world) -> None:
    assert validate_config(world.config) == []
    validate_or_raise(world.config)


def test_a_mapping_stream_that_is_not_a_stream_of_its_system(world) -> None:
    world.edit("crm.yaml", "stream: Contact", "stream: Contacts")
    p = only(validate_config(world.config), "Contacts")
    assert str(p).startswith(world.where("crm.yaml", "stream: Contacts") + ": ")
    assert "Contacts: no such stream of crm; streams: Account, Contact; did you mean 'Contact'?" in p.message
    assert (p.system, p.stream) == ("crm", "Contacts")


def test_a_mapping_file_listed_under_the_wrong_system(world) -> None:
    # drp's file says it maps crm: listed under drp, it would never be applied to drp
    world.edit("drp.yaml", "system: drp", "system: crm")
    p = only(validate_config(world.config), "is listed under system 'drp'")
    assert str(p).startswith(world.where("drp.yaml", "system: crm") + ": ")
    assert "system 'crm'" in p.message
    assert f"{world.config}:{world.line('hub.yaml', 'mappings: [drp.yaml]')}" in p.message


def test_an_unknown_connector_kind_names_its_line_and_the_known_kinds(world) -> None:
    world.edit("hub.yaml", "connector: csv", "connector: csvv")
    p = only(validate_config(world.config), "unknown connector kind")
    assert str(p).startswith(world.where("hub.yaml", "connector: csvv") + ": ")
    assert "'csvv'" in p.message and "known kinds:" in p.message
    for kind in ("csv", "edi", "rest", "salesforce", "soap"):
        assert kind in p.message.split("known kinds:")[1]
    assert p.system == "crm"


def test_bad_settings_of_two_systems_are_reported_together(world) -> None:
    world.edit("hub.yaml", f"      path: {world.root}/crm\n", "")
    world.edit(
        "hub.yaml",
        "        customers: {pattern: customers.csv, key: 客户编码}",
        "        customers: {pattern: customers.csv, key: 客户编码}\n      batch_size: 0",
    )
    problems = validate_config(world.config)
    crm = only(problems, "path")
    drp = only(problems, "batch_size")
    assert crm.file == str(world.config) and crm.system == "crm"
    assert crm.line == world.line("hub.yaml", "config:", 1)  # the missing key: its parent's line
    assert str(drp).startswith(world.where("hub.yaml", "batch_size: 0") + ": ")
    assert drp.message.startswith("systems.drp.config.batch_size: ") and "greater than or equal to 1" in drp.message


def test_an_unknown_store_driver_names_the_store_url_line(world) -> None:
    world.edit("hub.yaml", f"url: sqlite:///{world.root}/store/hub.db", "url: postgress://hub:pw@127.0.0.1/hub")
    p = only(validate_config(world.config), "store.url")
    assert str(p).startswith(world.where("hub.yaml", "url: postgress") + ": ")
    assert "unknown database 'postgress'" in p.message
    assert "pw" not in str(p)


@pytest.mark.skipif(importlib.util.find_spec("MySQLdb") is not None, reason="the MySQL driver is installed here")
def test_a_database_whose_driver_is_not_installed(world) -> None:
    world.edit("hub.yaml", f"url: sqlite:///{world.root}/store/hub.db", "url: mysql://hub@127.0.0.1/hub")
    p = only(validate_config(world.config), "store.url")
    assert p.line == world.line("hub.yaml", "url: mysql")
    assert "not installed" in p.message


def test_a_bad_store_url_from_the_environment(world, monkeypatch: pytest.MonkeyPatch) -> None:
    world.edit("hub.yaml", f"store:\n  url: sqlite:///{world.root}/store/hub.db\n", "")
    monkeypatch.setenv("HUB_DATABASE_URL", "postgress://127.0.0.1/hub")
    p = only(validate_config(world.config), "HUB_DATABASE_URL")
    assert "unknown database 'postgress'" in p.message


def test_a_pipeline_reading_an_unknown_stream(world) -> None:
    world.edit("hub.yaml", "sources: [crm, drp]", "sources:\n      - crm\n      - {system: drp, streams: [customer]}")
    p = only(validate_config(world.config), "pipeline 'p'")
    assert str(p).startswith(world.where("hub.yaml", "streams: [customer]") + ": ")
    assert "customer: no such stream of drp; streams: customers; did you mean 'customers'?" in p.message


def test_a_missing_mapping_file_names_its_listing(world) -> None:
    world.edit("hub.yaml", "mappings: [drp.yaml]", "mappings: [drp.yaml, extra/*.yaml]")
    p = only(validate_config(world.config), "not found")
    assert str(p).startswith(world.where("hub.yaml", "extra/*.yaml") + ": ")


def test_mapping_load_problems_come_with_the_others(world) -> None:
    world.edit("crm.yaml", "entity: contact", "entity: contakt")
    world.edit("drp.yaml", "stream: customers", "stream: customer")
    world.edit("hub.yaml", "connector: csv", "connector: csvv")
    problems = validate_config(world.config)
    assert len(problems) == 3, texts(problems)
    assert str(only(problems, "contakt")).startswith(world.where("crm.yaml", "entity: contakt"))
    assert str(only(problems, "no such stream of drp")).startswith(world.where("drp.yaml", "stream: customer"))
    only(problems, "unknown connector kind")


def test_hub_yaml_problems_are_listed_by_path(world) -> None:
    world.edit("hub.yaml", "version: 1", "version: 1\nsystemz: {}")
    p = only(validate_config(world.config), "systemz")
    assert p.file == str(world.config) and p.line == 2


def test_validate_or_raise_lists_every_problem(world) -> None:
    world.edit("crm.yaml", "stream: Contact", "stream: Contacts")
    world.edit("hub.yaml", f"url: sqlite:///{world.root}/store/hub.db", "url: postgress://127.0.0.1/hub")
    with pytest.raises(ConfigError) as info:
        validate_or_raise(world.config, pipelines=["p"])
    message = str(info.value)
    assert "2 configuration problem(s)" in message
    assert world.where("crm.yaml", "stream: Contacts") in message
    assert world.where("hub.yaml", "url: postgress") in message
    assert len(info.value.details["problems"]) == 2


def test_only_the_named_pipeline_and_its_systems(world) -> None:
    world.edit("hub.yaml", "pipelines:\n", "  other:\n    connector: nope\npipelines:\n")
    assert len(validate_config(world.config)) == 1  # the unused system is still checked by default
    assert validate_config(world.config, pipelines=["p"]) == []
    with pytest.raises(ConfigError, match="no pipeline 'q'"):
        validate_config(world.config, pipelines=["q"])
