"""A rerun that changes nothing recomputes nothing: reconcile is skipped and the report is the last one.

Each test runs the ChannelCo example on a private copy of a small demo world and a fresh store
(SQLite and PostgreSQL); the report goes to a private folder. Whatever the report reads changing (a source row, the as-of date, a
person acknowledging a discrepancy, the report's own folder gone) builds it again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from hub.runner import RunResult, run_pipeline
from hub.store.models import Discrepancy
from testkit.world import generate
from tests.helpers.channelco import CONFIG, channelco_store


@dataclass
class Hub:
    config: Any
    engine: Engine
    world: Path
    reports: Path

    def run(self) -> RunResult:
        return run_pipeline(self.config, "channelco", engine=self.engine)


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rerun") / "world"
    generate(out, seed=5, customers=40)
    return out


@pytest.fixture
def cc(small_world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str) -> Iterator[Hub]:
    world = tmp_path / "world"
    shutil.copytree(small_world, world)
    monkeypatch.setenv("REPORT_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("REPORT_AS_OF", "2026-03-31")
    config, engine = channelco_store(monkeypatch, world, store_url)
    yield Hub(config, engine, world, tmp_path / "reports")
    engine.dispose()


def _stage(result: RunResult, name: str) -> dict[str, Any]:
    return next(s for s in result.stages if s["stage"] == name)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _rename_first_account(world: Path) -> None:
    path = world / "crm" / "Account.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    rows[1][rows[0].index("Name")] += " Renamed"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def test_a_rerun_with_nothing_changed_reuses_reconciliation_and_report(cc: Hub) -> None:
    first = cc.run()
    assert first.status == "succeeded"
    assert "unchanged_since" not in _stage(first, "reconcile")
    assert "unchanged_since" not in _stage(first, "report")
    built = _files(cc.reports / f"run-{first.run_id}")
    assert "report.html" in built and "report.xlsx" in built

    second = cc.run()
    assert second.changes == 0
    reconcile, report = _stage(second, "reconcile"), _stage(second, "report")
    assert reconcile["unchanged_since"] == first.run_id
    assert reconcile["party"]["skipped"] == "no change since the last reconciliation"
    assert reconcile["party"]["golden_changed"] == 0
    assert report["unchanged_since"] == first.run_id and report["rows_changed"] == 0
    assert second.report == str(cc.reports / f"run-{second.run_id}")
    assert _files(Path(second.report)) == built  # the full report, file for file

    third = cc.run()  # still the report built at the first run
    assert _stage(third, "report")["unchanged_since"] == first.run_id
    assert _stage(third, "reconcile")["unchanged_since"] == first.run_id
    assert _files(cc.reports / f"run-{third.run_id}") == built


def test_one_changed_source_row_reconciles_and_builds_the_report_again(cc: Hub) -> None:
    first = cc.run()
    _rename_first_account(cc.world)
    second = cc.run()
    assert second.changes > 0
    assert "unchanged_since" not in _stage(second, "reconcile")
    assert "unchanged_since" not in _stage(second, "report")
    html = (cc.reports / f"run-{second.run_id}" / "report.html").read_text(encoding="utf-8")
    assert f'data-report-run="{second.run_id}"' in html
    assert _files(cc.reports / f"run-{first.run_id}") != _files(cc.reports / f"run-{second.run_id}")
    assert _stage(cc.run(), "report")["unchanged_since"] == second.run_id


def test_a_new_day_builds_the_report_again_without_reconciling(
    cc: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hub.report.build as build

    config = tmp_path / "report.yaml"  # no as_of: the report is as of today
    config.write_text(f"title: Daily\nformats: [html, csv]\noutput_dir: {tmp_path / 'daily'}\n", encoding="utf-8")
    pipelines = dict(cc.config.pipelines)
    pipelines["channelco"] = pipelines["channelco"].model_copy(update={"report": str(config)})
    cc.config = cc.config.model_copy(update={"pipelines": pipelines})
    today = dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC)
    monkeypatch.setattr(build, "utcnow", lambda: today)
    first = cc.run()
    assert _stage(cc.run(), "report")["unchanged_since"] == first.run_id
    monkeypatch.setattr(build, "utcnow", lambda: today + dt.timedelta(days=1))
    next_day = cc.run()
    assert _stage(next_day, "reconcile")["unchanged_since"] == first.run_id
    assert "unchanged_since" not in _stage(next_day, "report")
    html = (tmp_path / "daily" / f"run-{next_day.run_id}" / "report.html").read_text(encoding="utf-8")
    assert 'data-as-of="2026-04-02"' in html


def test_an_acknowledged_discrepancy_builds_the_report_again(cc: Hub) -> None:
    from hub.reconcile.store.lifecycle import acknowledge

    first = cc.run()
    d = Discrepancy.__table__
    with cc.engine.begin() as conn:
        kind, key = conn.execute(select(d.c.kind, d.c.key).where(d.c.status == "open").limit(1)).one()
        assert acknowledge(conn, kind, key, "steward")
    second = cc.run()
    assert _stage(second, "reconcile")["unchanged_since"] == first.run_id
    assert "unchanged_since" not in _stage(second, "report")


def test_a_report_whose_files_are_gone_is_built_again(cc: Hub) -> None:
    first = cc.run()
    (cc.reports / f"run-{first.run_id}" / "report.xlsx").unlink()
    second = cc.run()
    assert "unchanged_since" not in _stage(second, "report")
    assert (cc.reports / f"run-{second.run_id}" / "report.xlsx").is_file()


def test_the_command_line_names_the_run_the_report_is_unchanged_since(cc: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    import hub.cli  # noqa: F401  (registers every command)
    from hub.cli.app import app

    monkeypatch.setenv("COLUMNS", "250")
    first = cc.run()
    out = CliRunner().invoke(app, ["-c", str(CONFIG), "run", "channelco"])
    assert out.exit_code == 0, out.output
    rerun = first.run_id + 1
    assert f"report: {cc.reports / f'run-{rerun}'} (unchanged since run {first.run_id})" in out.output
    assert f"unchanged since run {first.run_id}" in out.output.split("changes:")[0]  # the stage table says it too
