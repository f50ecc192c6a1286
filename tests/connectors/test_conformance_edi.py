"""The EDI connector passes the shared conformance suite against a real X12 drop folder (997s written, files archived)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conformance import StandardConnectorTests

import connectors.edi as edi_plugin
from connectors.edi import transactions
from connectors.edi.config import EdiConfig
from hub.connector import Change, Connector, ConnectorContext
from hub.errors import EdiError, HubError
from hub.plugins import _new_manager, connector_specs

WHEN = datetime(2025, 4, 6, 17, 26)
LINES = [{"line_no": 1, "sku": "S1", "quantity": "2", "unit_price": "3.50"}]


def _850(control: int, po: str) -> str:
    order = {"order_number": po, "order_date": "2025-04-06", "party_ref": "M1", "amount": "7.00", "currency": "CNY"}
    return transactions.render_outbound(
        "850", [(order, LINES)], sender="R1", receiver="CHANNELCO", control=control, when=WHEN
    )


class TestEdiConformance(StandardConnectorTests):
    readable_stream = "850"
    writable_stream = "850"

    @pytest.fixture
    def conformance_server(self, tmp_path: Path) -> Path:
        folder = tmp_path / "in" / "850"
        folder.mkdir(parents=True)
        (folder / "850_1.x12").write_text(_850(1, "PO1"))
        (folder / "850_2.x12").write_text(_850(2, "PO2"))
        return tmp_path

    def make_connector(self, server: Path, **overrides: Any) -> Connector:
        pm = _new_manager()
        pm.register(edi_plugin, name="connectors.edi")
        spec = connector_specs(pm)["edi"]
        config = spec.config_model.model_validate({**self.valid_config(server), "batch_size": 2, **overrides})
        return spec.factory(config, ConnectorContext(system="partners", base_dir=str(server)))

    def config_model(self) -> type[EdiConfig]:
        return EdiConfig

    def valid_config(self, server: Path) -> dict[str, Any]:
        return {
            "inbound": "in",
            "outbound": "out",
            "processed": "done",
            "failed": "bad",
            "sender_id": "CHANNELCO",
            "receiver_id": "R1",
        }

    def invalid_configs(self, server: Path) -> list[dict[str, Any]]:
        return [
            {"outbound": "out"},  # no inbound
            {"inbound": "in", "standard": "tradacoms"},
            {"inbound": "in", "sender_id": "X" * 16},  # interchange ids are 1-15 characters
            {"inbound": "in", "batch_size": 0},
            {"inbound": "in", "password": "x"},  # unknown setting
        ]

    def make_changes(self, server: Path) -> set[str]:
        (server / "in" / "850" / "850_3.x12").write_text(_850(3, "PO3"))
        return {"PO3", "PO3|1"}  # the order and its line

    def write_changes(self, server: Path) -> tuple[list[Change], set[str]]:
        order = {"order_number": "PO9", "order_date": "2025-04-07", "party_ref": "M1", "lines": LINES}
        return [
            Change("create", None, order, "k1"),
            Change("create", None, {"order_date": "2025-04-07", "lines": LINES}, "k2"),
        ], {"k2"}

    def bad_input(self, server: Path) -> type[HubError]:
        (server / "in" / "850" / "850_9.x12").write_text("this is not an interchange")
        (server / "in" / "850" / "850_8.x12").write_text(_850(8, "PO8").replace("SE*8*0001", "SE*9*0001"))
        return EdiError

    def test_acknowledgments_are_written_once_and_files_archived_on_commit(self, conformance_server: Path) -> None:
        from conformance import commit, read_all

        conn = self.make_connector(conformance_server)
        _, batches = read_all(conn, "850", None)
        assert sorted(p.name for p in (conformance_server / "out").iterdir()) == [
            "997_R1_000000001_1_1.x12",
            "997_R1_000000002_1_2.x12",
        ]
        assert sorted(p.name for p in (conformance_server / "in" / "850").iterdir()) == [
            "850_1.x12",
            "850_2.x12",
        ]  # not before commit
        commit(batches)
        assert sorted(p.name for p in (conformance_server / "done").iterdir()) == ["850_1.x12", "850_2.x12"]
