"""Fixtures for the mapping tests: the built-in transform registry and a YAML-to-MappingSet helper."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pluggy
import pytest

from hub import hookspecs
from hub.mapping import MappingSet, load_mappings
from hub.plugins import transforms as collect_transforms


@pytest.fixture(scope="session")
def registry() -> dict:
    """Transforms as the hub collects them, from a private plugin manager (no installed plugins)."""
    import hub.mapping.transforms as builtin

    pm = pluggy.PluginManager("hub")
    pm.add_hookspecs(hookspecs)
    pm.register(builtin, name="hub.mapping.transforms")
    return collect_transforms(pm)


@pytest.fixture
def load(tmp_path: Path, registry: dict) -> Callable[..., MappingSet]:
    """``load(text, name="m.yaml", **more_files)``: write dedented YAML files and load them all."""

    def _load(text: str, name: str = "m.yaml", **others: str) -> MappingSet:
        files = {name: text, **{k.replace("__", "."): v for k, v in others.items()}}
        paths = []
        for fname, body in files.items():
            p = tmp_path / fname
            p.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
            paths.append(p)
        return load_mappings(paths, transforms=registry)

    return _load
