"""The fused row functions give the same canonical rows and quarantine rows as the general path."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from hub.mapping import load_mappings
from hub.mapping.staged import Mapped, Staged, StreamMapper
from testkit.world import generate

REPO = Path(__file__).resolve().parents[2]
CHANNELCO = REPO / "mappings" / "channelco"
ENCODINGS = {"crm": "utf-8", "drp": "gb18030"}
SPOILERS = ("", "  ", "abc", "12,5", "-0", "1e3", "２０２５-０１-０２", "N/A", "9" * 30)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate(out, seed=5, customers=20)
    return out


@pytest.fixture(scope="module")
def mappings(registry: dict):
    return load_mappings(sorted(CHANNELCO.glob("*.yaml")), transforms=registry)


def _staged(world: Path, system: str, stream: str) -> list[Staged]:
    path = world / system / f"{stream}.csv"
    rnd = random.Random(stream)
    out = []
    with path.open(encoding=ENCODINGS[system], newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            data = dict(row)
            if i % 3 == 1:  # every third record has one value spoiled
                col = rnd.choice(list(data))
                data[col] = rnd.choice(SPOILERS)
            out.append(Staged(f"k{i}", f"h{i}", data, f"{path.name}:{i + 2}", i % 7 == 3, "{}"))
    return out


def _general(mapper: StreamMapper, records: list[Staged]) -> Mapped:
    out = Mapped()
    mapper._map_general(records, out)
    return out


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_fused_rows_equal_the_general_path(world: Path, mappings, dialect: str) -> None:
    streams = sorted({(m.system, m.stream) for m in mappings if m.system in ENCODINGS})
    fused_rows = failures = 0
    for system, stream in streams:
        if not (world / system / f"{stream}.csv").exists():
            continue
        mapper = StreamMapper(system, stream, mappings.for_stream(system, stream), "fp", 7, dialect)
        records = _staged(world, system, stream)
        fast, slow = mapper.map(records), _general(mapper, records)
        assert {e: list(r.items()) for e, r in fast.rows.items()} == {e: list(r.items()) for e, r in slow.rows.items()}
        for a, b in zip(fast.failed, slow.failed, strict=True):
            a.pop("created_at"), b.pop("created_at")
            assert a == b
        assert fast.ok_keys == slow.ok_keys
        fused_rows += sum(fast.counts().values())
        failures += len(fast.failed)
    assert fused_rows > 500 and failures > 20, "the world exercises both paths"
