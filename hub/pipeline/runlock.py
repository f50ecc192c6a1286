"""One run at a time per pipeline and store: a lock row naming the run, its pid and host.

A second ``hub run`` (or ``hub push``) of the same pipeline on the same store stops at once with
who holds the lock (or waits for it with ``--wait``). A lock whose owner process is gone (killed)
is taken over, and runs it left ``running`` are marked ``interrupted``.

On PostgreSQL the holder also keeps a session advisory lock (keyed by schema and pipeline) on a
connection of its own for the whole run: the server releases it when the holder dies, on any
host, so a lock row is known stale exactly when that advisory lock is free. SQLite (one host)
asks whether the recorded pid still lives.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, delete, select, text, update
from sqlalchemy.exc import IntegrityError

from hub.clock import utcnow
from hub.errors import RunInProgressError
from hub.store.models import Run, RunLock

__all__ = ["run_lock", "RunLockHandle"]

_HOST = socket.gethostname()


def _alive(pid: int, host: str) -> bool:
    if host != _HOST:
        return True  # another machine's process: cannot tell, assume it runs
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunLockHandle:
    """The held lock; ``bind`` records which run holds it."""

    def __init__(self, engine: Engine, pipeline: str) -> None:
        self.engine, self.pipeline = engine, pipeline

    def bind(self, run_id: int, conn: Connection) -> None:
        """Name ``run_id`` as the holder, inside the caller's transaction (the one that opens the run)."""
        conn.execute(
            update(RunLock).where(RunLock.pipeline == self.pipeline, RunLock.pid == os.getpid()).values(run_id=run_id)
        )


class _SessionLock:
    """PostgreSQL: a session advisory lock per (schema, pipeline) on a connection held for the run."""

    _KEY = "hashtextextended('hub run lock/' || current_schema() || '/' || :p, 0)"

    def __init__(self, engine: Engine, pipeline: str) -> None:
        self.engine, self.pipeline = engine, pipeline
        self.conn: Connection | None = None

    def try_lock(self) -> bool:
        if self.conn is None:
            self.conn = self.engine.connect()
        got = bool(self.conn.execute(text(f"SELECT pg_try_advisory_lock({self._KEY})"), {"p": self.pipeline}).scalar())
        self.conn.commit()
        return got

    def close(self) -> None:
        if self.conn is None:
            return
        try:
            self.conn.execute(text(f"SELECT pg_advisory_unlock({self._KEY})"), {"p": self.pipeline})
            self.conn.commit()
        except Exception:  # the connection is gone: the server released the lock with it
            pass
        finally:
            self.conn.close()
            self.conn = None


def _holder(engine: Engine, pipeline: str) -> RunLock | None:
    with engine.connect() as conn:
        return conn.execute(select(RunLock.__table__).where(RunLock.pipeline == pipeline)).first()  # type: ignore[return-value]


def _busy(holder: RunLock | None, pipeline: str) -> RunInProgressError:
    if holder is None:
        return RunInProgressError(f"another run of {pipeline} is starting; wait for it (hub run --wait SECONDS)")
    since = holder.started_at.strftime("%Y-%m-%d %H:%M:%S UTC") if holder.started_at else "?"
    who = f"pid {holder.pid} on {holder.host}"
    if not holder.run_id:  # held, but by no run yet: a run still opening, or maintenance (hub db vacuum)
        return RunInProgressError(
            f"{pipeline} is locked since {since} by {who}, which is not a run (hub db vacuum, or a run still "
            "starting); wait for it (hub run --wait SECONDS) or stop that process"
        )
    return RunInProgressError(
        f"run {holder.run_id} of {pipeline} is in progress since {since}, {who}; "
        "wait for it (hub run --wait SECONDS) or stop that process"
    )


def _try_acquire(engine: Engine, pipeline: str, owned: bool = False) -> RunLock | None:
    """Take the lock, or return the live holder's row (``owned``: the advisory lock says no one else lives)."""
    with engine.begin() as conn:
        lk = RunLock.__table__
        row = conn.execute(select(lk).where(lk.c.pipeline == pipeline)).first()
        if (
            row is not None
            and not owned
            and _alive(row.pid, row.host)
            and not (row.pid == os.getpid() and row.host == _HOST)
        ):
            return row  # type: ignore[return-value]
        if row is not None:
            conn.execute(delete(RunLock).where(RunLock.pipeline == pipeline))
        conn.execute(
            update(Run)
            .where(Run.pipeline == pipeline, Run.status == "running", Run.trigger != "airflow")
            .values(
                status="interrupted",
                finished_at=utcnow(),
                error="interrupted: the process running it stopped before it finished",
            )
        )
        conn.execute(
            RunLock.__table__.insert().values(
                pipeline=pipeline, run_id=0, pid=os.getpid(), host=_HOST, started_at=utcnow()
            )
        )
    return None


@contextmanager
def run_lock(engine: Engine, pipeline: str, wait: float = 0) -> Iterator[RunLockHandle]:
    """Hold the pipeline's run lock for the block; waits up to ``wait`` seconds for a running one."""
    deadline = time.monotonic() + wait
    session = _SessionLock(engine, pipeline) if engine.dialect.name == "postgresql" else None
    try:
        while True:
            if session is not None and not session.try_lock():
                holder = _holder(engine, pipeline)
            else:
                try:
                    holder = _try_acquire(engine, pipeline, owned=session is not None)
                except IntegrityError:  # another process inserted the lock between our read and our insert
                    holder = None
                    if time.monotonic() >= deadline:
                        raise RunInProgressError(f"another run of {pipeline} started at the same moment") from None
                    time.sleep(0.2)
                    continue
                if holder is None:
                    break
            if time.monotonic() >= deadline:
                raise _busy(holder, pipeline)
            time.sleep(min(1.0, max(0.1, deadline - time.monotonic())))
        handle = RunLockHandle(engine, pipeline)
        try:
            yield handle
        finally:
            try:
                with engine.begin() as conn:
                    conn.execute(
                        delete(RunLock).where(
                            RunLock.pipeline == pipeline, RunLock.pid == os.getpid(), RunLock.host == _HOST
                        )
                    )
            except Exception:  # the store is gone: the next run takes the dead lock over
                pass
    finally:
        if session is not None:
            session.close()
