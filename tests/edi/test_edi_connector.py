"""The ``edi`` connector: plugin registration, streams, cursor state, quarantine, acknowledgments, write."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pluggy
import pytest

import connectors.edi as edi_plugin
from connectors.edi import transactions, x12
from connectors.edi.config import EdiConfig
from connectors.edi.streams import EdiConnector
from hub import hookspecs
from hub.connector import Change, Connector, ConnectorContext
from hub.errors import DiscoveryError, EdiError
from hub.plugins import connector_specs

WHEN = datetime(2025, 4, 6, 17, 26)
ORDER = {"order_number": "PO1", "order_date": "2025-04-06", "party_ref": "M1", "amount": "7.00", "currency": "CNY"}
LINES = [{"line_no": 1, "sku": "S1", "quantity": "2", "unit_price": "3.50"}]


def _850(control: int, po: str = "PO1") -> str:
    return transactions.render_outbound(
        "850", [({**ORDER, "order_number": po}, LINES)], sender="R1", receiver="CHANNELCO", control=control, when=WHEN
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "in" / "850").mkdir(parents=True)
    (tmp_path / "in" / "850" / "850_1.x12").write_text(_850(1))
    (tmp_path / "in" / "850" / "850_2.x12").write_text(_850(2, "PO2").replace("SE*8*0001", "SE*9*0001"))
    (tmp_path / "in" / "850" / "850_3.x12").write_text("garbage")
    return tmp_path


def _connector(root: Path, **kw: object) -> EdiConnector:
    settings: dict[str, object] = {
        "inbound": "in",
        "outbound": "out",
        "processed": "done",
        "failed": "bad",
        "sender_id": "CHANNELCO",
        "receiver_id": "R1",
        **kw,
    }
    cfg = EdiConfig(**settings)  # type: ignore[arg-type]
    return EdiConnector(cfg, ConnectorContext(system="partners", base_dir=str(root)))


def test_registered_through_the_hook() -> None:
    pm = pluggy.PluginManager("hub")
    pm.add_hookspecs(hookspecs)
    pm.register(edi_plugin, name="connectors.edi")
    spec = connector_specs(pm)["edi"]
    assert spec.config_model is EdiConfig
    conn = spec.factory(EdiConfig(inbound="x"), ConnectorContext(system="s", base_dir="/tmp"))
    assert isinstance(conn, Connector)


def test_read_quarantines_bad_files_and_acknowledges(folder: Path) -> None:
    conn = _connector(folder)
    batches = list(conn.read("850", None))
    records = [r for b in batches for r in b.records]
    good = [r for r in records if r.error is None]
    bad = [r for r in records if r.error is not None]
    assert [(r.data["_entity"], r.key) for r in good] == [("sales_order", "PO1"), ("order_line", "PO1|1")]
    assert good[0].location == "850/850_1.x12#segment 3"
    assert len(bad) == 2 and all(isinstance(r.error, EdiError) for r in bad)
    assert bad[0].error.segment == 10 and bad[0].error.code == "4" and bad[0].location == "850/850_2.x12#segment 10"
    assert bad[1].error.segment == 1 and "850_3.x12" in str(bad[1].error)
    state = batches[-1].state
    assert len(state["done"]) == 3 and state["done"] == sorted(state["done"])
    acks = sorted(p.name for p in (folder / "out").iterdir())
    assert acks == ["997_R1_000000001_1_1.x12", "997_R1_000000002_1_2.x12"]
    rejected = (folder / "out" / acks[1]).read_text()
    assert "AK5*R*4~" in rejected and "AK9*R*1*1*0~" in rejected
    # commit: archive files, then a second run reads nothing new and rewrites no acknowledgment
    for b in batches:
        for action in b.on_commit:
            action()
    assert sorted(p.name for p in (folder / "done").iterdir()) == ["850_1.x12", "850_2.x12"]
    assert sorted(p.name for p in (folder / "bad").iterdir()) == ["850_3.x12"]
    assert [r for b in conn.read("850", state) for r in b.records] == []


def test_state_skips_seen_files_and_duplicates_are_caught(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.x12").write_text(_850(1))
    conn = _connector(tmp_path, processed=None, failed=None)
    state = list(conn.read("850", None))[-1].state
    assert [r for b in conn.read("850", state) for r in b.records] == []
    (tmp_path / "in" / "b.x12").write_text(_850(1).replace("\n", "\r\n"))  # same interchange, other bytes
    recs = [r for b in conn.read("850", state) for r in b.records]
    assert len(recs) == 1 and recs[0].error is not None and recs[0].error.code == "025"


def test_other_streams_ignore_foreign_sets(folder: Path) -> None:
    conn = _connector(folder)
    assert [r for b in conn.read("846", None) for r in b.records] == []
    with pytest.raises(DiscoveryError):
        list(conn.read("nope", None))


def test_write_outbound_documents(tmp_path: Path) -> None:
    conn = _connector(tmp_path)
    ch = Change("create", None, {**ORDER, "status": "approved", "lines": LINES}, idempotency_key="k1")
    bad = Change("create", None, {"status": "approved"}, idempotency_key="k2")
    results = list(conn.write("855", [ch, bad]))
    assert [r.ok for r in results] == [True, False] and results[0].external_id == "PO1" and results[0].created
    assert isinstance(results[1].error, EdiError)
    (out,) = (tmp_path / "out").iterdir()
    (ic,) = list(x12.read(out))
    assert ic.groups[0].sets[0].id == "855"
    again = list(conn.write("855", [ch]))
    assert again[0].ok and not again[0].created and len(list((tmp_path / "out").iterdir())) == 1
    with pytest.raises(DiscoveryError):
        list(conn.write("846", [ch]))


def test_discover_and_check(folder: Path) -> None:
    conn = _connector(folder, standard="x12")
    names = {s.name: s for s in conn.discover()}
    assert "846" in names and "ORDERS" not in names and names["855"].writable
    assert all(c.ok for c in conn.check())
