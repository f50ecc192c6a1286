"""CSV line numbers: the reader's own count (files without NUL) equals the line wrapper's count."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.csv import reader
from connectors.csv.reader import read_rows

CASES = {
    "lf": "id,name\n1,a\n2,b\n",
    "crlf": "id,name\r\n1,a\r\n2,b\r\n",
    "lone cr": "id,name\r1,a\r2,b\r",
    "mixed ends and blank lines": "id,name\n1,a\r\n\r\n2,b\r3,c\n\n4,d",
    "quoted line breaks": 'id,name\n1,"multi\r\nline"\n2,"x\ry"\r3,z\n',
    "wrong width and unterminated quote": 'id,name\n1,a,extra\n2\n3,"open\n4,d\n',
}


def _may_hold_nul(path: Path, encoding: str) -> bool:
    with path.open("rb") as fh:
        return reader._may_hold_nul(path, fh, encoding)  # type: ignore[arg-type]


def _rows(path: Path) -> list[tuple[int, list[str] | None, str | None]]:
    out = []
    for _header, rows in read_rows(path, "utf-8", {}, path.name, aliases={}):
        out = [(r.line, r.values, str(r.error) if r.error else None) for r in rows]
    return out


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_reader_count_matches_the_line_wrapper(tmp_path: Path, monkeypatch, text: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode("utf-8"))
    assert _may_hold_nul(path, "utf-8") is False
    fast = _rows(path)
    monkeypatch.setattr(reader, "_may_hold_nul", lambda *a: True)
    slow = _rows(path)
    assert fast == slow
    assert fast, "the case has rows"


def test_a_nul_byte_or_a_wide_encoding_takes_the_line_wrapper(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_bytes(b"id\n1\n")
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"id,name\n1,a\r\x00\n2,b\n")
    wide = tmp_path / "wide.csv"
    wide.write_bytes("id\n1\n".encode("utf-16"))
    assert _may_hold_nul(plain, "gb18030") is False
    assert _may_hold_nul(nul, "utf-8") is True
    assert _may_hold_nul(wide, "utf-16") is True
    # the CR NUL LF line end is one line: the record after it keeps its editor line number
    assert [(r[0], r[1]) for r in _rows(nul)][-1] == (3, ["2", "b"])
