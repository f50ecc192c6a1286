"""Hostile CSV input spoils one record or one file, never the run: NULs, duplicate headers, compressed bytes."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors.csv.config import CsvConfig
from connectors.csv.streams import CsvConnector
from hub.connector import ConnectorContext
from hub.errors import ParseError

ROOT = Path(__file__).resolve().parents[2]


def _connector(root: Path, **kw) -> CsvConnector:  # type: ignore[no-untyped-def]
    cfg = CsvConfig.model_validate({"path": str(root), **kw})
    return CsvConnector(cfg, ConnectorContext(system="drp", base_dir=str(root)))


def _read(conn: CsvConnector, stream: str) -> list:  # type: ignore[type-arg]
    return [r for b in conn.read(stream, None) for r in b.records]


def test_nul_spoils_its_record_with_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_bytes(b'id,name,note\r\n1,a,x\r\n2,b\x00,y\r\n3,c,z\x00\r\n4,d,"q\x00"\r\n5,e,w\r\n')
    records = _read(_connector(tmp_path, streams={"c": {"pattern": "c.csv", "key": "id"}}), "c")
    assert [r.key for r in records if r.error is None] == ["1", "5"]
    errors = [r.error for r in records if r.error is not None]
    assert [(e.line, e.field) for e in errors] == [(3, "name"), (4, "note"), (5, "note")]
    assert all(
        isinstance(e, ParseError) and "NUL character in column" in e.message and "c.csv" in str(e) for e in errors
    )
    assert all("\x00" not in (r.raw or "") for r in records)
    assert next(r for r in records if r.key == "5").location.endswith("c.csv:6")


def test_nul_inside_a_crlf_line_end_keeps_the_line_numbers(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_bytes(b"id,name\r\n1,a\r\x00\n2,b\r\n3,c\r\n")
    records = _read(_connector(tmp_path, streams={"c": {"pattern": "c.csv", "key": "id"}}), "c")
    bad = [r for r in records if r.error is not None]
    assert [(r.error.line, r.error.field) for r in bad] == [(2, "name")]
    assert [(r.key, r.location.rsplit(":", 1)[1]) for r in records if r.error is None] == [("2", "3"), ("3", "4")]


def test_nul_in_the_header_fails_the_file(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_bytes(b"id,na\x00me\n1,a\n")
    (rec,) = _read(_connector(tmp_path, streams={"c": {"pattern": "c.csv", "key": "id"}}), "c")
    assert rec.error is not None and rec.error.line == 1 and "NUL" in rec.error.message


def test_duplicate_header_is_rejected_naming_file_and_column(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("id,name,credit,name\n1,first,5,second\n", encoding="utf-8")
    (tmp_path / "d.csv").write_text("id,name\n2,fine\n", encoding="utf-8")
    conn = _connector(tmp_path, failed=str(tmp_path / "failed"), streams={"c": {"pattern": "*.csv", "key": "id"}})
    batches = list(conn.read("c", None))
    records = [r for b in batches for r in b.records]
    bad = [r for r in records if r.error is not None]
    assert len(bad) == 1
    err = bad[0].error
    assert err.field == "name" and err.line == 1 and "c.csv" in str(err) and "columns 2, 4" in err.message
    assert [r.key for r in records if r.error is None] == ["2"]  # the other file goes on
    for b in batches:
        for action in b.on_commit:
            action()
    assert [p.name for p in (tmp_path / "failed").iterdir()] == ["c.csv"]


def test_header_alias_for_one_occurrence_resolves_a_duplicate(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("id,name,credit,name\n1,first,5,second\n", encoding="utf-8")
    aliases = {"name#2": "name_en"}
    conn = _connector(tmp_path, streams={"c": {"pattern": "c.csv", "key": "id", "header_aliases": aliases}})
    (rec,) = _read(conn, "c")
    assert rec.error is None and rec.data == {"id": "1", "name": "first", "credit": "5", "name_en": "second"}
    # an alias that renames both occurrences to the same name does not resolve anything
    conn = _connector(tmp_path, streams={"c": {"pattern": "c.csv", "key": "id", "header_aliases": {"name": "n"}}})
    (rec,) = _read(conn, "c")
    assert rec.error is not None and rec.error.field == "n"


def _xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("content", "word"),
    [
        (gzip.compress(b"id,name\n1,a\n", mtime=0), "gzip-compressed"),
        (_xlsx_bytes(), "a zip archive"),
        (b"BZh91AY&SY" + b"\x00" * 20, "bzip2-compressed"),
    ],
    ids=["gzip", "xlsx", "bzip2"],
)
def test_compressed_bytes_under_a_csv_name_fail_that_file_only(tmp_path: Path, content: bytes, word: str) -> None:
    (tmp_path / "a.csv").write_bytes(content)
    (tmp_path / "b.csv").write_text("id,name\n2,b\n", encoding="utf-8")
    records = _read(_connector(tmp_path, streams={"c": {"pattern": "*.csv", "key": "id"}}), "c")
    bad = [r for r in records if r.error is not None]
    assert len(bad) == 1 and isinstance(bad[0].error, ParseError)
    assert f"a.csv is {word}" in bad[0].error.message and "not CSV text" in bad[0].error.message
    assert [r.key for r in records if r.error is None] == ["2"]


def test_csv_gz_is_read_transparently_and_a_truncated_one_is_reported(tmp_path: Path) -> None:
    data = gzip.compress("id,name\n1,甲\n2,乙\n".encode() * 1)
    (tmp_path / "a.csv.gz").write_bytes(data)
    conn = _connector(tmp_path, streams={"c": {"pattern": "*.csv.gz", "key": "id"}})
    assert [(r.key, r.data["name"]) for r in _read(conn, "c")] == [("1", "甲"), ("2", "乙")]
    big = gzip.compress(("id,name\n" + "".join(f"{i},n{i}\n" for i in range(20000))).encode())
    (tmp_path / "a.csv.gz").write_bytes(big[: len(big) // 2])
    records = _read(_connector(tmp_path, streams={"c": {"pattern": "*.csv.gz", "key": "id"}}), "c")
    assert records and records[-1].error is not None and "cannot read the rest" in records[-1].error.message
    assert all(r.error is None for r in records[:-1])


def test_nul_row_is_quarantined_and_the_run_goes_on_in_the_store(tmp_path: Path, store_url: str) -> None:
    inbound = tmp_path / "in"
    inbound.mkdir()
    (inbound / "p.csv").write_bytes(b"id,name,note\r\n1,ok,fine\r\n2,bad,x\x00\r\n3,ok,fine\r\n")
    cfg = tmp_path / "hub.yaml"
    cfg.write_text(
        "systems:\n  a:\n    connector: csv\n    config:\n      path: in\n"
        "      streams:\n        p: {pattern: p.csv, key: id}\n"
        "pipelines:\n  p:\n    sources:\n      - system: a\n",
        encoding="utf-8",
    )
    env = {**os.environ, "HUB_DATABASE_URL": store_url}
    proc = subprocess.run(
        [str(ROOT / ".venv/bin/hub"), "-c", str(cfg), "run", "p"], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        q = conn.execute(sa.text("SELECT location, field, reason, raw FROM quarantine")).all()
        staged = conn.execute(sa.text("SELECT external_id FROM source_record ORDER BY external_id")).scalars().all()
    engine.dispose()
    assert [(r.location, r.field) for r in q] == [("in/p.csv:3", "note")]
    assert "NUL character in column note" in q[0].reason and "\x00" not in q[0].raw
    assert staged == ["1", "3"]
