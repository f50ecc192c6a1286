"""``hub validate`` and ``hub check`` from the command line: exit codes, one problem per line, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app

ROOT = Path(__file__).resolve().parents[2]


def hub(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in output, output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, output


def test_validate_ok_prints_counts(world) -> None:
    code, out = hub("-c", str(world.config), "validate")
    assert code == 0, out
    assert "ok: " in out and "2 system(s), 1 pipeline(s), 3 mapping(s)" in out


def test_validate_lists_every_problem_and_exits_2(world) -> None:
    world.edit("crm.yaml", "stream: Contact", "stream: Contacts")
    world.edit(
        "hub.yaml",
        "connector: csv\n    config:\n      path: " + str(world.root / "drp"),
        "connector: csvv\n    config:\n      path: " + str(world.root / "drp"),
    )
    code, out = hub("-c", str(world.config), "validate")
    assert code == 2, out
    lines = out.strip().splitlines()
    assert len(lines) == 3 and lines[-1].startswith("2 problem(s)"), out
    assert lines[0].startswith(world.where("hub.yaml", "connector: csvv") + ": ")
    assert lines[1].startswith(world.where("crm.yaml", "stream: Contacts") + ": ")


def test_validate_sources_and_pipeline_options(world) -> None:
    world.edit("drp.yaml", "phone: 电话", "phone: 电话x")
    assert hub("-c", str(world.config), "validate", "--pipeline", "p")[0] == 0
    code, out = hub("-c", str(world.config), "validate", "--sources", "--pipeline", "p")
    assert code == 2 and "'电话x'" in out
    code, out = hub("-c", str(world.config), "validate", "--pipeline", "nope")
    assert code == 2 and "no pipeline 'nope'" in out


def test_validate_a_config_that_does_not_load(world) -> None:
    world.edit("hub.yaml", "version: 1", "version: 1\nsystemz: {}")
    code, out = hub("-c", str(world.config), "validate")
    assert code == 2 and out.startswith(f"{world.config}:2: ")


def test_check_reports_an_unreachable_store(world) -> None:
    world.edit("hub.yaml", f"url: sqlite:///{world.root}/store/hub.db", "url: postgresql://hub:pw-123@127.0.0.1:1/x")
    code, out = hub("-c", str(world.config), "check")
    assert code == 1, out
    assert "store" in out and "connect" in out and "no" in out
    assert "127.0.0.1:1" in out.replace("\n", "") or "127.0.0.1" in out
    assert "pw-123" not in out


def test_check_reports_an_unknown_store_driver(world) -> None:
    world.edit("hub.yaml", f"url: sqlite:///{world.root}/store/hub.db", "url: postgress://127.0.0.1/x")
    code, out = hub("-c", str(world.config), "check")
    assert code == 1 and "postgress" in out


def test_check_with_a_reachable_store(world) -> None:
    code, out = hub("-c", str(world.config), "check")
    assert code == 0, out
    assert "no file yet" in out  # checking creates nothing
    assert not (world.root / "store" / "hub.db").exists()
    from hub.store.engine import make_engine
    from hub.store.migrate import upgrade

    engine = make_engine(f"sqlite:///{world.root}/store/hub.db")
    upgrade(engine)
    engine.dispose()
    code, out = hub("-c", str(world.config), "check")
    assert code == 0 and "at head" in out


def test_the_shipped_examples_validate_clean(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    world = tmp_path / "world"  # a copy: reading a drop folder must never touch the project's fixtures
    shutil.copytree(ROOT / "tests" / "fixtures" / "channelco_demo", world)
    monkeypatch.setenv("CHANNELCO_DIR", str(world))
    code, out = hub("-c", str(ROOT / "examples" / "channelco" / "hub.yaml"), "validate", "--sources")
    assert code == 0, out
    assert not (world / "edi-acks").exists(), "validate --sources wrote acknowledgements"
    for name, value in {
        "TRYTON_URL": "http://127.0.0.1:9",
        "DJANGOCRM_URL": "http://127.0.0.1:9",
        "TRYTON_PASSWORD": "x",
        "DJANGOCRM_TOKEN": "y",
    }.items():
        monkeypatch.setenv(name, value)
    code, out = hub("-c", str(ROOT / "examples" / "realsys" / "hub.yaml"), "validate")
    assert code == 0, out


def test_the_command_line_itself(world) -> None:
    world.edit("crm.yaml", "stream: Contact", "stream: Contacts")
    env = {k: v for k, v in os.environ.items() if k != "HUB_DATABASE_URL"}
    proc = subprocess.run(
        [sys.executable, "-m", "hub", "-c", str(world.config), "validate"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout.startswith(world.where("crm.yaml", "stream: Contacts") + ": ")
