"""Records read from the DRP SOAP service through connector.yaml equal the rows of the DRP CSVs it was seeded from."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from connectors.soap import SoapConfig, build_connector
from hub.connector import ConnectorContext
from testkit.servers.drpsoap import start_server
from testkit.servers.drpsoap.sample import write_sample_drp
from testkit.servers.drpsoap.schema import ENTITIES

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
GENERATOR = SHARED / "bench" / "gen_channel_data.py"
DRP_YAML = REPO / "testkit" / "servers" / "drpsoap" / "connector.yaml"


def assert_same_as_csv(folder: Path) -> dict[str, int]:
    counts = {}
    with start_server(seed_dir=folder) as handle:
        cfg = yaml.safe_load(DRP_YAML.read_text(encoding="utf-8"))
        cfg.update(wsdl=handle.wsdl_url, cache="none")
        conn = build_connector(SoapConfig.model_validate(cfg), ConnectorContext(system="drp", base_dir="."))
        try:
            for name, ent in ENTITIES.items():
                records = [r for b in conn.read(name, None) for r in b.records]
                assert all(r.error is None for r in records)
                with (folder / ent.csv_file).open(encoding="gb18030", newline="") as fh:
                    rows = list(csv.DictReader(fh))
                assert [r.data for r in records] == rows, name
                counts[name] = len(rows)
        finally:
            conn.close()
    return counts


def test_sample_drp_reads_back_as_its_csv(tmp_path: Path) -> None:
    counts = assert_same_as_csv(write_sample_drp(tmp_path / "drp"))
    assert counts["customers"] == 24 and counts["sales_order_lines"] > counts["sales_orders"] > 0


def test_channelco_drp_reads_back_as_its_csv(tmp_path: Path) -> None:
    if not GENERATOR.exists():
        pytest.skip("../shared absent: ChannelCo generator not available")
    subprocess.run(
        [sys.executable, str(GENERATOR), str(tmp_path), "--seed", "7", "--customers", "150"],
        check=True,
        capture_output=True,
    )
    counts = assert_same_as_csv(tmp_path / "drp")
    assert counts["customers"] > 100 and counts["payments"] > 0
