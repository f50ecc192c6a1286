"""Connections -> connector secrets, without a database (Connections given through the environment)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers.channelco import ROOT


def test_each_conn_type_yields_the_secrets_its_connector_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.airflow.hooks import HOOKS, HubSalesforceHook, conn_id_for

    monkeypatch.setenv(
        "AIRFLOW_CONN_HUB_CRM",
        json.dumps(
            {
                "conn_type": "hub_salesforce",
                "login": "int@example.com",
                "password": "pw-123456",
                "extra": {"security_token": "tok-123456", "client_secret": "cs-123456", "empty": "", "flag": True},
            }
        ),
    )
    hook = HubSalesforceHook(conn_id_for("crm"))
    assert hook.get_conn() == {
        "username": "int@example.com",
        "password": "pw-123456",
        "security_token": "tok-123456",
        "client_secret": "cs-123456",
    }
    assert "pw-123456" not in repr(hook)
    assert {h.conn_type for h in HOOKS} == {"hub_salesforce", "hub_rest", "hub_soap", "hub_sftp"}
    assert all(h.get_ui_field_behaviour()["relabeling"] == {"login": "Username"} for h in HOOKS)


def test_the_plugin_feeds_resolve_secrets_and_falls_back_to_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import hub.airflow.plugin as plugin
    from hub.config import load_config
    from hub.pipeline.connect import resolve_secrets
    from hub.plugins import get_plugin_manager

    cfg = tmp_path / "hub.yaml"
    cfg.write_text(
        "systems:\n  shop: {connector: csv, secrets: {token: SHOP_TOKEN, password: SHOP_PW}, config: {path: x, streams: {}}}\n"
        "  erp: {connector: csv, secrets: {password: ERP_PW}, config: {path: x, streams: {}}}\n",
        encoding="utf-8",
    )
    config = load_config(cfg)
    monkeypatch.setenv(
        "AIRFLOW_CONN_HUB_SHOP", json.dumps({"conn_type": "hub_rest", "extra": {"token": "from-airflow"}})
    )
    monkeypatch.setenv("SHOP_PW", "pw-from-env")
    monkeypatch.setenv("ERP_PW", "erp-from-env")
    pm = get_plugin_manager()
    registered = pm.get_plugin("hub.airflow.plugin") is None and not pm.is_registered(plugin)
    if registered:
        pm.register(plugin, name="hub.airflow.plugin")
    try:
        assert resolve_secrets(config, "shop") == {"token": "from-airflow", "password": "pw-from-env"}
        assert resolve_secrets(config, "erp") == {"password": "erp-from-env"}  # no Connection hub_erp: env only
    finally:
        if registered:
            pm.unregister(name="hub.airflow.plugin")


def test_importing_the_hub_and_its_plugin_does_not_import_airflow() -> None:
    code = (
        "import sys, hub.airflow.plugin, hub.airflow, hub.runner\n"
        "assert hub.airflow.plugin.prepare_secrets(system='crm', kind='csv', config={}) is None\n"
        "print(sorted(m for m in sys.modules if m == 'airflow' or m.startswith('airflow.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_pools_one_per_source_system_with_one_slot_when_rate_limited(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "hub.yaml"
    cfg.write_text(
        "systems:\n  crm: {connector: csv, rate_limit: 5, config: {}}\n  drp: {connector: csv, config: {}}\n"
        "  unused: {connector: csv, config: {}}\n"
        "pipelines:\n  p: {sources: [crm, drp]}\n",
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, "-m", "hub.airflow.pools", str(cfg)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.returncode == 0, out.stderr
    pools = json.loads(out.stdout)
    assert {k: v["slots"] for k, v in pools.items()} == {"hub_crm": 1, "hub_drp": 4}
    assert all(set(v) == {"slots", "description", "include_deferred"} for v in pools.values())
