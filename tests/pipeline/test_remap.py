"""The map stage after a rules change: every record mapped again, canonical rows unchanged, markers moved."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from hub.pipeline.context import StageContext
from hub.pipeline.mapstage import map_stream
from hub.pipeline.runlock import run_lock
from hub.pipeline.runlog import start_run
from hub.runner import run_pipeline
from tests.helpers.channelco import channelco_store


def _snapshot(engine) -> tuple[list, list]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        lines = conn.execute(text("SELECT system, external_id, row_hash, deleted FROM order_line ORDER BY 1, 2")).all()
        marks = conn.execute(
            text(
                "SELECT external_id, mapped_hash, hash FROM source_record WHERE system = 'drp' AND stream = 'sales_order_lines'"
            )
        ).all()
    return lines, marks


def test_rules_change_maps_every_record_again(world: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_BATCH_SIZE", "500")  # several batches: the keyset paging is exercised
    config, engine = channelco_store(monkeypatch, world, store_url)
    run_pipeline(config, "channelco", engine=engine)
    lines, marks = _snapshot(engine)
    assert marks and len({m for _, m, _h in marks}) == 1 and len(marks[0][1]) == 16  # the rules fingerprint

    import hub.mapping.staged as staged

    monkeypatch.setattr(staged, "rules_fingerprint", lambda _paths: "rules2")
    with run_lock(engine, "channelco") as lock:
        run_id = start_run(engine, "channelco", lock=lock)
        ctx = StageContext(config=config, engine=engine, pipeline="channelco", run_id=run_id)
        first = map_stream(ctx, "drp", "sales_order_lines")
        again = map_stream(ctx, "drp", "sales_order_lines")
    assert first.rows_in == len(marks) and first.rows_changed == 0  # same rules content: same canonical rows
    assert again.rows_in == 0
    after_lines, after_marks = _snapshot(engine)
    assert after_lines == lines
    assert sorted(after_marks) == sorted((e, "rules2", h) for e, _m, h in marks)
