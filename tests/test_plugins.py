"""Plugins: built-ins and third-party packages register through the same hooks; the core owns names and clashes."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pluggy
import pytest
import typer
from pydantic import BaseModel
from typer.testing import CliRunner

from hub import hookspecs, plugins
from hub.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "plugins.md"


def _make_distribution(site: Path, module: str, group: str, kind: str, transform: str) -> None:
    """A tiny installed distribution with a module and a real entry point in ``group``."""
    (site / f"{module}.py").write_text(
        textwrap.dedent(
            f'''
            from pydantic import BaseModel
            from hub.hookspecs import hookimpl

            class EchoConfig(BaseModel):
                greeting: str = "hi"

            @hookimpl
            def register_connectors(register):
                register("{kind}", EchoConfig, lambda cfg, ctx: ("echo", cfg.greeting), description="echoes")

            @hookimpl
            def register_transforms(register):
                register("{transform}", lambda v: str(v).upper() + "!")
            '''
        ),
        encoding="utf-8",
    )
    dist = site / f"{module}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: 1.0\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(f"[{group}]\n{kind} = {module}\n", encoding="utf-8")
    (dist / "RECORD").write_text("", encoding="utf-8")


@pytest.fixture
def pm() -> Iterator[pluggy.PluginManager]:
    """A fresh manager with the built-ins only (tests never load installed plugins)."""
    manager = plugins._new_manager()
    for name in plugins.BUILTIN_PLUGINS:
        manager.register(importlib.import_module(name), name=name)
    yield manager


class _Config(BaseModel):
    x: int = 1


def _connector_plugin(kind: str, *, override: bool = False, description: str = "fake") -> object:
    class Plugin:
        @hookspecs.hookimpl
        def register_connectors(self, register: hookspecs.RegisterConnector) -> None:
            register(kind, _Config, lambda c, x: None, description=description, override=override)  # type: ignore[arg-type,return-value]

    return Plugin()


# -- built-ins and entry points -------------------------------------------------------------------
def test_register_connectors_builtins_use_the_hook() -> None:
    specs = plugins.connector_specs()
    assert "csv" in specs and specs["csv"].plugin == "connectors.csv"
    assert {"csv", "edi", "rest", "salesforce", "soap", "tryton", "djangocrm"} <= set(specs)
    with pytest.raises(ConfigError, match="unknown connector kind 'nope'"):
        plugins.connector_spec("nope")


def test_builtins_are_listed_once_and_not_as_entry_points() -> None:
    assert len(set(plugins.BUILTIN_PLUGINS)) == len(plugins.BUILTIN_PLUGINS)
    import tomllib

    groups = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"].get("entry-points", {})
    assert not set(groups) & {plugins.ENTRY_POINT_GROUP, *plugins.LEGACY_ENTRY_POINT_GROUPS}


def test_third_party_entry_points_in_the_neutral_and_the_legacy_group(tmp_path: Path) -> None:
    _make_distribution(tmp_path, "hub_echo_plugin", "hub.plugins", "echo", "shout")
    _make_distribution(tmp_path, "hub_old_plugin", "hub.connectors", "oldecho", "whisper")
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin", "HUB_DISABLE_PLUGINS": "", "COLUMNS": "200"}
    out = subprocess.run(
        [sys.executable, "-m", "hub", "plugins"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr
    for word in ("echo", "hub_echo_plugin", "shout", "oldecho", "hub_old_plugin", "whisper", "csv"):
        assert word in out.stdout, word
    # blocked by entry-point name: gone
    env["HUB_DISABLE_PLUGINS"] = "echo"
    out = subprocess.run(
        [sys.executable, "-m", "hub", "plugins"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0 and "hub_echo_plugin" not in out.stdout and "hub_old_plugin" in out.stdout


def test_two_installed_plugins_with_one_name_stop_the_cli_with_one_line(tmp_path: Path) -> None:
    _make_distribution(tmp_path, "hub_echo_plugin", "hub.plugins", "echo", "shout")
    _make_distribution(tmp_path, "hub_twin_plugin", "hub.plugins", "echo2", "shout")
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin", "HUB_DISABLE_PLUGINS": "", "COLUMNS": "300"}
    out = subprocess.run(
        [sys.executable, "-m", "hub", "plugins"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert out.returncode == 2, out.stdout + out.stderr
    assert "transform 'shout' is registered by both plugin 'echo' and plugin 'echo2'" in out.stderr
    assert "Traceback" not in out.stderr


# -- names and clashes --------------------------------------------------------------------------
def test_a_plugin_replaces_a_builtin_only_with_override(pm: pluggy.PluginManager) -> None:
    pm.register(_connector_plugin("csv", description="silent"), name="sneaky")
    try:
        with pytest.raises(ConfigError) as info:
            plugins.connector_specs(pm)
        message = str(info.value)
        assert "connector kind 'csv'" in message and "'connectors.csv'" in message and "'sneaky'" in message
        assert "override=True" in message
    finally:
        pm.unregister(name="sneaky")
    pm.register(_connector_plugin("csv", override=True, description="override"), name="override")
    try:
        spec = plugins.connector_specs(pm)["csv"]
        assert spec.description == "override" and spec.plugin == "override"
    finally:
        pm.unregister(name="override")
    assert plugins.connector_specs(pm)["csv"].plugin == "connectors.csv"


def test_two_plugins_with_one_connector_kind_is_an_error_even_with_override(pm: pluggy.PluginManager) -> None:
    pm.register(_connector_plugin("echo"), name="first")
    pm.register(_connector_plugin("echo", override=True), name="second")
    try:
        with pytest.raises(
            ConfigError, match="connector kind 'echo' is registered by both plugin 'first' and plugin 'second'"
        ):
            plugins.connector_specs(pm)
    finally:
        pm.unregister(name="first")
        pm.unregister(name="second")


def test_two_overrides_of_one_builtin_is_an_error(pm: pluggy.PluginManager) -> None:
    pm.register(_connector_plugin("csv", override=True), name="first")
    pm.register(_connector_plugin("csv", override=True), name="second")
    try:
        with pytest.raises(ConfigError, match="'csv' is registered by both plugin 'first' and plugin 'second'"):
            plugins.connector_specs(pm)
    finally:
        pm.unregister(name="first")
        pm.unregister(name="second")


def test_one_plugin_registering_a_name_twice_is_an_error(pm: pluggy.PluginManager) -> None:
    class Twice:
        @hookspecs.hookimpl
        def register_transforms(self, register: hookspecs.RegisterTransform) -> None:
            register("twice", str)
            register("twice", repr)

    pm.register(Twice(), name="twice-plugin")
    try:
        with pytest.raises(ConfigError, match="transform 'twice' is registered twice by plugin 'twice-plugin'"):
            plugins.transforms(pm)
    finally:
        pm.unregister(name="twice-plugin")


@pytest.mark.parametrize(
    ("hook", "what", "collect"),
    [
        ("register_transforms", "transform", plugins.transforms),
        ("register_renderers", "report renderer", plugins.renderers),
    ],
)
def test_duplicate_transform_or_renderer_names_are_errors(
    pm: pluggy.PluginManager, hook: str, what: str, collect: Any
) -> None:
    def make(override: bool) -> object:
        def impl(register: Any) -> None:
            register("upper" if hook == "register_transforms" else "html", lambda *a: [], override=override)

        return type("P", (), {hook: staticmethod(hookspecs.hookimpl(impl))})()

    pm.register(make(False), name="clash")
    try:
        with pytest.raises(
            ConfigError, match=f"{what} '(upper|html)' is registered by both plugin '[a-z.]+' and plugin 'clash'"
        ):
            collect(pm)
    finally:
        pm.unregister(name="clash")
    pm.register(make(True), name="replacement")
    try:
        assert collect(pm)  # the override of a built-in is accepted
    finally:
        pm.unregister(name="replacement")


def test_register_transforms_a_plugin_adds_a_transform(pm: pluggy.PluginManager) -> None:
    class Shout:
        @hookspecs.hookimpl
        def register_transforms(self, register: hookspecs.RegisterTransform) -> None:
            register("shout", lambda v, mark: str(v).upper() + mark, arity=1)

    pm.register(Shout(), name="shout")
    try:
        func, arity = plugins.transforms(pm)["shout"]
        assert arity == 1 and func("hi", "!") == "HI!"
        assert "upper" in plugins.transforms(pm)  # the built-ins stay
    finally:
        pm.unregister(name="shout")
    assert "shout" not in plugins.transforms(pm)


# -- register_renderers: a fake renderer is used by the report stage and listed by `hub plugins` --
class FakeRenderer:
    @hookspecs.hookimpl
    def register_renderers(self, register: hookspecs.RegisterRenderer) -> None:
        def render(report: Any, out_dir: Path) -> list[Path]:
            out_dir.mkdir(parents=True, exist_ok=True)
            target = out_dir / "report.fake"
            target.write_text(f"{report.title}\n", encoding="utf-8")
            return [target]

        register("fake", render)


def test_register_renderers_fake_renderer_renders_through_the_report_stage(
    pm: pluggy.PluginManager, tmp_path: Path
) -> None:
    import datetime as dt

    from hub.report.model import Report, Scope
    from hub.report.service import render

    pm.register(FakeRenderer(), name="fake-renderer")
    try:
        available = plugins.renderers(pm)
        assert {"fake", "html", "xlsx", "csv"} <= set(available)
        report = Report("Channel report", Scope(as_of=dt.date(2026, 1, 31)), dt.datetime(2026, 1, 31, 8, 0), ())
        (written,) = render(report, tmp_path / "out", ["fake"], available)
        assert written.read_text(encoding="utf-8") == "Channel report\n"
    finally:
        pm.unregister(name="fake-renderer")
    with pytest.raises(ConfigError, match="no renderer for format\\(s\\) fake"):
        render(report, tmp_path / "out", ["fake"], plugins.renderers(pm))


def test_register_renderers_fake_renderer_is_listed_by_hub_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.cli.app import app

    monkeypatch.setenv("HUB_DISABLE_PLUGINS", "*")
    plugins.reset_plugin_manager()
    manager = plugins.get_plugin_manager()
    manager.register(FakeRenderer(), name="fake-renderer")
    try:
        result = CliRunner().invoke(app, ["plugins"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert "fake-renderer" in result.output and "register_renderers" in result.output
        assert "renderers: csv, fake, html, xlsx" in result.output
    finally:
        manager.unregister(name="fake-renderer")
        plugins.reset_plugin_manager()


# -- register_commands ----------------------------------------------------------------------------
def _app() -> typer.Typer:
    app = typer.Typer(no_args_is_help=True)

    @app.callback()
    def _root() -> None:
        """A hub-like root application."""

    @app.command("run")
    def _run() -> None:
        """A core command."""

    return app


class Greeter:
    @hookspecs.hookimpl
    def register_commands(self, app: typer.Typer) -> None:
        @app.command("greet")
        def greet(name: str = typer.Argument("world")) -> None:
            """Say hello."""
            typer.echo(f"hello {name}")


def test_register_commands_adds_a_command_that_runs(pm: pluggy.PluginManager, tmp_path: Path) -> None:
    from connectors.edi import x12

    app = _app()
    pm.register(Greeter(), name="greeter")
    try:
        plugins.install_commands(app, pm)
        plugins.install_commands(app, pm)  # once per app and plugin: no duplicate commands
        result = CliRunner().invoke(app, ["greet", "plugins"])
        assert result.exit_code == 0 and result.output == "hello plugins\n"
        # the EDI connector's commands arrive through the same hook
        w = x12.X12Writer("R1", "CHANNELCO", 3)
        w.add_set("850", "0001", [("BEG", "00", "SA", "PO1", "", "20250406")])
        (tmp_path / "f.x12").write_text(w.render())
        result = CliRunner().invoke(app, ["edi", "inspect", str(tmp_path / "f.x12")])
        assert result.exit_code == 0 and "ST 850 0001: 3 segments" in result.output
        assert sorted(plugins._names(app.registered_commands, app.registered_groups)) == ["edi", "greet", "run"]
    finally:
        pm.unregister(name="greeter")


def test_register_commands_name_clash_is_an_error_and_leaves_the_app_alone(pm: pluggy.PluginManager) -> None:
    class Impostor:
        @hookspecs.hookimpl
        def register_commands(self, app: typer.Typer) -> None:
            app.add_typer(typer.Typer(), name="edi")

    class Core:
        @hookspecs.hookimpl
        def register_commands(self, app: typer.Typer) -> None:
            app.command("run")(lambda: None)

    app = _app()
    plugins.install_commands(app, pm)
    pm.register(Impostor(), name="impostor")
    try:
        with pytest.raises(
            ConfigError, match="command 'edi' is added by both plugin 'connectors.edi' and plugin 'impostor'"
        ):
            plugins.install_commands(app, pm)
        assert sorted(plugins._names(app.registered_commands, app.registered_groups)) == ["edi", "run"]
    finally:
        pm.unregister(name="impostor")
    pm.register(Core(), name="core-clash")
    try:
        with pytest.raises(ConfigError, match="command 'run' is added by both the hub itself and plugin 'core-clash'"):
            plugins.install_commands(app, pm)
    finally:
        pm.unregister(name="core-clash")


def test_the_cli_core_never_imports_a_connector() -> None:
    for path in (ROOT / "hub" / "cli").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(n == "connectors" or n.startswith("connectors.") for n in names), (
                f"{path.name} imports {names}"
            )


# -- prepare_secrets ----------------------------------------------------------------------------
def test_prepare_secrets_first_answer_wins_over_the_builtin(pm: pluggy.PluginManager) -> None:
    class Vault:
        @hookspecs.hookimpl
        def prepare_secrets(self, system: str, kind: str, config: dict[str, Any]) -> dict[str, str] | None:
            return {"password": f"vault:{system}"} if kind == "tryton" else None

    pm.register(Vault(), name="vault")
    try:
        assert pm.hook.prepare_secrets(system="erp", kind="tryton", config={}) == {"password": "vault:erp"}
        assert pm.hook.prepare_secrets(system="erp", kind="csv", config={}) is None
    finally:
        pm.unregister(name="vault")


# -- every hook is tested and documented (datasette style) ------------------------------------------
def _hookspec_names() -> list[str]:
    tree = ast.parse((ROOT / "hub" / "hookspecs.py").read_text(encoding="utf-8"))
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                if isinstance(target, ast.Name) and target.id == "hookspec":
                    names.append(node.name)
    return names


def test_hookspecs_are_parsed_and_match_the_module() -> None:
    names = _hookspec_names()
    assert len(names) >= 5
    assert names == [n for n in names if callable(getattr(hookspecs, n))]
    for name in names:
        assert (getattr(hookspecs, name).__doc__ or "").strip(), f"hook {name} has no docstring"


def test_every_hookspec_has_a_test_and_a_docs_entry() -> None:
    tests = {p: p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py")}
    headings = [line for line in DOCS.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    for name in _hookspec_names():
        assert any(re.search(rf"def test_\w*{name}", text) for text in tests.values()), (
            f"hook {name} has no test under tests/ (name one test_<...>{name}<...>)"
        )
        assert any(f"`{name}`" in h for h in headings), f"hook {name} has no heading in docs/plugins.md"
    documented = {
        h.split("`")[1] for h in headings if h.count("`") >= 2 and h.split("`")[1].startswith(("register_", "prepare_"))
    }
    assert documented == set(_hookspec_names()), "docs/plugins.md documents hooks that do not exist"
