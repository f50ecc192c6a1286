"""The map stage knows when a stream has nothing pending without reading it (``mapped_stream``),
and never takes that for true when something is: a record marked for mapping again, records
staged or marked under other rules, a pass that stopped half way."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

import hub.mapping.staged as staged
import hub.pipeline.mapstage as mapstage
from hub.pipeline.context import StageContext
from hub.pipeline.extract import extract_stream
from hub.pipeline.mapstage import map_stream
from hub.pipeline.runlock import run_lock
from hub.pipeline.runlog import start_run
from hub.runner import run_pipeline
from tests.helpers.channelco import channelco_store

STREAM = ("drp", "sales_order_lines")


def _marks(engine: Any) -> dict[str, str | None]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT external_id, mapped_hash FROM source_record WHERE system = :s AND stream = :t"),
            {"s": STREAM[0], "t": STREAM[1]},
        ).all()
    return dict(rows)  # type: ignore[arg-type]


def _known(engine: Any) -> dict[tuple[str, str], str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT system, stream, fingerprint FROM mapped_stream")).all()
    return {(s, t): f for s, t, f in rows}


def _lines(engine: Any) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT external_id, row_hash, deleted FROM order_line WHERE system = 'drp' ORDER BY 1")
        ).all()


def _map(config: Any, engine: Any, *streams: tuple[str, str]) -> list[Any]:
    with run_lock(engine, "channelco") as lock:
        ctx = StageContext(
            config=config, engine=engine, pipeline="channelco", run_id=start_run(engine, "channelco", lock=lock)
        )
        return [map_stream(ctx, s, t) for s, t in streams]


@pytest.fixture
def loaded(world: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, str]:
    """A store after one run of the ChannelCo world: (config, engine, the DRP rules fingerprint)."""
    monkeypatch.setenv("HUB_BATCH_SIZE", "300")  # several batches per stream
    config, engine = channelco_store(monkeypatch, world, store_url)
    run_pipeline(config, "channelco", engine=engine)
    marks = set(_marks(engine).values())
    assert len(marks) == 1
    return config, engine, marks.pop()  # type: ignore[return-value]


def test_a_run_records_every_mapped_stream_and_a_rerun_reads_none(
    loaded: tuple[Any, Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, engine, rules = loaded
    known = _known(engine)
    assert known[STREAM] == rules and ("crm", "Account") in known
    monkeypatch.setattr(mapstage, "_PENDING", "SELECT no_such_column FROM source_record")  # a scan would fail
    counts = _map(config, engine, *known)
    assert [c.rows_in for c in counts] == [0] * len(known)


def test_a_record_marked_for_mapping_again_is_mapped_though_its_stream_is_known_mapped(
    loaded: tuple[Any, Any, str],
) -> None:
    config, engine, rules = loaded
    lines = _lines(engine)
    victim = lines[len(lines) // 2][0]
    with engine.begin() as conn:  # what a requeue from the console does, and a canonical row lost with it
        conn.execute(
            text(
                "UPDATE source_record SET mapped_hash = NULL WHERE system = 'drp' AND stream = :t AND external_id = :e"
            ),
            {"t": STREAM[1], "e": victim},
        )
        conn.execute(text("DELETE FROM order_line WHERE system = 'drp' AND external_id = :e"), {"e": victim})
    assert _known(engine)[STREAM] == rules  # a NULL mark leaves the record of the stream alone
    (counts,) = _map(config, engine, STREAM)
    assert counts.rows_in == 1 and counts.rows_changed == 1
    assert _lines(engine) == lines
    assert set(_marks(engine).values()) == {rules} and _known(engine)[STREAM] == rules


def test_a_pass_stopped_under_other_rules_is_finished_when_the_rules_come_back(
    loaded: tuple[Any, Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, engine, rules = loaded
    lines, total = _lines(engine), len(_marks(engine))
    monkeypatch.setattr(staged, "rules_fingerprint", lambda _paths: "rules2")
    real_write, calls = staged.StreamMapper.write, []

    def write_then_die(self: Any, *args: Any) -> int:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the process stops half way through the pass
        return real_write(self, *args)

    monkeypatch.setattr(staged.StreamMapper, "write", write_then_die)
    with pytest.raises(KeyboardInterrupt):
        _map(config, engine, STREAM)
    half = _marks(engine)
    assert 0 < sum(m == "rules2" for m in half.values()) < total  # two batches committed under rules2
    assert STREAM not in _known(engine)  # forgotten before the first record was marked under rules2

    monkeypatch.setattr(staged.StreamMapper, "write", real_write)
    monkeypatch.setattr(staged, "rules_fingerprint", lambda _paths: rules)  # the rules as they were
    (counts,) = _map(config, engine, STREAM)
    assert counts.rows_in == sum(m == "rules2" for m in half.values())
    assert set(_marks(engine).values()) == {rules} and _known(engine)[STREAM] == rules
    assert _lines(engine) == lines


def test_records_staged_under_other_rules_make_the_stream_unknown(
    loaded: tuple[Any, Any, str], world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, engine, rules = loaded
    path = next((world / "drp").glob("sales_order_lines*.csv"))
    head, first, *rest = path.read_bytes().splitlines(keepends=True)
    cells = first.rstrip(b"\r\n").split(b",")
    cells[-1] = str(Decimal(cells[-1].decode()) + 1).encode()  # the line amount, one more
    path.write_bytes(head + b",".join(cells) + b"\r\n" + b"".join(rest))

    monkeypatch.setattr(staged, "rules_fingerprint", lambda _paths: "rules2")
    with run_lock(engine, "channelco") as lock:
        ctx = StageContext(
            config=config, engine=engine, pipeline="channelco", run_id=start_run(engine, "channelco", lock=lock)
        )
        counts = extract_stream(ctx, *STREAM)
    total = len(_marks(engine))
    assert counts.rows_changed == total and counts.detail["canonical_changed"] == 1  # staged again under rules2
    assert set(_marks(engine).values()) == {"rules2"}
    assert STREAM not in _known(engine) and _known(engine)[("drp", "payments")] == rules

    monkeypatch.setattr(staged, "rules_fingerprint", lambda _paths: rules)  # the rules as they were
    (again,) = _map(config, engine, STREAM)
    assert again.rows_in == total and again.rows_changed == 0  # every record mapped again, to the same rows
    assert set(_marks(engine).values()) == {rules} and _known(engine)[STREAM] == rules


def test_only_the_known_writers_touch_the_mapped_marker() -> None:
    """A tripwire: ``mapped_stream`` stays true only while every writer of ``mapped_hash`` keeps it so
    (extract and map forget it, the console only marks NULL). A new writer must do the same."""
    root = Path(__file__).resolve().parents[2]
    readers = {"hub/mapping/staged.py", "hub/store/fast.py", "hub/store/models/staging.py"}  # docs and reads
    writers = {"hub/pipeline/extract.py", "hub/pipeline/mapstage.py", "hub/console/admin.py"}
    found = {
        p.relative_to(root).as_posix()
        for pkg in ("hub", "connectors")
        for p in (root / pkg).rglob("*.py")
        if "migrations" not in p.parts and "mapped_hash" in p.read_text(encoding="utf-8")
    }
    assert found == readers | writers
    console = (root / "hub/console/admin.py").read_text(encoding="utf-8")
    assert ".values(mapped_hash=None)" in console and console.count("mapped_hash") == 1
