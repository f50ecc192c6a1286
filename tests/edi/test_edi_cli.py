"""``inspect`` and ``ack`` functions used by the CLI."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from connectors.edi import cli, x12

WHEN = datetime(2025, 4, 6, 17, 26)


def _file(tmp_path: Path, text: str, name: str = "f.x12") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def _850() -> str:
    w = x12.X12Writer("R1", "CHANNELCO", 3, when=WHEN)
    w.add_set("850", "0001", [("BEG", "00", "SA", "PO1", "", "20250406")])
    return w.render()


def test_inspect_ok(tmp_path: Path) -> None:
    code, text = cli.inspect(_file(tmp_path, _850()))
    assert code == 0
    assert "ISA 000000003 ZZ:R1 -> ZZ:CHANNELCO" in text and "ST 850 0001: 3 segments" in text


def test_inspect_errors_without_traceback(tmp_path: Path) -> None:
    code, text = cli.inspect(_file(tmp_path, _850().replace("SE*3", "SE*4")))
    assert code == 1 and "segment 5" in text and "SE01" in text and "[AK5 code 4]" in text and "Traceback" not in text
    code, text = cli.inspect(_file(tmp_path, "nothing here", "g.txt"))
    assert code == 1 and "segment 1" in text
    code, text = cli.inspect(tmp_path / "missing.x12")
    assert code == 1 and "no such file" in text


def test_inspect_edifact(tmp_path: Path) -> None:
    text = "UNA:+.? 'UNB+UNOC:3+A+B+250101:1200+9'UNH+1+ORDERS:D:96A:UN'BGM+220+X+9'UNT+3+1'UNZ+1+9'"
    code, out = cli.inspect(_file(tmp_path, text, "o.edi"))
    assert code == 0 and "UNH 1 ORDERS:D:96A:UN: 3 segments" in out


def test_ack_writes_partner_files(tmp_path: Path) -> None:
    paths = cli.ack(_file(tmp_path, _850()), tmp_path / "acks", when=WHEN)
    assert [p.name for p in paths] == ["f.1.1.3.997.x12"]  # interchange 1, group 1, GS06 3
    (ic,) = list(x12.read(paths[0]))
    assert ic.groups[0].functional_id == "FA" and ic.receiver == "ZZ:R1"
