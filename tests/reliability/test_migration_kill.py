"""A ``hub db upgrade`` killed at any moment leaves the old or the new schema, never a wedged store."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hub.errors import StoreError
from hub.store.engine import make_engine
from hub.store.migrate import current_revision, head_revision, upgrade

ROOT = Path(__file__).resolve().parents[2]
SEED = 20260306


def _schema(url: str) -> dict[str, Any]:
    """Tables, columns, keys and indexes, in a comparable form."""
    engine = make_engine(url)
    try:
        insp = sa.inspect(engine)
        out: dict[str, Any] = {}
        for t in sorted(insp.get_table_names()):
            out[t] = {
                "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(t)],
                "pk": insp.get_pk_constraint(t).get("constrained_columns"),
                "fks": sorted((tuple(f["constrained_columns"]), f["referred_table"]) for f in insp.get_foreign_keys(t)),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(t)
                ),
            }
        if "alembic_version" in out:
            out["@revision"] = current_revision(engine)
        return out
    finally:
        engine.dispose()


def _config(tmp: Path, url: str) -> Path:
    cfg = tmp / "hub.yaml"
    cfg.write_text(f"store:\n  url: {url}\nsystems: {{}}\n", encoding="utf-8")
    return cfg


def _hub(cfg: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "hub", "-c", str(cfg), *args],  # the hub of this work tree
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )


def _kill_after(proc: subprocess.Popen[bytes], delay: float) -> bool:
    """SIGKILL ``proc`` after ``delay`` seconds; True when it was still running then."""
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        return True
    proc.communicate()
    return False


def _upgrade_ok(cfg: Path, env: dict[str, str] | None = None) -> None:
    proc = _hub(cfg, "db", "upgrade", env=env)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, (out + err).decode(errors="replace")
    assert b"Traceback" not in err


def _clean_schema(tmp: Path, revision: str = "head") -> dict[str, Any]:
    url = f"sqlite:///{tmp / f'clean-{revision}.db'}"
    engine = make_engine(url)
    upgrade(engine, revision)
    engine.dispose()
    return _schema(url)


def _calibrate(cfg: Path, env: dict[str, str] | None = None) -> float:
    start = time.monotonic()
    _upgrade_ok(cfg, env)
    return time.monotonic() - start


def _committed(db: Path) -> bool:
    """Whether the store file already holds a committed schema revision (read without waiting on its lock)."""
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0)) as conn:
            return conn.execute("SELECT 1 FROM alembic_version").fetchone() is not None
    except sqlite3.Error:
        return False


def _migration_window(tmp: Path) -> float:
    """Seconds from the store file's appearance to its migration's commit (the span kills must aim at)."""
    db = tmp / "calibrate.db"
    proc = _hub(_config(tmp, f"sqlite:///{db}"), "db", "upgrade")
    while not db.exists() and proc.poll() is None:
        time.sleep(0.001)
    start = time.monotonic()
    while not _committed(db) and proc.poll() is None:
        time.sleep(0.001)
    took = time.monotonic() - start
    proc.communicate(timeout=120)
    return max(took, 0.005)


@pytest.mark.slow
def test_first_migration_killed_at_random_points_on_sqlite(tmp_path: Path) -> None:
    clean = _clean_schema(tmp_path)
    rng = random.Random(SEED)
    window = _migration_window(tmp_path)
    killed_mid = 0
    for point in range(20):
        work = tmp_path / f"k{point}"
        work.mkdir()
        db = work / "hub.db"
        cfg = _config(work, f"sqlite:///{db}")
        proc = _hub(cfg, "db", "upgrade")
        deadline = time.monotonic() + 60
        while not db.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
        assert db.exists(), "hub db upgrade never created the store file"
        killed = _kill_after(proc, rng.uniform(0.0, window))
        left = _schema(f"sqlite:///{db}")
        # the killed run left the old (empty) schema or the new one, nothing in between
        assert left in ({}, clean), f"kill point {point}: partial schema {sorted(left)[:5]}"
        killed_mid += killed and left != clean
        _upgrade_ok(cfg)
        assert _schema(f"sqlite:///{db}") == clean, f"kill point {point}"
    assert killed_mid >= 5, "too few kills landed inside the migration to prove anything"


@pytest.mark.slow
def test_upgrade_of_an_existing_store_killed_at_random_points_on_sqlite(tmp_path: Path) -> None:
    clean = _clean_schema(tmp_path)
    old = _clean_schema(tmp_path, "0002")
    rng = random.Random(SEED + 1)
    seed_dir = tmp_path / "calib"
    seed_dir.mkdir()
    seed_db = seed_dir / "hub.db"
    engine = make_engine(f"sqlite:///{seed_db}")
    upgrade(engine, "0002")
    engine.dispose()
    took = _calibrate(_config(seed_dir, f"sqlite:///{seed_db}"))
    for point in range(12):
        work = tmp_path / f"u{point}"
        work.mkdir()
        db = work / "hub.db"
        engine = make_engine(f"sqlite:///{db}")
        upgrade(engine, "0002")
        engine.dispose()
        cfg = _config(work, f"sqlite:///{db}")
        _kill_after(_hub(cfg, "db", "upgrade"), rng.uniform(0.5 * took, 1.05 * took))
        assert _schema(f"sqlite:///{db}") in (old, clean), f"kill point {point}: partial upgrade"
        _upgrade_ok(cfg)
        assert _schema(f"sqlite:///{db}") == clean, f"kill point {point}"


def test_store_wedged_by_an_older_hub_is_rebuilt(tmp_path: Path) -> None:
    """Tables without a revision (an older hub killed mid-way) are empty, so they are rebuilt."""
    clean = _clean_schema(tmp_path)
    url = f"sqlite:///{tmp_path / 'wedged.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE contact (id INTEGER PRIMARY KEY)"))
        conn.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
    assert upgrade(engine) == head_revision()
    engine.dispose()
    assert _schema(url) == clean


def test_tables_with_rows_but_no_revision_are_refused_not_dropped(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'odd.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE contact (id INTEGER PRIMARY KEY)"))
        conn.execute(sa.text("INSERT INTO contact VALUES (1)"))
    with pytest.raises(StoreError, match="contact"):
        upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM contact")).scalar() == 1
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.slow
def test_first_migration_killed_at_random_points_on_postgresql(tmp_path: Path, pg_database: str) -> None:
    rng = random.Random(SEED + 2)
    base = sa.create_engine(pg_database)
    schemas = [f"k_{uuid.uuid4().hex[:10]}" for _ in range(7)]
    with base.begin() as conn:
        for s in schemas:
            conn.execute(sa.text(f'CREATE SCHEMA "{s}"'))
    try:
        urls = [f"{pg_database}?options=-csearch_path%3D{s}" for s in schemas]
        cfg = _config(tmp_path, "sqlite:///unused.db")
        took = _calibrate(cfg, {"HUB_DATABASE_URL": urls[0]})
        clean = _schema(urls[0])
        for point, url in enumerate(urls[1:]):
            env = {"HUB_DATABASE_URL": url}
            _kill_after(_hub(cfg, "db", "upgrade", env=env), rng.uniform(0.5 * took, 1.05 * took))
            left = _schema(url)
            assert left in ({}, clean), f"kill point {point}: partial schema {sorted(left)[:5]}"
            _upgrade_ok(cfg, env)
            assert _schema(url) == clean, f"kill point {point}"
    finally:
        with base.begin() as conn:
            for s in schemas:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{s}" CASCADE'))
        base.dispose()
