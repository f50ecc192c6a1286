"""Plugins: built-ins and third-party packages register through the same hooks and entry points."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hub import hookspecs, plugins
from hub.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def _make_distribution(site: Path) -> None:
    """A tiny installed distribution with a module and a real ``hub.connectors`` entry point."""
    (site / "hub_echo_plugin.py").write_text(
        textwrap.dedent(
            '''
            from pydantic import BaseModel
            from hub.hookspecs import hookimpl

            class EchoConfig(BaseModel):
                greeting: str = "hi"

            @hookimpl
            def register_connectors(register):
                register("echo", EchoConfig, lambda cfg, ctx: ("echo", cfg.greeting), description="echoes")

            @hookimpl
            def register_transforms(register):
                register("shout", lambda v: str(v).upper() + "!")
            '''
        ),
        encoding="utf-8",
    )
    dist = site / "hub_echo_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: hub-echo-plugin\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[hub.connectors]\necho = hub_echo_plugin\n", encoding="utf-8")
    (dist / "RECORD").write_text("", encoding="utf-8")


def test_builtin_connectors_register_through_the_hook() -> None:
    specs = plugins.connector_specs()
    assert "csv" in specs and specs["csv"].plugin == "connectors.csv"
    with pytest.raises(ConfigError, match="unknown connector kind 'nope'"):
        plugins.connector_spec("nope")


def test_third_party_entry_point_is_listed_by_hub_plugins(tmp_path: Path) -> None:
    _make_distribution(tmp_path)
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin", "HUB_DISABLE_PLUGINS": "", "COLUMNS": "200"}
    out = subprocess.run([sys.executable, "-m", "hub", "plugins"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "echo" in out.stdout and "hub_echo_plugin" in out.stdout
    assert "shout" in out.stdout and "csv" in out.stdout
    # blocked by name: gone
    env["HUB_DISABLE_PLUGINS"] = "echo"
    out = subprocess.run([sys.executable, "-m", "hub", "plugins"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0 and "hub_echo_plugin" not in out.stdout


def test_a_plugin_can_override_a_builtin_kind() -> None:
    pm = plugins._new_manager()
    plugins.load_plugins(pm)

    class Override:
        @hookspecs.hookimpl
        def register_connectors(self, register):  # type: ignore[no-untyped-def]
            register("csv", object, lambda c, x: None, description="override")

    pm.register(Override(), name="override")
    try:
        assert plugins.connector_specs(pm)["csv"].description == "override"
    finally:
        pm.unregister(name="override")
    assert plugins.connector_specs(pm)["csv"].description != "override"


def test_every_hookspec_is_documented() -> None:
    names = [n for n in dir(hookspecs) if n.startswith(("register_", "prepare_"))]
    assert names
    for name in names:
        assert (getattr(hookspecs, name).__doc__ or "").strip(), name
