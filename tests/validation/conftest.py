"""A small two-system world written into tmp_path: CSV sources, mapping files, rule files, hub.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

CRM_MAPPING = """\
system: crm
mappings:
  - stream: Account
    entity: party
    key: Id
    fields:
      name: Name
      phone: Phone
  - stream: Contact
    entity: contact
    key: Id
    fields:
      last_name: LastName
"""

DRP_MAPPING = """\
system: drp
mappings:
  - stream: customers
    entity: party
    key: 客户编码
    fields:
      name: 客户名称
      phone: 电话
"""

HUB_YAML = """\
version: 1
store:
  url: sqlite:///{root}/store/hub.db
systems:
  crm:
    connector: csv
    config:
      path: {root}/crm
      streams:
        Account: {{pattern: Account.csv, key: Id}}
        Contact: {{pattern: Contact.csv, key: Id}}
    mappings: [crm.yaml]
  drp:
    connector: csv
    config:
      path: {root}/drp
      streams:
        customers: {{pattern: customers.csv, key: 客户编码}}
    mappings: [drp.yaml]
pipelines:
  p:
    sources: [crm, drp]
"""


class World:
    """Files of a small valid configuration; tests break one thing and look for its problem."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "crm").mkdir()
        (root / "drp").mkdir()
        (root / "crm" / "Account.csv").write_text("Id,Name,Phone\nA1,Acme Ltd,010-1234\n", encoding="utf-8")
        (root / "crm" / "Contact.csv").write_text("Id,LastName\nC1,Li\n", encoding="utf-8")
        (root / "drp" / "customers.csv").write_text("客户编码,客户名称,电话\nK1,顶点公司,010-1234\n", encoding="utf-8")
        self.write("crm.yaml", CRM_MAPPING)
        self.write("drp.yaml", DRP_MAPPING)
        self.write("hub.yaml", HUB_YAML.format(root=root))

    @property
    def config(self) -> Path:
        return self.root / "hub.yaml"

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        return path

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.root / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def line(self, name: str, fragment: str, nth: int = 1) -> int:
        """1-based line of the ``nth`` line of file ``name`` containing ``fragment``."""
        hits = [
            i
            for i, text in enumerate((self.root / name).read_text(encoding="utf-8").splitlines(), 1)
            if fragment in text
        ]
        assert len(hits) >= nth, (name, fragment)
        return hits[nth - 1]

    def where(self, name: str, fragment: str, nth: int = 1) -> str:
        """``path:line`` as problems print it."""
        return f"{self.root / name}:{self.line(name, fragment, nth)}"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    from hub.redact import clear_secrets

    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    # secrets registered by tests that ran before in this process (e.g. a password 'nope') would mask words of
    # the problems these tests read
    clear_secrets()
    yield World(tmp_path)
