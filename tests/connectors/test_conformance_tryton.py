"""The Tryton connector passes the shared conformance suite: against a fake trytond JSON-RPC endpoint
injected as the client's HTTP session (always), and against the real trytond when it is built (slow)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fake_tryton
import pytest
from conformance import ConnectorConformance, StandardConnectorTests
from fake_tryton import DATABASE, PASSWORD, FakeTryton

from connectors.tryton.client import TrytonClient
from connectors.tryton.config import TrytonConfig
from connectors.tryton.connector import TrytonConnector
from hub.connector import Change, Connector, ConnectorContext
from hub.errors import AuthError

URL = "http://tryton.invalid:8000"


def _invalid(url: str) -> list[dict[str, Any]]:
    return [
        {"database": DATABASE},  # no url
        {"url": url},  # no database
        {"url": url, "database": DATABASE, "batch_size": 0},
        {"url": url, "database": DATABASE, "timeout": 0},
        {"url": url, "database": DATABASE, "api_key": "x"},  # unknown setting
    ]


class TestTrytonConformance(ConnectorConformance):
    readable_stream = "parties"
    writable_stream = "parties"

    @pytest.fixture
    def conformance_server(self) -> FakeTryton:
        server = FakeTryton()
        server.ids = fake_tryton.seed(server)  # type: ignore[attr-defined]
        return server

    def make_connector(self, server: FakeTryton, **overrides: Any) -> Connector:
        config = TrytonConfig.model_validate({**self.valid_config(server), "batch_size": 3, **overrides})
        client = TrytonClient(config.url, config.database, config.username, PASSWORD, http=server, system="erp")
        return TrytonConnector(config, ConnectorContext("erp", ".", {"password": PASSWORD}), client=client)

    def config_model(self) -> type[TrytonConfig]:
        return TrytonConfig

    def valid_config(self, server: FakeTryton) -> dict[str, Any]:
        return {"url": URL, "database": DATABASE, "username": "admin"}

    def invalid_configs(self, server: FakeTryton) -> list[dict[str, Any]]:
        return _invalid(URL)

    def make_changes(self, server: FakeTryton) -> set[str]:
        ids = server.ids  # type: ignore[attr-defined]
        server.touch("party.party", ids["C000102"], name="北京德泰商贸有限公司")
        server.touch("party.party", ids["C000104"], phone="029-8888-0004")
        return {str(ids["C000102"]), str(ids["C000104"])}

    def write_changes(self, server: FakeTryton) -> tuple[list[Change], set[str]]:
        return [
            Change("create", None, {"name": "杭州测试贸易", "code": "C000199"}, "k1"),
            Change("update", "99999", {"name": "nobody"}, "k2"),  # no such party
            Change("create", None, {"name": "Duplicate", "code": "C000101"}, "k3"),  # Tryton refuses the code
            Change("update", str(server.ids["C000103"]), {"name": "Wuhan Delta"}, "k4"),  # type: ignore[attr-defined]
        ], {"k2", "k3"}

    def fault(self, server: FakeTryton, status: int) -> None:
        server.fault_status = status

    def test_session_header_and_context_travel_on_every_call(self, conformance_server: FakeTryton) -> None:
        conn = self.make_connector(conformance_server)
        try:
            records = [r for b in conn.read("parties", None) for r in b.records]
        finally:
            conn.close()
        assert conformance_server.calls[:2] == ["common.db.login", "model.res.user.get_preferences"]
        assert conformance_server.calls[-1] == "common.db.logout"
        first = next(r.data for r in records if r.data["code"] == "C000101")
        assert first["tax_id_type"] == "cn_vat" and first["city"] == "上海" and first["country"] == "CN"


@pytest.mark.slow
@pytest.mark.timeout(600)
class TestTrytonLiveConformance(StandardConnectorTests):
    """The same suite against a real trytond 8.2 seeded with the ChannelCo slice (skips when not built)."""

    readable_stream = "parties"
    writable_stream = "parties"

    @pytest.fixture
    def conformance_server(self, tmp_path: Path) -> Any:
        from realsys_servers import running

        with running("tryton", tmp_path / "tryton") as info:
            yield info

    def make_connector(self, server: Any, **overrides: Any) -> Connector:
        creds = server.credentials
        config = TrytonConfig.model_validate({**self.valid_config(server), "batch_size": 7, **overrides})
        return TrytonConnector(
            config, ConnectorContext("erp", ".", {"password": overrides.get("password", creds["password"])})
        )

    def config_model(self) -> type[TrytonConfig]:
        return TrytonConfig

    def valid_config(self, server: Any) -> dict[str, Any]:
        return {
            "url": server.url,
            "database": server.credentials["database"],
            "username": server.credentials["username"],
        }

    def invalid_configs(self, server: Any) -> list[dict[str, Any]]:
        return _invalid(server.url)

    def make_changes(self, server: Any) -> set[str]:
        creds = server.credentials
        client = TrytonClient(server.url, creds["database"], creds["username"], creds["password"])
        try:
            rows = client.search_read("party.party", [("code", "like", "C%")], ["code"], limit=2, order=[("id", "ASC")])
            for r in rows:
                client.write("party.party", [r["id"]], {"name": f"{r['code']} renamed by conformance"})
        finally:
            client.close()
        return {str(r["id"]) for r in rows}

    def write_changes(self, server: Any) -> tuple[list[Change], set[str]]:
        return [
            Change("create", None, {"name": "Conformance Trading", "code": "CONF001"}, "k1"),
            Change("update", "999999", {"name": "nobody"}, "k2"),
        ], {"k2"}

    def test_bad_input_gives_typed_error(self, conformance_server: Any) -> None:
        """On a real server the bad input we can cause is a wrong password: an AuthError, never a traceback."""
        conn = self.make_connector(conformance_server, password="not-the-password")
        with pytest.raises(AuthError):
            list(conn.read(self.readable_stream, None))
