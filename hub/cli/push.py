"""Commands ``hub push`` (with ``--dry-run`` and ``--approve RUN``) and ``hub outbox list/retry/discard``."""

from __future__ import annotations

from typing import Any

import typer

from hub.cli.app import app, console, handle_errors, load
from hub.cli.store import _engine

outbox_app = typer.Typer(
    help="Writes the push recorded for the target systems: list, retry, discard.", no_args_is_help=True
)
app.add_typer(outbox_app, name="outbox")

#: exit code of ``hub push`` when a circuit breaker held a target
HELD_EXIT = 3


def _pipeline(config: Any, name: str | None) -> str:
    from hub.errors import ConfigError

    if name:
        config.pipeline(name)
        return name
    with_push = [p for p, pc in config.pipelines.items() if pc.push]
    if len(with_push) != 1:
        raise ConfigError(
            f"name the pipeline to push; pipelines with push rules: {', '.join(with_push) or 'none'}",
            file=str(config.path),
        )
    return with_push[0]


def _show(detail: dict[str, Any], dry_run: bool) -> None:
    from rich.table import Table

    for label, t in sorted(detail.get("targets", {}).items()):
        console.print(
            f"[bold]{label}[/] ({t['entity']}): {t['changes']} change(s), {t['creates']} create(s), "
            f"{t['conflicts']} conflict(s), {t['overridden']} overridden by the system of record, "
            f"{t['echoes_suppressed']} echo(es) suppressed; breaker: {t['breaker']}"
        )
        for call in t.get("calls", []):
            console.print(f"  {'would call' if dry_run else 'calls'}: {call}")
        if dry_run and t.get("plan"):
            table = Table(title=f"{label}: field-level diff against the live records")
            for col in ("record", "golden", "op", "column", "field", "live value", "new value"):
                table.add_column(col, overflow="fold")
            for p in t["plan"]:
                for column, d in p["diff"].items():
                    table.add_row(
                        p["external_id"] or "(new)",
                        p["canonical_id"],
                        p["op"],
                        column,
                        d["field"],
                        "-" if d["before"] is None else str(d["before"]),
                        str(d["after"]),
                    )
            console.print(table)
        for message in t.get("conflict_list", []):
            console.print(f"  [yellow]conflict[/]: {message}")
        extra = {
            k: v
            for k, v in t.items()
            if k
            in ("written", "retry", "dead", "created", "resent_unconfirmed", "confirmed_by_read", "missing_in_target")
            and v
        }
        if extra:
            console.print("  " + ", ".join(f"{k} {v}" for k, v in extra.items()))


@app.command("push")
@handle_errors
def push_cmd(
    pipeline: str = typer.Argument(None, help="Pipeline whose push rules to apply (default: the one with push rules)."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show the field-level diff against the live records and the API calls; write nothing."
    ),
    approve: int = typer.Option(
        None, "--approve", metavar="RUN", help="Approve the changes run RUN held at the circuit breaker."
    ),
) -> None:
    """Write the golden records into the target systems (changesets through the outbox)."""
    from hub.pipeline.context import StageContext
    from hub.pipeline.push import push
    from hub.pipeline.runlock import run_lock
    from hub.pipeline.runlog import finish_run, start_run
    from hub.push.outbox import approval_trigger
    from hub.redact import redact

    config = load()
    name = _pipeline(config, pipeline)
    engine = _engine()
    if dry_run:
        counts = _dry_run(config, engine, name, approve)
        console.print("push dry run: nothing written")
        _show(counts.detail, dry_run)
        return
    with run_lock(engine, name) as lock:  # one writer per pipeline: a run or a push; a killed push is taken over
        run_id = start_run(
            engine, name, trigger=approval_trigger(approve) if approve is not None else "push", lock=lock
        )
        try:
            counts = push(
                StageContext(config=config, engine=engine, pipeline=name, run_id=run_id),
                dry_run=False,
                approve_run=approve,
            )
        except BaseException as exc:
            finish_run(engine, run_id, "failed", error=redact(str(exc))[:4000])
            raise
        finish_run(engine, run_id, "succeeded", {"push": counts.as_dict()})
    console.print(f"push run {run_id}")
    _show(counts.detail, dry_run)
    if counts.detail.get("held") and not dry_run:
        console.print(
            f"[bold yellow]held by the circuit breaker[/]: {', '.join(counts.detail['held'])}; "
            f"review with `hub push --dry-run`, then approve with `hub push --approve {run_id}`"
        )
        raise typer.Exit(HELD_EXIT)


def _dry_run(config: Any, engine: Any, name: str, approve: int | None) -> Any:
    """Plan the push without leaving a trace in the store: no run, no stage row, reads only."""
    from hub.pipeline.context import StageContext
    from hub.pipeline.push import push

    return push(StageContext(config=config, engine=engine, pipeline=name, run_id=0), dry_run=True, approve_run=approve)


@outbox_app.command("list")
@handle_errors
def outbox_list(
    status: str = typer.Option(
        None, help="Only this status (pending, sending, retry, held, done, dead, superseded, discarded)."
    ),
    system: str = typer.Option(None, help="Only this target system."),
    limit: int = typer.Option(50),
) -> None:
    """Recorded writes, newest first, with their outcome (dead letters show the reason)."""
    from rich.table import Table

    from hub.push import outbox

    with _engine().connect() as conn:
        rows = outbox.list_entries(conn, status, system, limit)
    t = Table(title="outbox")
    for col in ("id", "run", "target", "op", "record", "golden", "status", "attempts", "columns", "reason"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(
            str(r.id),
            str(r.run_id),
            f"{r.system}/{r.stream}",
            r.op,
            r.external_id or "(new)",
            r.canonical_id,
            r.status,
            str(r.attempts),
            ", ".join(sorted(r.payload or {})),
            r.last_error or "",
        )
    console.print(t if rows else "outbox: empty")


@outbox_app.command("retry")
@handle_errors
def outbox_retry(
    ids: list[int] = typer.Argument(None, help="Outbox ids."),
    all_dead: bool = typer.Option(False, "--all-dead", help="Every dead letter."),
) -> None:
    """Queue dead (or backing-off) writes for the next push."""
    from hub.push import outbox

    with _engine().begin() as conn:
        n = outbox.retry(conn, ids or [], all_dead)
    console.print(f"{n} write(s) queued for the next push")


@outbox_app.command("discard")
@handle_errors
def outbox_discard(
    ids: list[int] = typer.Argument(None, help="Outbox ids."),
    all_dead: bool = typer.Option(False, "--all-dead", help="Every dead letter."),
) -> None:
    """Give up writes for good."""
    from hub.push import outbox

    with _engine().begin() as conn:
        n = outbox.discard(conn, ids or [], all_dead)
    console.print(f"{n} write(s) discarded")
