"""Drop folders hash a file again only when its size or modification time changed (EDI and CSV cursor state)."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

import hub.dropfolder as dropfolder
from connectors.csv.config import CsvConfig
from connectors.csv.streams import CsvConnector
from connectors.edi.config import EdiConfig
from connectors.edi.streams import EdiConnector
from hub.connector import ConnectorContext
from hub.dropfolder import DropFolder


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """File name -> how often its content was read for a fingerprint."""
    seen: Counter[str] = Counter()
    real = dropfolder.fingerprint

    def spy(path: Path) -> str:
        seen[path.name] += 1
        return real(path)

    monkeypatch.setattr(dropfolder, "fingerprint", spy)
    return seen


def _touch(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000))


def test_unchanged_files_are_not_read_again_touched_and_rewritten_ones_are(tmp_path: Path, reads: Counter[str]) -> None:
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(f"content of {name}")
    folder = DropFolder(tmp_path)
    first = list(folder.pending())
    assert [e.name for e in first] == ["a.txt", "b.txt", "c.txt"] and reads == Counter(
        {"a.txt": 1, "b.txt": 1, "c.txt": 1}
    )
    done = {e.fingerprint for e in first}
    stats = json.loads(json.dumps(folder.stats))  # as kept in the cursor state
    assert stats["a.txt"][:2] == [(tmp_path / "a.txt").stat().st_size, (tmp_path / "a.txt").stat().st_mtime_ns]

    reads.clear()
    again = DropFolder(tmp_path)
    assert list(again.pending(done, stats)) == [] and not reads
    assert again.stats == stats

    _touch(tmp_path / "b.txt")  # same bytes, new mtime: hashed again, still seen
    (tmp_path / "c.txt").write_text("rewritten, longer content")  # new bytes: hashed and pending
    reads.clear()
    third = DropFolder(tmp_path)
    assert [e.name for e in third.pending(done, stats)] == ["c.txt"]
    assert reads == Counter({"b.txt": 1, "c.txt": 1})
    assert third.stats["b.txt"][2] == stats["b.txt"][2] and third.stats["c.txt"][2] != stats["c.txt"][2]


def test_edi_cursor_state_spares_the_reread(tmp_path: Path, reads: Counter[str]) -> None:
    (tmp_path / "in").mkdir()
    for n in (1, 2):
        (tmp_path / "in" / f"850_{n}.x12").write_text("garbage " * n)
    conn = EdiConnector(EdiConfig(inbound="in"), ConnectorContext(system="partners", base_dir=str(tmp_path)))
    state = json.loads(json.dumps(list(conn.read("850", None))[-1].state))
    assert sorted(state["files"]) == ["850_1.x12", "850_2.x12"]
    reads.clear()
    assert [r for b in conn.read("850", state) for r in b.records] == [] and not reads
    _touch(tmp_path / "in" / "850_2.x12")
    assert [r for b in conn.read("850", state) for r in b.records] == [] and reads == Counter({"850_2.x12": 1})


def test_csv_cursor_state_spares_the_reread(tmp_path: Path, reads: Counter[str]) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "customers_1.csv").write_text("code,name\nC1,One\n")
    (tmp_path / "in" / "customers_2.csv").write_text("code,name\nC2,Two\n")
    cfg = CsvConfig(path="in", streams={"customers": {"pattern": "customers_*.csv", "key": "code"}})
    conn = CsvConnector(cfg, ConnectorContext(system="files", base_dir=str(tmp_path)))
    state = json.loads(json.dumps(list(conn.read("customers", None))[-1].state))
    assert sorted(state["files"]) == ["customers_1.csv", "customers_2.csv"]
    reads.clear()
    assert list(conn.read("customers", state)) == [] and not reads
    (tmp_path / "in" / "customers_3.csv").write_text("code,name\nC3,Three\n")
    assert [r.key for b in conn.read("customers", state) for r in b.records] == ["C3"]
    assert reads == Counter({"customers_3.csv": 1})
