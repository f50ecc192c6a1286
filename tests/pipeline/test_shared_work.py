"""The reconcile stage with a helper process ends with the same store as in one process.

The demo world is small, so buckets of customers and units of golden records are made small
here: the helper then takes part in both, on each backend.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

import hub.reconcile.store.findings as findings
import hub.reconcile.store.golden as golden
import hub.reconcile.store.scopes as scopes
from hub.export import export
from hub.runner import run_pipeline
from hub.store.models import GOLDEN, MODELS
from tests.helpers.channelco import channelco_store


def _goldens(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with engine.connect() as conn:
        for entity in ("party", "person", "salesperson", "product", "sales_order"):
            # typed reads give equal values on either backend; the row hash is of the backend's own forms
            t = MODELS[entity].__table__
            cols = [c for c in t.c if c.name != "row_hash"]
            q = select(*cols).where(t.c.system == GOLDEN).order_by(t.c.external_id)
            out[entity] = [tuple(r) for r in conn.execute(q)]
        q = text("SELECT entity, canonical_id, lineage FROM golden_lineage ORDER BY entity, canonical_id")
        out["lineage"] = [tuple(r) for r in conn.execute(q)]
    return out


def _run(mp: pytest.MonkeyPatch, world: Path, url: str, workers: int, out: Path) -> tuple[dict[str, Any], Any]:
    config, engine = channelco_store(mp, world, url)
    config.pipelines["channelco"].workers = workers
    first = run_pipeline(config, "channelco", engine=engine)
    assert first.status == "succeeded"
    assert run_pipeline(config, "channelco", engine=engine).changes == 0  # a rerun finds nothing to change
    export(engine, out, ["crm", "drp"])
    result = _goldens(engine)
    engine.dispose()
    detail = next(s for s in first.stages if s["stage"] == "reconcile")
    return result, detail


def _slowed(fn: Any) -> Any:
    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.05)
        return fn(*args, **kwargs)

    return slow


def test_a_helper_process_leaves_the_store_as_one_process_does(
    store_url: str, world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # many small units, so that the run is still busy when the helper has started, on any machine
    monkeypatch.setattr(scopes, "BUCKET_CUSTOMERS", 4)  # ~50 buckets of customers
    monkeypatch.setattr(golden, "_CHUNK", 20)  # several units of clusters per entity
    # ... and each unit this process computes takes a while (the helper imports its own, unslowed
    # modules): a helper that starts late on a loaded machine still finds units left
    for module, name in ((findings, "_detect_bucket"), (golden, "_build_unit")):
        monkeypatch.setattr(module, name, _slowed(getattr(module, name)))
    one, alone = _run(monkeypatch, world, f"sqlite:///{tmp_path / 'one.db'}", 1, tmp_path / "one")
    assert "helper_buckets" not in alone["sales_order"] and "helper_units" not in alone["party"]

    two, helped = _run(monkeypatch, world, store_url, 2, tmp_path / "two")
    # the helper took part in both: buckets linked and checked, golden records built
    assert helped["sales_order"]["helper_buckets"] > 0
    assert sum(helped[e].get("helper_units", 0) for e in ("party", "person", "product", "sales_order")) > 0
    for name in ("crosswalk.csv", "discrepancies.csv"):
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name
    assert two == one
