"""A small ChannelCo scenario: its 846/850/820 files read through the connector into the expected records."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.edi.config import EdiConfig
from connectors.edi.streams import EdiConnector
from hub.connector import ConnectorContext

GENERATOR = Path(__file__).resolve().parents[2].parent / "shared" / "bench" / "gen_channel_data.py"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not GENERATOR.exists():
        pytest.skip("../shared absent: the ChannelCo generator is only available in the development workspace")
    out = tmp_path_factory.mktemp("channelco")
    subprocess.run(
        [sys.executable, str(GENERATOR), str(out), "--seed", "3", "--customers", "150"], check=True, capture_output=True
    )
    return out


def _records(scenario: Path, stream: str) -> list:
    conn = EdiConnector(
        EdiConfig(inbound=str(scenario / "edi"), outbound=str(scenario / "acks")),
        ConnectorContext(system="edi", base_dir=str(scenario)),
    )
    return [r for b in conn.read(stream, None) for r in b.records]


def _drp(scenario: Path, name: str) -> list[dict[str, str]]:
    with (scenario / "drp" / name).open(encoding="gb18030", newline="") as fh:
        return list(csv.DictReader(fh))


def test_846_inventory(scenario: Path) -> None:
    recs = _records(scenario, "846")
    assert recs and all(r.error is None for r in recs)
    files = list((scenario / "edi" / "846").iterdir())
    assert {r.location.split("#")[0] for r in recs} == {f"846/{f.name}" for f in files}
    customers = {row["客户编码"] for row in _drp(scenario, "customers.csv")}
    skus = {row["物料编码"] for row in _drp(scenario, "products.csv")}
    for r in recs:
        d = r.data
        assert d["_entity"] == "inventory" and d["party_ref"] in customers and d["sku"] in skus
        assert d["as_of"] <= "2026-03-31" and int(d["on_hand"]) >= 0 and d["report_ref"]
        assert r.key == f"{d['party_ref']}|{d['sku']}|{d['as_of']}"
    # one 997 per inbound group, all accepted
    acks = list((scenario / "acks").glob("997_*.x12"))
    assert acks and all("AK9*A*" in p.read_text() for p in acks)


def test_850_orders_match_the_drp(scenario: Path) -> None:
    recs = _records(scenario, "850")
    assert recs and all(r.error is None for r in recs)
    orders = {r.key: r.data for r in recs if r.data["_entity"] == "sales_order"}
    lines = [r.data for r in recs if r.data["_entity"] == "order_line"]
    truth = json.loads((scenario / "truth" / "truth.json").read_text(encoding="utf-8"))
    links = dict(truth["edi_po_links"])  # PO number -> DRP order number
    drp = {row["订单号"]: row for row in _drp(scenario, "sales_orders.csv")}
    drp_lines: dict[str, list[str]] = {}
    for row in _drp(scenario, "sales_order_lines.csv"):
        drp_lines.setdefault(row["订单号"], []).append(row["物料编码"])
    assert set(orders) == set(links)  # every PO is read, and every PO is a DRP sales order
    for po, order in orders.items():
        own = [ln for ln in lines if ln["order_ref"] == po]
        assert own and order["amount"] == f"{sum(Decimal(ln['amount']) for ln in own):.2f}"
        lag = date.fromisoformat(drp[links[po]]["订单日期"]) - date.fromisoformat(order["order_date"])
        assert 0 <= lag.days <= 7  # the order desk keys the PO in on the day or soon after
        assert sorted(ln["sku"] for ln in own) == sorted(drp_lines[links[po]])


def test_820_remittance_lines(scenario: Path) -> None:
    recs = _records(scenario, "820")
    assert recs and all(r.error is None for r in recs)
    invoices = {row["发票号"]: row for row in _drp(scenario, "invoices.csv")}
    for r in recs:
        d = r.data
        assert d["_entity"] == "remittance_line" and d["trace"] and d["payment_date"]
        inv = invoices[d["invoice_ref"]]
        assert inv["客户编码"] == d["party_ref"]
        assert float(d["invoice_amount"]) == pytest.approx(float(inv["金额"]))
