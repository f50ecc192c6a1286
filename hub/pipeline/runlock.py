"""One run at a time per pipeline and store: a lock row naming the run, its pid and host.

A second ``hub run`` of the same pipeline on the same store stops at once with who holds the
lock (or waits for it with ``--wait``). A lock whose owner process is gone (killed) is taken
over, and runs it left ``running`` are marked ``interrupted``.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, delete, select, update
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

    def bind(self, run_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(RunLock).where(RunLock.pipeline == self.pipeline, RunLock.pid == os.getpid())
                         .values(run_id=run_id))


def _try_acquire(engine: Engine, pipeline: str) -> RunLock | None:
    """Take the lock, or return the live holder's row."""
    with engine.begin() as conn:
        lk = RunLock.__table__
        row = conn.execute(select(lk).where(lk.c.pipeline == pipeline)).first()
        if row is not None and _alive(row.pid, row.host) and not (row.pid == os.getpid() and row.host == _HOST):
            return row  # type: ignore[return-value]
        if row is not None:
            conn.execute(delete(RunLock).where(RunLock.pipeline == pipeline))
        conn.execute(update(Run).where(Run.pipeline == pipeline, Run.status == "running", Run.trigger != "airflow")
                     .values(status="interrupted", finished_at=utcnow(),
                             error="interrupted: the process running it stopped before it finished"))
        conn.execute(RunLock.__table__.insert().values(pipeline=pipeline, run_id=0, pid=os.getpid(), host=_HOST,
                                                       started_at=utcnow()))
    return None


@contextmanager
def run_lock(engine: Engine, pipeline: str, wait: float = 0) -> Iterator[RunLockHandle]:
    """Hold the pipeline's run lock for the block; waits up to ``wait`` seconds for a running one."""
    deadline = time.monotonic() + wait
    while True:
        try:
            holder = _try_acquire(engine, pipeline)
        except IntegrityError:  # another process inserted the lock between our read and our insert
            holder = None
            if time.monotonic() >= deadline:
                raise RunInProgressError(f"another run of {pipeline} started at the same moment") from None
            time.sleep(0.2)
            continue
        if holder is None:
            break
        if time.monotonic() >= deadline:
            since = holder.started_at.strftime("%Y-%m-%d %H:%M:%S UTC") if holder.started_at else "?"
            raise RunInProgressError(
                f"run {holder.run_id or '?'} of {pipeline} is in progress since {since}, pid {holder.pid} on {holder.host}; "
                "wait for it (hub run --wait SECONDS) or stop that process")
        time.sleep(min(1.0, max(0.1, deadline - time.monotonic())))
    handle = RunLockHandle(engine, pipeline)
    try:
        yield handle
    finally:
        try:
            with engine.begin() as conn:
                conn.execute(delete(RunLock).where(RunLock.pipeline == pipeline, RunLock.pid == os.getpid(),
                                                   RunLock.host == _HOST))
        except Exception:  # the store is gone: the next run takes the dead lock over
            pass
