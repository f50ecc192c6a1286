"""The CSV connector against real files: encodings, bad rows, resumable cursors, archiving."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.csv.config import CsvConfig
from connectors.csv.streams import CsvConnector
from hub.connector import Change, ConnectorContext
from hub.errors import DiscoveryError, ParseError


def _connector(root: Path, **kw) -> CsvConnector:
    cfg = CsvConfig.model_validate({"path": str(root), **kw})
    return CsvConnector(cfg, ConnectorContext(system="drp", base_dir=str(root)))


def _write(path: Path, text: str, encoding: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))


def _records(conn: CsvConnector, stream: str, state=None):
    batches = list(conn.read(stream, state))
    return [r for b in batches for r in b.records], batches


def test_gb18030_with_chinese_headers_and_a_bad_byte(tmp_path: Path) -> None:
    text = "客户编码,客户名称,信用额度\nC001,上海华信贸易有限公司,1000.00\nC002,BADNAME,5\nC003,北京,7\n"
    data = text.encode("gb18030").replace(b"BADNAME", b"\x81\x20bad")
    (tmp_path / "customers.csv").write_bytes(data)
    conn = _connector(
        tmp_path, encoding="gb18030", streams={"customers": {"pattern": "customers.csv", "key": "客户编码"}}
    )
    records, batches = _records(conn, "customers")
    good = [r for r in records if r.error is None]
    bad = [r for r in records if r.error is not None]
    assert [r.key for r in good] == ["C001", "C003"]
    assert good[0].data == {"客户编码": "C001", "客户名称": "上海华信贸易有限公司", "信用额度": "1000.00"}
    assert good[0].location == f"{tmp_path.name}/customers.csv:2"
    assert len(bad) == 1
    err = bad[0].error
    assert isinstance(err, ParseError) and err.line == 3 and err.field == "客户名称"
    assert "customers.csv:3" in str(err) and "gb18030" in str(err)
    assert batches[-1].final and list(batches[-1].state["done"].values()) == ["customers.csv"]


def test_utf8_bom_quoted_newlines_wrong_width_and_missing_key(tmp_path: Path) -> None:
    _write(
        tmp_path / "Account.csv", '"Id","Name"\n"001A","multi\nline"\n"001B"\n"","no key"\n"001C","ok"\n', "utf-8-sig"
    )
    conn = _connector(tmp_path, streams={"Account": {"pattern": "Account.csv", "key": "Id"}})
    records, _ = _records(conn, "Account")
    assert [(r.key, r.error is None) for r in records if r.error is None] == [("001A", True), ("001C", True)]
    assert records[0].data["Name"] == "multi\r\nline"  # embedded line breaks are kept as written
    errors = {r.error.line: r.error for r in records if r.error}
    assert "expected 2 fields" in errors[4].message
    assert errors[5].field == "Id"
    assert records[-1].location.endswith("Account.csv:6")


def test_composite_keys_batches_and_resume_from_cursor(tmp_path: Path) -> None:
    rows = "\n".join(f"SO{i // 3:04d},{i % 3 + 1},SKU{i}" for i in range(25))
    _write(tmp_path / "lines.csv", "订单号,行号,物料编码\n" + rows + "\n", "gb18030")
    conn = _connector(
        tmp_path,
        encoding="gb18030",
        batch_size=10,
        streams={"lines": {"pattern": "lines.csv", "key": ["订单号", "行号"]}},
    )
    batches = list(conn.read("lines", None))
    assert [len(b.records) for b in batches] == [10, 10, 5]
    assert batches[0].records[0].key == "SO0000|1"
    # a run killed after the first batch resumes after the line that batch ended on
    resumed = list(conn.read("lines", batches[0].state))
    assert [r.key for b in resumed for r in b.records] == [r.key for b in batches[1:] for r in b.records]
    # once the file is done it is not read again, unless it changes
    assert list(conn.read("lines", batches[-1].state)) == []
    _write(tmp_path / "lines.csv", "订单号,行号,物料编码\nSO9999,1,X\n", "gb18030")
    again = list(conn.read("lines", batches[-1].state))
    assert [r.key for b in again for r in b.records] == ["SO9999|1"]


def test_drop_folder_archives_after_commit(tmp_path: Path) -> None:
    inbound = tmp_path / "inbound"
    _write(inbound / "pay_1.csv", "收款单号,金额\nP1,10\n", "gb18030")
    _write(inbound / "pay_2.csv", "收款单号,金额\nP2,20\n", "gb18030")
    conn = _connector(
        inbound,
        encoding="gb18030",
        processed=str(tmp_path / "processed"),
        streams={"payments": {"pattern": "pay_*.csv", "key": "收款单号"}},
    )
    for batch in conn.read("payments", None):
        assert (inbound / batch.records[0].location.split("/")[-1].split(":")[0]).exists()
        for action in batch.on_commit:
            action()
    assert sorted(p.name for p in (tmp_path / "processed").iterdir()) == ["pay_1.csv", "pay_2.csv"]
    assert list(inbound.iterdir()) == []


def test_header_aliases_discover_and_unknown_stream(tmp_path: Path) -> None:
    _write(tmp_path / "c.csv", "Customer Code,Name\nC1,A\n", "utf-8")
    conn = _connector(
        tmp_path,
        streams={"c": {"pattern": "c.csv", "key": "客户编码", "header_aliases": {"Customer Code": "客户编码"}}},
    )
    (info,) = conn.discover()
    assert info.fields == ("客户编码", "Name") and info.key_fields == ("客户编码",)
    records, _ = _records(conn, "c")
    assert records[0].key == "C1"
    with pytest.raises(DiscoveryError):
        list(conn.read("nope", None))


def test_outbound_write_gives_one_result_per_change(tmp_path: Path) -> None:
    conn = _connector(tmp_path, outbound=str(tmp_path / "out"), streams={"c": {"pattern": "c.csv", "key": "Id"}})
    results = list(
        conn.write("c", [Change("create", None, {"Name": "甲"}, "k1"), Change("update", "C2", {"Name": "乙"}, "k2")])
    )
    assert [(r.idempotency_key, r.ok) for r in results] == [("k1", True), ("k2", True)]
    text = (tmp_path / "out" / "c.csv").read_text(encoding="utf-8")
    assert "甲" in text and "C2" in text


def test_unknown_encoding_is_a_config_error() -> None:
    with pytest.raises(Exception, match="unknown encoding"):
        CsvConfig.model_validate({"path": ".", "encoding": "klingon", "streams": {}})
