"""The test kit stays out of the product: the wheel's package list leaves it out and no product module imports it."""

from __future__ import annotations

import ast
import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("hub", "connectors")
DEV_ONLY = ("testkit", "tests", "examples", "bench")


def test_wheel_package_list_leaves_the_test_kit_out() -> None:
    find = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"][
        "find"
    ]
    includes = find["include"]
    for name in ("testkit", "testkit.servers", "testkit.servers.salesforce", "testkit.world", "tests", "examples"):
        assert not any(fnmatch(name, pattern) for pattern in includes), f"pyproject.toml packages.find includes {name}"
    assert all(any(fnmatch(pkg, pattern) for pattern in includes) for pkg in PRODUCT)


def test_no_product_module_imports_dev_only_code() -> None:
    offenders = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module]
                    if isinstance(node, ast.ImportFrom) and node.module and not node.level
                    else []
                )
                offenders += [
                    f"{path.relative_to(ROOT)}:{node.lineno}: imports {n}" for n in names if n.split(".")[0] in DEV_ONLY
                ]
    assert not offenders, "\n".join(offenders)
