"""``hub push`` and ``hub outbox`` through the CLI: dry run output, dead letters with reasons, retry, discard."""

from __future__ import annotations

from helpers import drp_writes, run_without_push, sf_writes
from sqlalchemy import func, select
from typer.testing import CliRunner

import hub.cli.push as _push_cli  # registers the commands, as hub/cli/__init__.py will
from hub.cli.app import app
from hub.store.models import OutboxEntry

assert _push_cli.HELD_EXIT == 3


def _hub(live, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["-c", str(live.config_path), *args], catch_exceptions=False)


def test_dry_run_then_dead_letters_retry_and_discard(live) -> None:  # type: ignore[no-untyped-def]
    engine = live.engine()
    run_without_push(live.config(), engine)
    live.sf.app.requests.clear()
    dry = _hub(live, "push", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "field-level diff against the live records" in dry.output and "would call: " in dry.output
    assert "SOAP CreateCustomer" in dry.output and sf_writes(live.sf) == [] and drp_writes(live.drp) == []

    live.drp.inject("server_fault", "CreateCustomer", times=None)  # the DRP refuses every create
    res = _hub(live, "push")
    assert res.exit_code == 0, res.output
    with engine.connect() as conn:
        dead = conn.execute(select(OutboxEntry).where(OutboxEntry.status == "dead")).all()
    assert dead and all(d.op == "create" and d.last_error for d in dead)
    listing = _hub(live, "outbox", "list", "--status", "dead", "--limit", "500")
    assert listing.exit_code == 0 and str(dead[0].id) in listing.output

    live.drp.app.faults.clear()
    assert _hub(live, "outbox", "discard", str(dead[0].id)).output.startswith("1 write(s) discarded")
    assert f"{len(dead) - 1} write(s) queued" in _hub(live, "outbox", "retry", "--all-dead").output
    before = live.drp.store.count("customers")
    again = _hub(live, "push")
    assert again.exit_code == 0, again.output
    assert live.drp.store.count("customers") == before + len(dead) - 1  # the discarded create stays undone
    with engine.connect() as conn:
        statuses = dict(
            conn.execute(
                select(OutboxEntry.status, func.count()).where(OutboxEntry.op == "create").group_by(OutboxEntry.status)
            ).all()
        )
    assert statuses == {"done": len(dead) - 1, "discarded": 1}


def test_breaker_exit_code_and_approval(live) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers.channelco import write_live_config

    write_live_config(live.tmp, max_share=0.05, orders=False)
    run_without_push(live.config(), live.engine())
    held = _hub(live, "push")
    assert held.exit_code == 3 and "hub push --approve" in held.output
    run = held.output.split("push run ")[1].split()[0]
    assert sf_writes(live.sf) == []
    ok = _hub(live, "push", "--approve", run)
    assert ok.exit_code == 0, ok.output
    assert sf_writes(live.sf) and drp_writes(live.drp)
