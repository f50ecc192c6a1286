"""``--sources``: the first batch of every mapped stream is read; a column a mapping reads that is absent is a problem."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hub.validation import validate_config
from testkit.servers.rest.server import start_server


def test_a_typo_in_a_csv_column_is_found_only_with_sources(world) -> None:
    world.edit("drp.yaml", "phone: 电话", "phone: 电话x")
    assert validate_config(world.config) == []  # the rules are valid: only the source can tell
    problems = validate_config(world.config, sources=True)
    assert len(problems) == 1, [str(p) for p in problems]
    (p,) = problems
    assert str(p).startswith(world.where("drp.yaml", "phone: 电话x") + ": ")
    assert "drp/customers -> party.phone reads column '电话x'" in p.message
    assert "电话" in p.message.split("columns:")[1]
    assert (p.system, p.stream, p.column) == ("drp", "customers", "电话x")


def test_reading_the_first_batch_archives_nothing(world) -> None:
    world.edit(
        "hub.yaml",
        f"      path: {world.root}/drp\n",
        f"      path: {world.root}/drp\n      processed: {world.root}/done\n",
    )
    assert validate_config(world.config, sources=True) == []
    assert (world.root / "drp" / "customers.csv").exists()
    assert not (world.root / "done").exists() or not any((world.root / "done").iterdir())


def test_a_missing_source_folder_is_one_problem_per_system(world) -> None:
    (world.root / "crm" / "Account.csv").unlink()
    (world.root / "crm" / "Contact.csv").unlink()
    (world.root / "crm").rmdir()
    problems = [str(p) for p in validate_config(world.config, sources=True)]
    assert len(problems) == 1, problems
    assert problems[0].startswith(world.where("hub.yaml", "  crm:") + ": ")
    assert "Account, Contact" in problems[0]


@pytest.fixture
def rest_server() -> Iterator[Any]:
    handle = start_server(port=0)
    try:
        yield handle
    finally:
        handle.stop()


REST_SYSTEM = """\
  shop:
    connector: rest
    config:
      base_url: {url}
      auth: {{type: basic, username: hub}}
      streams:
        customers:
          path: /customers/page
          record_path: data
          primary_key: [id]
          pagination: {{type: page, page_size: 10}}
    secrets: {{password: SHOP_PASSWORD}}
    mappings: [shop.yaml]
"""

SHOP_MAPPING = """\
system: shop
mappings:
  - stream: customers
    entity: party
    key: id
    fields:
      name: name
      email: e_mail
      city: city
"""


def test_a_typo_in_a_rest_field(world, rest_server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_PASSWORD", "s3cret-pw")
    world.write("shop.yaml", SHOP_MAPPING)
    world.edit("hub.yaml", "pipelines:\n", REST_SYSTEM.format(url=rest_server.url) + "pipelines:\n")
    world.edit("hub.yaml", "sources: [crm, drp]", "sources: [crm, drp, shop]")
    assert validate_config(world.config) == []
    problems = validate_config(world.config, sources=True)
    assert len(problems) == 1, [str(p) for p in problems]
    (p,) = problems
    assert str(p).startswith(world.where("shop.yaml", "email: e_mail") + ": ")
    assert "reads column 'e_mail'" in p.message and "did you mean 'email'?" in p.message
    assert (p.system, p.stream, p.column) == ("shop", "customers", "e_mail")
    assert "s3cret-pw" not in p.message
