"""The django-crm connector passes the shared conformance suite: against a fake django-crm API injected as
the client's HTTP session (always), and against the real django-crm when it is built (slow)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fake_djangocrm
import pytest
from conformance import ConnectorConformance, StandardConnectorTests
from fake_djangocrm import TOKEN, FakeDjangoCrm

from connectors.djangocrm.client import DjangoCrmClient
from connectors.djangocrm.config import DjangoCrmConfig
from connectors.djangocrm.connector import DjangoCrmConnector
from hub.connector import Change, Connector, ConnectorContext
from hub.errors import AuthError

URL = "http://crm.invalid:8000"


def _invalid(url: str) -> list[dict[str, Any]]:
    return [
        {"token": "x"},  # no url
        {"url": url, "page_size": 0},
        {"url": url, "page_size": 5000},
        {"url": url, "timeout": -1},
        {"url": url, "password": "x"},  # unknown setting
    ]


class TestDjangoCrmConformance(ConnectorConformance):
    readable_stream = "contacts"
    writable_stream = "contacts"

    @pytest.fixture
    def conformance_server(self) -> FakeDjangoCrm:
        server = FakeDjangoCrm()
        server.ids = fake_djangocrm.seed(server)  # type: ignore[attr-defined]
        return server

    def make_connector(self, server: FakeDjangoCrm, **overrides: Any) -> Connector:
        config = DjangoCrmConfig.model_validate({**self.valid_config(server), "page_size": 2, **overrides})
        client = DjangoCrmClient(config.url, TOKEN, http=server, system="crm")
        return DjangoCrmConnector(config, ConnectorContext("crm", ".", {"token": TOKEN}), client=client)

    def config_model(self) -> type[DjangoCrmConfig]:
        return DjangoCrmConfig

    def valid_config(self, server: FakeDjangoCrm) -> dict[str, Any]:
        return {"url": URL}

    def invalid_configs(self, server: FakeDjangoCrm) -> list[dict[str, Any]]:
        return _invalid(URL)

    def make_changes(self, server: FakeDjangoCrm) -> set[str]:
        ids = server.ids  # type: ignore[attr-defined]
        server.touch_contact(ids[1], title="Head of Purchasing")
        server.touch_contact(ids[4], phone="+86 21 5555 0104")
        return {ids[1], ids[4]}

    def write_changes(self, server: FakeDjangoCrm) -> tuple[list[Change], set[str]]:
        return [
            Change(
                "create", None, {"first_name": "Wei", "last_name": "Zhao", "email": "wei.zhao@ceshi.example.cn"}, "k1"
            ),
            Change("create", None, {"first_name": "Nameless"}, "k2"),  # a contact needs a last name
            Change("update", "00000000-0000-4000-8000-000000000000", {"title": "x"}, "k3"),  # 404
            Change("update", server.ids[0], {"title": "Buyer"}, "k4"),  # type: ignore[attr-defined]
        ], {"k2", "k3"}

    def fault(self, server: FakeDjangoCrm, status: int) -> None:
        server.fault_status = status

    def test_token_is_never_in_errors(self, conformance_server: FakeDjangoCrm) -> None:
        config = DjangoCrmConfig(url=URL)
        conn = DjangoCrmConnector(
            config, ConnectorContext("crm", "."), client=DjangoCrmClient(URL, "bcrm_pat_wrong", http=conformance_server)
        )
        with pytest.raises(AuthError) as info:
            list(conn.read("contacts", None))
        assert "bcrm_pat_wrong" not in str(info.value) and "bcrm_pat_wrong" not in repr(conn.client)


@pytest.mark.slow
@pytest.mark.timeout(600)
class TestDjangoCrmLiveConformance(StandardConnectorTests):
    """The same suite against a real django-crm 1.35 seeded with the ChannelCo slice (skips when not built)."""

    readable_stream = "contacts"
    writable_stream = "contacts"

    @pytest.fixture
    def conformance_server(self, tmp_path: Path) -> Any:
        from realsys_servers import running

        with running("djangocrm", tmp_path / "djangocrm") as info:
            yield info

    def make_connector(self, server: Any, **overrides: Any) -> Connector:
        token = overrides.pop("token", server.credentials["token"])
        config = DjangoCrmConfig.model_validate({**self.valid_config(server), "page_size": 25, **overrides})
        return DjangoCrmConnector(config, ConnectorContext("crm", ".", {"token": token}))

    def config_model(self) -> type[DjangoCrmConfig]:
        return DjangoCrmConfig

    def valid_config(self, server: Any) -> dict[str, Any]:
        return {"url": server.url}

    def invalid_configs(self, server: Any) -> list[dict[str, Any]]:
        return _invalid(server.url)

    def make_changes(self, server: Any) -> set[str]:
        import time

        client = DjangoCrmClient(server.url, server.credentials["token"])
        try:
            body, _ = client.get("/api/contacts/", {"limit": 2, "offset": 0})
            ids = [r["id"] for r in body["results"]]
            time.sleep(1.1)  # the cursor is capped at the server's Date header (whole seconds)
            for contact_id in ids:
                client.patch(f"/api/contacts/{contact_id}/", {"title": "Changed by conformance"})
            time.sleep(1.1)
        finally:
            client.close()
        return set(ids)

    def write_changes(self, server: Any) -> tuple[list[Change], set[str]]:
        return [
            Change(
                "create", None, {"first_name": "Wei", "last_name": "Zhao", "email": "wei.zhao@conf.example.cn"}, "k1"
            ),
            Change("update", "00000000-0000-4000-8000-000000000000", {"title": "x"}, "k2"),
        ], {"k2"}

    def test_bad_input_gives_typed_error(self, conformance_server: Any) -> None:
        """On a real server the bad input we can cause is a wrong token: an AuthError, never a traceback."""
        conn = self.make_connector(conformance_server, token="bcrm_pat_not-a-real-token")
        with pytest.raises(AuthError):
            list(conn.read(self.readable_stream, None))
