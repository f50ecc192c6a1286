"""Start the real Tryton / django-crm servers for live conformance classes, only when they are already built.

Building takes minutes (``python examples/realsys/realsys.py build`` into ``.cache/realsys``), so the
conformance suite never builds: without a built template it skips with the command to run.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

HARNESS = Path(__file__).resolve().parents[1] / "realsys" / "realsys_harness.py"


def harness() -> ModuleType:
    """The realsys harness module (loaded by path: it lives beside the realsys tests)."""
    if "realsys_harness" in sys.modules:
        return sys.modules["realsys_harness"]
    spec = importlib.util.spec_from_file_location("realsys_harness", HARNESS)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["realsys_harness"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _built(h: ModuleType, name: str, venv: str) -> Path:
    if os.environ.get("REALSYS_SKIP", "").strip() not in ("", "0"):
        pytest.skip("REALSYS_SKIP is set: live conformance skipped")
    templates = sorted((h.CACHE / "templates").glob(f"{name}-*/meta.json"), key=lambda p: p.stat().st_mtime)
    if not templates or not (h.CACHE / "venvs" / venv / "bin").is_dir():
        pytest.skip(f"real {name} server not built in {h.CACHE}: run `python examples/realsys/realsys.py build` first")
    return templates[-1].parent


@contextmanager
def running(name: str, instance: Path) -> Iterator[Any]:
    """A started server (``tryton`` or ``djangocrm``) on 127.0.0.1, stopped by its PID file afterwards."""
    h = harness()
    template = _built(h, name, name)
    start = h.start_tryton if name == "tryton" else h.start_djangocrm
    info = start(instance, template=template)
    try:
        yield info
    finally:
        h.stop_pid(Path(info.pidfile))
