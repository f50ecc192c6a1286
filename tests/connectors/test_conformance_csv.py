"""The CSV connector passes the shared conformance suite against a real drop folder (processed/failed archives)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conformance import StandardConnectorTests

import connectors.csv as csv_plugin
from connectors.csv.config import CsvConfig
from hub.connector import Change, Connector, ConnectorContext
from hub.errors import HubError, ParseError
from hub.plugins import _new_manager, connector_specs

HEADER = "id,name,city\n"


def _write(folder: Path, name: str, rows: list[tuple[str, str, str]], encoding: str = "utf-8") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(HEADER + "".join(",".join(r) + "\n" for r in rows), encoding=encoding)


class TestCsvConformance(StandardConnectorTests):
    readable_stream = "customers"
    writable_stream = "customers"

    @pytest.fixture
    def conformance_server(self, tmp_path: Path) -> Path:
        _write(
            tmp_path / "in",
            "customers_1.csv",
            [("C1", "华信贸易", "上海"), ("C2", "Acme", "Beijing"), ("C3", "Delta", "Wuhan")],
        )
        _write(tmp_path / "in", "customers_2.csv", [("C4", "Echo", "Xi'an")])
        return tmp_path

    def make_connector(self, server: Path, **overrides: Any) -> Connector:
        pm = _new_manager()
        pm.register(csv_plugin, name="connectors.csv")
        spec = connector_specs(pm)["csv"]  # built through the registered factory, as the hub does
        config = spec.config_model.model_validate({**self.valid_config(server), "batch_size": 2, **overrides})
        return spec.factory(config, ConnectorContext(system="drp", base_dir=str(server)))

    def config_model(self) -> type[CsvConfig]:
        return CsvConfig

    def valid_config(self, server: Path) -> dict[str, Any]:
        return {
            "path": "in",
            "processed": "done",
            "failed": "bad",
            "outbound": "out",
            "streams": {"customers": {"pattern": "customers*.csv", "key": "id"}},
        }

    def invalid_configs(self, server: Path) -> list[dict[str, Any]]:
        stream = {"pattern": "*.csv", "key": "id"}
        return [
            {"streams": {"customers": stream}},  # no path
            {"path": "in", "streams": {"customers": {"pattern": "*.csv"}}},  # no key
            {"path": "in", "encoding": "klingon-8", "streams": {"customers": stream}},
            {"path": "in", "dialect": {"delimiter": ";;"}, "streams": {"customers": stream}},
            {"path": "in", "batch_size": 0, "streams": {"customers": stream}},
            {"path": "in", "password": "x", "streams": {"customers": stream}},  # unknown setting
        ]

    def make_changes(self, server: Path) -> set[str]:
        _write(server / "in", "customers_3.csv", [("C2", "Acme Ltd", "Beijing"), ("C9", "Foxtrot", "Chengdu")])
        return {"C2", "C9"}

    def write_changes(self, server: Path) -> tuple[list[Change], set[str]]:
        return [Change("create", None, {"name": "New"}, "k1"), Change("update", "C1", {"city": "Suzhou"}, "k2")], set()

    def bad_input(self, server: Path) -> type[HubError]:
        (server / "in" / "customers_1.csv").unlink()
        (server / "in" / "customers_2.csv").unlink()
        _write(server / "in", "customers_bad.csv", [("C5", "ok", "Hefei"), ("", "no key", "Nanjing")])
        (server / "in" / "customers_gbk.csv").write_bytes(HEADER.encode() + "C6,华信,上海\n".encode("gb18030"))
        return ParseError

    def test_bad_rows_are_quarantined_with_file_and_line(self, conformance_server: Path) -> None:
        conn = self.make_connector(conformance_server)
        self.bad_input(conformance_server)
        records = [r for b in conn.read("customers", None) for r in b.records]
        errors = {r.location: r.error for r in records if r.error is not None}
        assert "in/customers_bad.csv:3" in errors and isinstance(errors["in/customers_bad.csv:3"], ParseError)
        assert any(loc.startswith("in/customers_gbk.csv") for loc in errors)
        assert [r.key for r in records if r.error is None] == ["C5"]
