"""The hub config file: every problem at once with file:line, ${ENV} interpolation, secrets masked."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import load_config, mask_secrets
from hub.errors import ConfigError
from hub.pipeline.connect import build_connector


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "hub.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
systems:
  crm:
    connector: csv
    colour: blue
pipelines:
  p:
    sources: [crm]
    retries: many
""",
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    text = str(err.value)
    assert f"{path}:4: systems.crm.colour" in text
    assert f"{path}:8: pipelines.p.retries" in text


def test_env_interpolation_defaults_and_unset_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_T_DIR", str(tmp_path))
    monkeypatch.delenv("HUB_T_MISSING", raising=False)
    ok = _write(
        tmp_path,
        "systems:\n  s:\n    connector: csv\n    config: {path: '${HUB_T_DIR}', encoding: '${HUB_T_ENC:-gb18030}', streams: {}}\n",
    )
    cfg = load_config(ok)
    assert cfg.systems["s"].config == {"path": str(tmp_path), "encoding": "gb18030", "streams": {}}
    bad = _write(tmp_path, "systems:\n  s:\n    connector: csv\n    config:\n      path: ${HUB_T_MISSING}\n")
    with pytest.raises(ConfigError, match=r"hub.yaml:5: environment variable HUB_T_MISSING is not set"):
        load_config(bad)


def test_unknown_system_in_pipeline_and_bad_connector_settings(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="reads unknown system 'erp'"):
        load_config(_write(tmp_path, "systems:\n  crm: {connector: csv}\npipelines:\n  p: {sources: [erp]}\n"))
    cfg = load_config(_write(tmp_path, "systems:\n  crm: {connector: csv, config: {encoding: klingon}}\n"))
    with pytest.raises(ConfigError) as err:
        build_connector(cfg, "crm")
    assert f"{cfg.path}:2: systems.crm.config: missing key 'path'" in str(err.value)
    assert f"{cfg.path}:2: systems.crm.config: missing key 'streams'" in str(err.value)


def test_secrets_come_from_the_environment_and_are_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = load_config(
        _write(
            tmp_path,
            "systems:\n  crm:\n    connector: csv\n    secrets: {password: HUB_T_PW}\n    config: {path: ., streams: {}}\n",
        )
    )
    monkeypatch.delenv("HUB_T_PW", raising=False)
    with pytest.raises(ConfigError, match="password \\(environment variable HUB_T_PW\\)"):
        build_connector(cfg, "crm")
    assert mask_secrets({"user": "u", "password": "s3cret", "nested": {"api_key": "k"}}) == {
        "user": "u",
        "password": "***",
        "nested": {"api_key": "***"},
    }
