"""Start-up of a run: the schema check answers without Alembic when the store is current, and the
command line imports the store, console and report libraries only in the commands that use them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from hub.store.engine import make_engine
from hub.store.migrate import current_revision, head_revision, upgrade
from hub.store.revision import at_head, shipped_head

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_head_read_from_the_files_is_alembics() -> None:
    assert shipped_head() is not None
    assert shipped_head() == head_revision()


def test_at_head_only_for_a_store_at_the_newest_revision(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        assert not at_head(engine)  # an empty database has no version table
        upgrade(engine)
        assert at_head(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        assert not at_head(engine)
    finally:
        engine.dispose()


def test_open_store_upgrades_a_store_behind(tmp_path: Path, monkeypatch) -> None:
    from hub.config import load_config
    from hub.runner import open_store

    url = f"sqlite:///{tmp_path / 'hub.db'}"
    old = make_engine(url)
    upgrade(old, "0001")
    old.dispose()
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    monkeypatch.setenv("CHANNELCO_DIR", str(tmp_path))
    engine = open_store(load_config(ROOT / "examples" / "channelco" / "hub.yaml"))
    try:
        assert current_revision(engine) == head_revision() != "0001"
    finally:
        engine.dispose()


def _imported(code: str) -> set[str]:
    probe = (
        f"{code}\nimport sys\n"
        "print(' '.join(m for m in ('sqlalchemy', 'alembic', 'fastapi', 'uvicorn', 'openpyxl', 'jinja2') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


def test_the_command_line_imports_heavy_libraries_only_in_its_commands() -> None:
    assert _imported("import hub.cli") == set()


def test_a_run_does_not_load_alembic_the_console_or_the_renderers() -> None:
    loaded = _imported("import hub.cli, hub.runner, hub.pipeline.report")
    assert "sqlalchemy" in loaded
    assert not loaded & {"alembic", "fastapi", "uvicorn", "openpyxl", "jinja2"}, loaded
