"""``hub push --dry-run`` executes no write statement against the store: no run, no stage row, no outbox."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from typer.testing import CliRunner

import hub.cli.push  # noqa: F401  (registers the push commands)
from hub.cli.app import app
from tests.push.conftest import live, world  # noqa: F401  (fixtures)
from tests.push.helpers import drp_writes, run_without_push, sf_writes

#: statements that change the store (temporary key tables live and die on the reading connection)
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE(?! TEMPORARY)|DROP(?! TABLE IF EXISTS hub_keys_)|ALTER)\b", re.I)


@contextmanager
def _writes() -> Iterator[list[str]]:
    """Every write statement any engine of this process executes inside the block."""
    seen: list[str] = []

    def spy(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if WRITE.match(statement):
            seen.append(statement.split("\n")[0][:120])

    event.listen(sa.engine.Engine, "before_cursor_execute", spy)
    try:
        yield seen
    finally:
        event.remove(sa.engine.Engine, "before_cursor_execute", spy)


def test_dry_run_opens_no_run_and_executes_no_write(live) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    engine = live.engine()
    run_without_push(live.config(), engine)
    with engine.connect() as conn:
        runs_before = conn.execute(sa.text("SELECT max(id) FROM run")).scalar()
    with _writes() as seen:
        res = CliRunner().invoke(app, ["-c", str(live.config_path), "push", "--dry-run"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "nothing written" in res.output and "would call: " in res.output
    assert seen == [], f"a dry run wrote to the store: {seen[:5]}"
    assert sf_writes(live.sf) == [] and drp_writes(live.drp) == []
    # a real push afterwards gets the next run id: no run was opened and deleted in between
    res = CliRunner().invoke(app, ["-c", str(live.config_path), "push"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert f"push run {runs_before + 1}" in res.output
