"""A rerun after a few person changes matches only the components they touch, and ends where a
full match of the same records ends: the same clusters and the same review queue."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

import hub.cli  # noqa: F401  (registers every command)
from hub.cli.app import app
from hub.store.models import CrosswalkLink, ReviewItem, StageLog
from tests.matching.test_people_example import files

ROOT = Path(__file__).resolve().parents[2]


def _state(url: str) -> tuple[dict[str, Any], set[frozenset[tuple[str, str]]], set[tuple[str, ...]]]:
    """The last reconcile detail for persons, the person clusters and the open review pairs."""
    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            detail = conn.execute(
                select(StageLog.detail).where(StageLog.stage == "reconcile").order_by(StageLog.run_id.desc()).limit(1)
            ).scalar_one()["person"]
            clusters: dict[str, set[tuple[str, str]]] = {}
            for cid, s, e in conn.execute(
                select(CrosswalkLink.canonical_id, CrosswalkLink.system, CrosswalkLink.external_id).where(
                    CrosswalkLink.entity == "person"
                )
            ):
                clusters.setdefault(cid, set()).add((s, e))
            r = ReviewItem.__table__
            review = {
                tuple(x)
                for x in conn.execute(
                    select(r.c.system_a, r.c.id_a, r.c.system_b, r.c.id_b).where(
                        r.c.entity == "person", r.c.status == "open"
                    )
                )
            }
    finally:
        eng.dispose()
    return detail, {frozenset(c) for c in clusters.values()}, review


def _edit(path: Path, change: dict[str, dict[int, str]], drop: set[str], add: list[list[str]]) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    out = [rows[0]]
    for row in rows[1:]:
        if row[0] in drop:
            continue
        for col, value in change.get(row[0], {}).items():
            row[col] = value
        out.append(row)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(out + add)


def test_rerun_rematches_the_touched_components_and_equals_a_full_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str
) -> None:
    shutil.copytree(ROOT / "examples" / "people", tmp_path / "examples" / "people")
    shutil.copytree(ROOT / "mappings" / "people", tmp_path / "mappings" / "people")
    config = str(tmp_path / "examples" / "people" / "hub.yaml")
    data = tmp_path / "data"
    data.mkdir()
    files(data, n=120)
    monkeypatch.setenv("PEOPLE_DIR", str(data))
    runner = CliRunner()

    def run(url: str) -> tuple[dict[str, Any], set[frozenset[tuple[str, str]]], set[tuple[str, ...]]]:
        monkeypatch.setenv("HUB_DATABASE_URL", url)
        out = runner.invoke(app, ["-c", config, "run", "people"])
        assert out.exit_code == 0, out.output
        return _state(url)

    first, before, _ = run(store_url)
    assert first["records"] == 235 and "rematched" not in first
    assert frozenset({("a", "rec-7-org"), ("b", "rec-7-dup-0")}) in before
    # a linked person becomes someone else, another gets a typo, a new duplicate arrives
    _edit(
        data / "b.csv",
        change={
            "rec-7-dup-0": {1: "ignatius", 2: "vanderbilt", 9: "18500101", 10: "1000001"},
            "rec-11-dup-0": {6: "dapo"},
        },
        drop=set(),
        add=[],
    )
    with (data / "a.csv").open(encoding="utf-8", newline="") as fh:
        row = next(r for r in csv.reader(fh) if r[0] == "rec-115-org")  # one of the five only in a
    _edit(data / "b.csv", change={}, drop=set(), add=[["rec-115-dup-0", *row[1:]]])

    detail, after, review = run(store_url)
    assert 0 < detail["rematched"] < detail["records"] // 3, detail  # the touched components only
    assert frozenset({("a", "rec-7-org"), ("b", "rec-7-dup-0")}) not in after
    assert frozenset({("a", "rec-115-org"), ("b", "rec-115-dup-0")}) in after
    assert frozenset({("a", "rec-11-org"), ("b", "rec-11-dup-0")}) in after

    full, expected, expected_review = run(f"sqlite:///{tmp_path / 'full.db'}")  # the same files matched from scratch
    assert "rematched" not in full and full["records"] == detail["records"]
    assert after == expected
    assert review == expected_review
