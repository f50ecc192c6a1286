"""``hub db vacuum``: free space reclaimed and statistics refreshed on SQLite and PostgreSQL, data
intact, never beside a pipeline run, and a clear refusal when the disk is too full."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

import hub.store.vacuum as vacuum_module
from hub.cli.app import app
from hub.store.bulk import upsert
from hub.store.engine import make_engine
from hub.store.migrate import upgrade
from hub.store.models import MODELS
from hub.store.vacuum import store_size
from tests.store.test_store import _party

KEPT = 400
HOLD_LOCK = """
import sys, time
from hub.store.engine import make_engine
from hub.pipeline.runlock import run_lock
with run_lock(make_engine(sys.argv[1]), sys.argv[2]):
    print("held", flush=True)
    time.sleep(120)
"""
TRY_LOCK = """
import sys
from hub.errors import RunInProgressError
from hub.store.engine import make_engine
from hub.pipeline.runlock import run_lock
try:
    with run_lock(make_engine(sys.argv[1]), sys.argv[2]):
        print("acquired")
except RunInProgressError as exc:
    print("busy:", exc)
"""


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "hub.yaml"
    path.write_text(
        f"store:\n  url: '{url}'\n"
        f"systems:\n  crm: {{connector: csv, config: {{path: '{tmp_path}', streams: {{}}}}}}\n"
        "pipelines:\n  p: {sources: [crm]}\n",
        encoding="utf-8",
    )
    return path


def _filled_store(url: str) -> Engine:
    """A store with 4,000 wide party rows of which all but the first ``KEPT`` are deleted again."""
    engine = make_engine(url)
    upgrade(engine)
    table = MODELS["party"].__table__
    with engine.begin() as conn:
        upsert(
            conn,
            table,
            [_party(f"C{i:05d}", f"{i}.10", name="华信贸易" * 60 + str(i)) for i in range(4000)],
            key=("system", "external_id"),
        )
    with engine.begin() as conn:
        conn.execute(table.delete().where(table.c.external_id >= f"C{KEPT:05d}"))
    return engine


def _rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(text("SELECT external_id, name, credit_limit FROM party ORDER BY external_id"))
        ]


def _vacuum(config: Path, *args: str) -> Any:
    return CliRunner().invoke(app, ["-c", str(config), "db", "vacuum", *args])


@pytest.mark.parametrize("full", [False, True], ids=["plain", "full"])
def test_vacuum_reclaims_space_refreshes_statistics_and_keeps_the_data(
    store_url: str, tmp_path: Path, full: bool
) -> None:
    engine = _filled_store(store_url)
    rows = _rows(engine)
    assert len(rows) == KEPT
    before = store_size(engine)
    pg = engine.dialect.name == "postgresql"

    result = _vacuum(_config(tmp_path, store_url), *(["--full"] if full else []))

    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "store vacuum" in result.output and "reclaimed" in result.output and "done in" in result.output
    after = store_size(engine)
    assert _rows(engine) == rows
    if pg:
        with engine.connect() as conn:
            reltuples = conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass('party')")).scalar()
            analysed = conn.execute(
                text(
                    "SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
                    "AND relkind = 'r' AND reltuples < 0"
                )
            ).scalar()
        assert reltuples == KEPT  # the planner's row count is the table's, not the 4,000 loaded
        assert analysed == 0  # every table of the schema has been vacuumed/analysed
        assert "tables vacuumed and analysed" in result.output
        assert ("returns it to the operating system" in " ".join(result.output.split())) is not full
        if full:
            assert "VACUUM FULL locks each table" in result.output
            assert after < before
    else:
        assert after < before / 2
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA freelist_count").scalar() == 0
            assert conn.exec_driver_sql("PRAGMA quick_check").scalar() == "ok"
        again = vacuum_module.vacuum(engine)  # the write-ahead log is emptied too
        assert again.wal_after == 0 and again.after <= after
    engine.dispose()


def test_vacuum_refuses_while_a_run_holds_the_lock_and_holds_it_itself(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _filled_store(store_url)
    config = _config(tmp_path, store_url)
    size = store_size(engine)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, store_url, "p"], stdout=subprocess.PIPE, text=True, cwd=Path.cwd()
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = _vacuum(config)
        assert result.exit_code == 4, result.output
        assert "RunInProgressError" in result.output and "p is locked since" in result.output
        assert "which is not a run" in result.output and "run ?" not in result.output
        assert "Traceback" not in result.output
        assert "vacuuming" not in result.output
    finally:
        holder.kill()
        holder.wait()
    assert store_size(engine) >= size  # nothing was vacuumed

    # while the vacuum runs it holds the pipeline's run lock: a run starting then is refused
    seen: list[str] = []
    real = vacuum_module.vacuum

    def vacuum_trying_a_run(eng: Engine, full: bool = False) -> Any:
        out = subprocess.run(
            [sys.executable, "-c", TRY_LOCK, store_url, "p"], capture_output=True, text=True, timeout=120
        )
        seen.append(out.stdout + out.stderr)
        return real(eng, full=full)

    monkeypatch.setattr(vacuum_module, "vacuum", vacuum_trying_a_run)
    result = _vacuum(config)
    assert result.exit_code == 0, result.output
    assert len(seen) == 1 and seen[0].startswith("busy:"), seen
    assert "p is locked since" in seen[0] and "not a run (hub db vacuum" in seen[0] and "run ?" not in seen[0], seen
    with engine.connect() as conn:  # and the lock is free again afterwards
        assert conn.execute(text("SELECT count(*) FROM run_lock")).scalar() == 0
    engine.dispose()


def test_vacuum_refuses_when_free_disk_space_is_short(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    engine = _filled_store(url)
    size = (tmp_path / "hub.db").stat().st_size
    monkeypatch.setattr(vacuum_module, "free_bytes", lambda path: size // 2)

    result = _vacuum(_config(tmp_path, url))

    assert result.exit_code == 2, result.output
    assert "not enough free disk space to vacuum the store" in result.output
    assert "MB free in" in result.output
    assert "Traceback" not in result.output
    assert (tmp_path / "hub.db").stat().st_size == size  # untouched
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM run_lock")).scalar() == 0  # the lock was let go
    engine.dispose()


def test_free_space_needs_twice_the_size_when_the_temporary_folder_shares_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    engine = _filled_store(url)
    size = (tmp_path / "hub.db").stat().st_size
    monkeypatch.setenv("SQLITE_TMPDIR", str(tmp_path))
    monkeypatch.setattr(vacuum_module, "free_bytes", lambda path: size + 1)
    with pytest.raises(vacuum_module.HubError, match="needs"):
        vacuum_module.check_free_space(engine)
    monkeypatch.setattr(vacuum_module, "free_bytes", lambda path: 2 * size)
    vacuum_module.check_free_space(engine)
    engine.dispose()
