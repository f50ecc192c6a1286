"""Both connector packages register their kinds through the register_connectors hook and satisfy the protocol."""

from __future__ import annotations

import pluggy

import connectors.djangocrm
import connectors.tryton
from connectors.djangocrm.config import DjangoCrmConfig
from connectors.tryton.config import TrytonConfig
from hub import hookspecs
from hub.connector import Connector, ConnectorContext
from hub.plugins import connector_specs


def _manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("hub")
    pm.add_hookspecs(hookspecs)
    pm.register(connectors.tryton, name="connectors.tryton")
    pm.register(connectors.djangocrm, name="connectors.djangocrm")
    return pm


def test_kinds_register_with_config_models_and_factories():
    specs = connector_specs(_manager())
    assert specs["tryton"].config_model is TrytonConfig
    assert specs["djangocrm"].config_model is DjangoCrmConfig
    ctx = ConnectorContext("erp", ".", {"password": "pw", "token": "bcrm_pat_x"})
    erp = specs["tryton"].factory(TrytonConfig(url="http://127.0.0.1:9", database="db"), ctx)
    crm = specs["djangocrm"].factory(DjangoCrmConfig(url="http://127.0.0.1:9"), ctx)
    assert isinstance(erp, Connector) and isinstance(crm, Connector)
    assert {s.name for s in erp.discover()} == {
        "parties",
        "products",
        "stock",
        "sales",
        "sale_lines",
        "invoices",
        "payments",
    }
    assert {s.name for s in crm.discover() if s.writable} == {"accounts", "contacts", "opportunities", "tasks"}


def test_config_rejects_unknown_keys_and_masks_secrets():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="passwd"):
        TrytonConfig(url="http://x", database="d", passwd="oops")
    config = DjangoCrmConfig(url="http://x", token="bcrm_pat_secret")
    assert "bcrm_pat_secret" not in repr(config)


def test_unreachable_server_reports_failed_check_instead_of_raising():
    ctx = ConnectorContext("erp", ".", {"password": "pw"})
    port = __import__("socket").socket()
    port.bind(("127.0.0.1", 0))
    free = port.getsockname()[1]
    port.close()
    checks = (
        connector_specs(_manager())["tryton"]
        .factory(TrytonConfig(url=f"http://127.0.0.1:{free}", database="db", timeout=2), ctx)
        .check()
    )
    assert checks[0].name == "login" and not checks[0].ok and "connect" in checks[0].detail.lower()
