"""The flows section of the push rules is checked when loaded: unknown systems and bad task keys name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import MappingRuleError
from hub.push.config import load_push_rules

RULES = """targets: {}
flows:
  orders:
    crm: crm
    drp: erp
  tasks:
    crm: djangocrm
    format: djangocrm
    stream: tasks
    key_column: %s
"""


def test_unknown_flow_system_is_named_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "push.yaml"
    path.write_text(RULES % "cf_hub_key", encoding="utf-8")
    with pytest.raises(MappingRuleError) as info:
        load_push_rules(path, {"crm", "drp", "djangocrm"})
    assert f"{path}:5" in str(info.value) and "unknown system 'erp'" in str(info.value)
    assert load_push_rules(path, {"crm", "erp", "djangocrm"}).flows is not None


def test_django_crm_task_key_that_is_no_custom_field_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "push.yaml"
    path.write_text(RULES % "Hub_Key__c", encoding="utf-8")
    with pytest.raises(MappingRuleError) as info:
        load_push_rules(path, {"crm", "erp", "djangocrm"})
    assert f"{path}:" in str(info.value) and "cf_<key>" in str(info.value)
