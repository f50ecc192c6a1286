"""An approval covers its run's changes even after a crash; a dry run leaves the store as it found it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

import hub.cli.push  # noqa: F401  (registers the push commands)
from hub.cli.app import app
from tests.helpers.channelco import write_live_config as write_config
from tests.push.conftest import live, world  # noqa: F401  (fixtures)
from tests.push.helpers import drp_writes, run_without_push, sf_writes

REPO = Path(__file__).resolve().parents[2]
TABLES = ("run", "stage_log", "outbox", "sync_state", "discrepancy", "crosswalk")


def _hub(live, *args: str):  # type: ignore[no-untyped-def]  # noqa: F811
    return CliRunner().invoke(app, ["-c", str(live.config_path), *args], catch_exceptions=False)


def _without_edi(live, **kw) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The live config (CRM and DRP servers only) with reconcile rules that name no EDI system."""
    cfg = write_config(live.tmp, **kw)
    rules = (REPO / "examples" / "channelco" / "reconcile.yaml").read_text(encoding="utf-8")
    rules = rules.replace("roles: {crm: crm, drp: drp, edi: edi}", "roles: {crm: crm, drp: drp}")
    rules = rules.replace("systems: [crm, drp, edi]", "systems: [crm, drp]")
    rules = rules.replace("match: person_match.yaml", f"match: {REPO / 'examples' / 'channelco' / 'person_match.yaml'}")
    (live.tmp / "reconcile.yaml").write_text(rules, encoding="utf-8")
    text = cfg.read_text(encoding="utf-8").replace(
        str(REPO / "examples" / "channelco" / "reconcile.yaml"), str(live.tmp / "reconcile.yaml")
    )
    cfg.write_text(text, encoding="utf-8")


def _counts(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    names = set(sa.inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES if t in names}


def test_dry_run_writes_nothing(live) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _without_edi(live)
    engine = live.engine()
    run_without_push(live.config(), engine)
    before = _counts(engine)
    res = _hub(live, "push", "--dry-run")
    assert res.exit_code == 0, res.output
    assert "nothing written" in res.output and "would call: " in res.output
    assert _counts(engine) == before
    assert sf_writes(live.sf) == [] and drp_writes(live.drp) == []


def test_approval_survives_a_crash_of_the_approved_push(live) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _without_edi(live, max_share=0.05, orders=False)
    engine = live.engine()
    run_without_push(live.config(), engine)
    held = _hub(live, "push")
    assert held.exit_code == 3, held.output
    run = held.output.split("push run ")[1].split()[0]
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(REPO)!r})
        from hub.push import exporter
        real = exporter.Exporter._settle
        def settle(self, rows, results, failure, result):
            if self.system == "drp":
                os._exit(9)          # killed part-way through the approved push
            return real(self, rows, results, failure, result)
        exporter.Exporter._settle = settle
        from hub.cli import main
        sys.argv = ["hub", "-c", {str(live.config_path)!r}, "push", "--approve", {run!r}]
        main()
    """)
    proc = subprocess.run(
        [sys.executable, "-c", script], env=os.environ.copy(), capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 9, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert sf_writes(live.sf)  # the CRM side went through before the crash
    landed = len(drp_writes(live.drp))
    with engine.connect() as conn:
        left = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE system = 'drp' AND status != 'done'")).scalar()
    assert left > 1, "the crash should leave DRP writes to do"
    again = _hub(live, "push", "--approve", run)
    assert again.exit_code == 0, again.output  # not held again: the approval covers what is left
    assert "held by the circuit breaker" not in again.output
    assert len(drp_writes(live.drp)) > landed
    with engine.connect() as conn:
        statuses = dict(conn.execute(sa.text("SELECT status, count(*) FROM outbox GROUP BY status")).all())
    assert statuses.get("held", 0) == 0 and set(statuses) <= {"done", "superseded"}
