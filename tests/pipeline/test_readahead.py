"""Streams read ahead (by the helper process, or by the run while the helper holds the stream due
next) end the extract exactly as streams read in their turn.

Most tests read every stream apart in this process (the same function the helper runs, through
a spool file), so that which stream is read apart does not depend on timing; one test runs the
helper process itself.
"""

from __future__ import annotations

import csv
import multiprocessing
import pickle
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

import hub.pipeline.readahead as readahead
from hub.errors import HubError
from hub.pipeline.extract import KeysSeen
from hub.runner import run_pipeline
from hub.store.models import GOLDEN, MODELS, SourceRecord, StageLog
from tests.helpers.channelco import channelco_store

ENTITIES = ("party", "person", "salesperson", "product", "sales_order", "order_line", "invoice", "payment")


def _every_stream_apart(
    items: Any, local: Any, remote: Any, workers: int, stats: Any = None, ahead: Any = None, preload: Any = ()
) -> Iterator[Any]:
    """shared_map as if the helper held every stream due next: each is read apart, in this process."""
    for item in items:
        yield ahead(item)


def _store(engine: Any) -> dict[str, Any]:
    """What the extract leaves: staged records, canonical rows and quarantine, ordered by key."""
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        sr = SourceRecord.__table__
        cols = [c for c in sr.c if c.name not in ("id",)]
        out["source_record"] = [tuple(r) for r in conn.execute(select(*cols).order_by(*sr.primary_key.columns))]
        for entity in ENTITIES:
            # typed reads give equal values on either backend; the row hash is of the backend's own forms
            t = MODELS[entity].__table__
            cols = [c for c in t.c if c.name != "row_hash"]
            q = select(*cols).where(t.c.system != GOLDEN).order_by(t.c.system, t.c.external_id)
            out[entity] = [tuple(r) for r in conn.execute(q)]
        q = text(
            "SELECT system, stream, stage, record_key, location, field, reason FROM quarantine ORDER BY 1, 2, 3, 4"
        )
        out["quarantine"] = [tuple(r) for r in conn.execute(q)]
    return out


def _counts(result: Any) -> list[tuple[Any, ...]]:
    return [
        (s["stage"], s["system"], s["stream"], s["rows_in"], s["rows_changed"], s["rows_quarantined"])
        for s in result.stages
        if s["stage"] == "extract"
    ]


def _apart_detail(engine: Any) -> dict[str, Any]:
    with engine.connect() as conn:
        sl = StageLog.__table__
        q = select(sl.c.stream, sl.c.detail).where(sl.c.stage == "extract").order_by(sl.c.id.desc())
        found: dict[str, Any] = {}
        for stream, detail in conn.execute(q):
            found.setdefault(stream, (detail or {}).get("read_apart"))
    return found


def _edit_accounts(world: Path) -> str:
    """Change one account early in the file and repeat its old row at the end: the same key twice
    in one read, the second time back at the content already staged. Returns the key."""
    path = world / "crm" / "Account.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    old = list(rows[2])
    rows[2][1] += " (renamed)"
    rows.append(old)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows(rows)
    return old[0]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_streams_read_apart_leave_the_store_and_counts_of_a_read_in_turn(
    store_url: str, world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_BATCH_SIZE", "50")  # many batches per stream: a key seen twice spans batches
    monkeypatch.setattr(readahead, "START_AFTER", 0.0)
    runs: dict[str, Any] = {}
    worlds = {}
    for name in ("turn", "apart"):
        worlds[name] = tmp_path / f"world-{name}"
        shutil.copytree(world, worlds[name])
    for name, url in (("turn", f"sqlite:///{tmp_path / 'turn.db'}"), ("apart", store_url)):
        with monkeypatch.context() as mp:
            if name == "apart":
                mp.setattr(readahead, "shared_map", _every_stream_apart)
            config, engine = channelco_store(mp, worlds[name], url)
            config.pipelines["channelco"].workers = 2 if name == "apart" else 1
            first = run_pipeline(config, "channelco", engine=engine)
            key = _edit_accounts(worlds[name])
            second = run_pipeline(config, "channelco", engine=engine)
            runs[name] = (first, second, _store(engine), _apart_detail(engine), key)
            engine.dispose()
    turn, apart = runs["turn"], runs["apart"]
    assert set(apart[3].values()) == {"run"} and set(turn[3].values()) == {None}
    assert _counts(apart[0]) == _counts(turn[0])
    assert _counts(apart[1]) == _counts(turn[1])  # the repeated key: changed, then changed back
    account = next(c for c in _counts(apart[1]) if c[2] == "Account")
    assert account[4] == 2
    assert apart[2] == turn[2]
    staged = {r[2]: r for r in apart[2]["source_record"] if r[1] == "Account"}
    assert "(renamed)" not in staged[apart[4]][4]  # the last occurrence stands


def test_streams_that_fail_read_apart_fail_in_their_own_stage_as_in_turn(
    world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readahead, "START_AFTER", 0.0)
    (world / "drp" / "invoices.csv").unlink()  # delivers nothing: judged by the writer, which fails it
    path = world / "drp" / "sales_orders.csv"  # a mapped column renamed: the read apart fails, read again
    raw = path.read_bytes().decode("gb18030")
    path.write_bytes(raw.replace("订单日期", "下单日期", 1).encode("gb18030"))
    outcomes = {}
    for name in ("turn", "apart"):
        with monkeypatch.context() as mp:
            if name == "apart":
                mp.setattr(readahead, "shared_map", _every_stream_apart)
            config, engine = channelco_store(mp, world, f"sqlite:///{tmp_path / (name + '.db')}")
            config.pipelines["channelco"].workers = 2 if name == "apart" else 1
            with pytest.raises(HubError) as caught:
                run_pipeline(config, "channelco", engine=engine)
            with engine.connect() as conn:
                q = "SELECT stream, status, error FROM stage_log WHERE stage = 'extract' ORDER BY id"
                stages = [tuple(r) for r in conn.execute(text(q))]
            outcomes[name] = (type(caught.value), str(caught.value), stages, _store(engine), _apart_detail(engine))
            engine.dispose()
    assert outcomes["apart"][:4] == outcomes["turn"][:4]
    failed = {s[0]: s[2] for s in outcomes["apart"][2] if s[1] != "succeeded"}
    assert set(failed) == {"sales_orders", "invoices"}
    assert "订单日期" in failed["sales_orders"] and "invoices" in outcomes["apart"][1]
    detail = outcomes["apart"][4]
    assert detail["sales_orders"] is None  # read again in its turn
    assert detail["invoices"] == "run" and detail["payments"] == "run"


def test_a_damaged_spool_fails_its_stream_and_keeps_nothing_of_it(
    world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.errors import SourceError

    original = readahead._spool

    def damaged(ctx: Any, item: Any, spool: Path) -> Any:
        got = original(ctx, item, spool)
        if got is not None and item[2] == "Contact":  # cut short after it was handed over
            path = Path(got[0])
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        return got

    monkeypatch.setattr(readahead, "START_AFTER", 0.0)
    monkeypatch.setattr(readahead, "shared_map", _every_stream_apart)
    monkeypatch.setattr(readahead, "_spool", damaged)
    config, engine = channelco_store(monkeypatch, world, f"sqlite:///{tmp_path / 'hub.db'}")
    config.pipelines["channelco"].workers = 2
    with pytest.raises(SourceError, match="could not be read back") as caught:
        run_pipeline(config, "channelco", engine=engine)
    assert caught.value.stream == "Contact"
    staged = _store(engine)["source_record"]
    assert not [r for r in staged if r[1] == "Contact"]  # its transaction rolled back
    assert [r for r in staged if r[1] == "Account"] and [r for r in staged if r[1] == "payments"]
    engine.dispose()


def test_files_read_apart_are_archived_after_the_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.config import load_config
    from hub.runner import open_store

    src = tmp_path / "in"
    src.mkdir()
    for n in range(3):
        (src / f"a_{n}.csv").write_text("id,name\n" + "".join(f"{n}{i},x{i}\n" for i in range(5)), encoding="utf-8")
        (src / f"b_{n}.csv").write_text("id,name\n" + "".join(f"{n}{i},y{i}\n" for i in range(5)), encoding="utf-8")
    (tmp_path / "hub.yaml").write_text(
        f"""version: 1
store: {{url: "sqlite:///{tmp_path / "hub.db"}"}}
systems:
  src:
    connector: csv
    config:
      path: {src}
      processed: {tmp_path / "done"}
      streams:
        a: {{pattern: "a_*.csv", key: id}}
        b: {{pattern: "b_*.csv", key: id}}
pipelines:
  p:
    sources: [src]
    workers: 2
""",
        encoding="utf-8",
    )
    monkeypatch.setattr(readahead, "START_AFTER", 0.0)
    monkeypatch.setattr(readahead, "shared_map", _every_stream_apart)
    config = load_config(tmp_path / "hub.yaml")
    engine = open_store(config)
    result = run_pipeline(config, "p", engine=engine)
    assert result.status == "succeeded" and _counts(result) == [
        ("extract", "src", "a", 15, 15, 0),
        ("extract", "src", "b", 15, 15, 0),
    ]
    assert _apart_detail(engine) == {"a": "run", "b": "run"}
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == [f"{k}_{n}.csv" for k in "ab" for n in range(3)]
    assert list(src.iterdir()) == []
    engine.dispose()


def test_the_helper_process_reads_streams_apart(
    store_url: str, world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readahead, "START_AFTER", 0.0)

    def slow_turn(item: Any) -> None:  # the run is still busy when the helper has started, on any machine
        time.sleep(0.5)

    one_world = tmp_path / "one-world"
    shutil.copytree(world, one_world)
    config, engine = channelco_store(monkeypatch, one_world, f"sqlite:///{tmp_path / 'one.db'}")
    config.pipelines["channelco"].workers = 1
    run_pipeline(config, "channelco", engine=engine)
    alone = _store(engine)
    engine.dispose()

    monkeypatch.setattr(readahead, "_in_turn", slow_turn)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the spool folder goes
    config, engine = channelco_store(monkeypatch, world, store_url)
    config.pipelines["channelco"].workers = 2
    result = run_pipeline(config, "channelco", engine=engine)
    assert result.status == "succeeded"
    assert "helper" in _apart_detail(engine).values()
    assert _store(engine) == alone
    assert run_pipeline(config, "channelco", engine=engine).changes == 0
    engine.dispose()
    assert not list(tmp_path.glob("hub-extract-*"))


def test_a_stage_that_stops_early_stops_the_helper_and_leaves_no_spool(
    world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.pipeline.context import StageContext

    monkeypatch.setattr(readahead, "START_AFTER", 0.0)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    config, engine = channelco_store(monkeypatch, world, f"sqlite:///{tmp_path / 'hub.db'}")
    config.pipelines["channelco"].workers = 2
    ctx = StageContext(config=config, engine=engine, pipeline="channelco", run_id=1)
    plan = readahead.read_plan(ctx, [("crm", s) for s in ("Account", "Contact", "Opportunity", "Order", "OrderItem")])
    assert next(plan)[:2] == ("crm", "Account")
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob("hub-extract-*/*.spool")) and time.monotonic() < deadline:
        time.sleep(0.05)  # the helper starts and reads the next streams into spool files
    assert list(tmp_path.glob("hub-extract-*/*.spool"))
    plan.close()  # the stage ends here (a stream failed hard, the run was interrupted)
    assert not [p for p in multiprocessing.active_children() if p.name == "hub-helper"]
    assert not list(tmp_path.glob("hub-extract-*"))
    engine.dispose()


def test_keys_seen_never_forgets_a_key() -> None:
    seen = KeysSeen(bits=1 << 12)
    keys = [f"k{i}" for i in range(300)]
    seen.add_all(keys[:150])
    assert all(seen.any_of([k]) for k in keys[:150])
    assert seen.any_of(["x", "y", keys[7]])
    assert sum(seen.any_of([k]) for k in keys[150:]) < 5  # false positives are rare at this fill


def test_a_watch_crosses_to_the_writer_without_its_rules() -> None:
    from hub.contracts.policy import ContractSettings, GuardSettings
    from hub.contracts.watch import StreamWatch

    watch = StreamWatch("s", "t", [], ContractSettings(), GuardSettings(), {}, None, full_read=True)
    watch.mappings = [lambda: None]  # compiled rules do not pickle
    back = pickle.loads(pickle.dumps(watch))
    assert back.mappings == [] and back.system == "s" and back.full_read and watch.mappings
