"""Every built-in connector kind has a class of the shared conformance suite in this folder."""

from __future__ import annotations

import ast
from pathlib import Path

from hub.plugins import BUILTIN_PLUGINS, connector_specs

HERE = Path(__file__).resolve().parent
SUITES = {"ConnectorConformance", "StandardConnectorTests"}


def _suite_classes(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef) and any(isinstance(b, ast.Name) and b.id in SUITES for b in node.bases)
    ]


def test_every_builtin_kind_has_a_conformance_class() -> None:
    kinds = sorted(k for k, spec in connector_specs().items() if spec.plugin in BUILTIN_PLUGINS)
    assert {"csv", "edi", "rest", "salesforce", "soap", "tryton", "djangocrm"} <= set(kinds)
    missing = [k for k in kinds if not any(_suite_classes(p) for p in HERE.glob(f"test_*{k}*.py"))]
    assert missing == [], f"connector kinds without a conformance class in tests/connectors: {missing}"
