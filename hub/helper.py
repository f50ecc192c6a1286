"""Share a stage's units of work with one helper process: the second core computes, this process writes.

The heavy parts of the extract and reconcile stages are units of work that read the store and
compute (a stream read and mapped; a bucket of customers: its orders linked, its rules run)
followed by a write of what they found. Python runs one of them at a time per process, so
:func:`shared_map` starts one helper that takes units from the same list: each process claims the
next unclaimed unit, the helper sends back what it computed, and this process yields every result
in the order of the units and writes them as before. Writes stay in one process (SQLite has one writer) and in the order of a run without
the helper, so the store ends the same either way.

The helper is a fresh process (from a fork server, which imports the modules a stage names once
for all its helpers), not a fork of this one: a fork shares this process's memory only until Python's reference counts
write to it, and then costs as much again. It gets what it needs pickled (``remote``: a function
of its module and its arguments) and opens its own connection, so it sees what is committed: it
may only compute what this process's open transaction has not changed. A helper that cannot
start, dies, or fails a unit costs nothing but time: this process computes every unit the helper
did not deliver, so an error a unit raises is raised here with its own type and message.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import queue
import sys
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection
from sqlalchemy.pool import NullPool

__all__ = ["shared_map", "default_workers", "own_connection", "remote_for", "store_url", "stop_helpers", "Remote"]

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: results this process computes ahead while the helper works on the one to write next
_AHEAD = 2
#: SQLite page cache of a helper's connection (KiB)
_HELPER_CACHE_KB = 8192


def default_workers() -> int:
    """Processes a stage uses when the pipeline does not say: two where there are two cores."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return 2 if cores >= 2 else 1


def store_url(conn: Connection) -> str | None:
    """The URL a helper opens the store of ``conn`` by; None for an in-memory database private to
    this process. The URL holds the password: it goes to the helper, never to a log."""
    url = conn.engine.url
    if url.get_backend_name() == "sqlite":
        db = url.database or ""
        if db in ("", ":memory:") or db.startswith("file::memory:") or "mode=memory" in db:
            return None
    return url.render_as_string(hide_password=False)


def remote_for(conn: Connection, factory: Callable[..., Any], *args: Any) -> Remote | None:
    """``factory`` to be called in a helper with the URL of ``conn``'s store and ``args``; None when
    no other process can open that store."""
    url = store_url(conn)
    return None if url is None else (factory, (url, *args))


@contextmanager
def own_connection(url: str) -> Iterator[Connection]:
    """A connection of the helper's own to the store at ``url``, closed on exit."""
    from hub.store.engine import make_engine

    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as own:
            if own.dialect.name == "sqlite":  # the helper's page cache counts on top of the run's own
                own.exec_driver_sql(f"PRAGMA cache_size=-{_HELPER_CACHE_KB}")
            yield own
    finally:
        engine.dispose()


def stop_helpers() -> None:
    """Stop the fork server helpers start from (it holds the stage's modules in memory); the next
    helper starts a new one."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)  # CPython's own way to end it (3.8 and later)
    if stop is not None:
        stop()


#: what the helper runs: a module-level function and its (picklable) arguments; the function is
#: entered as a context manager in the helper and gives the function computing one unit
Remote = tuple[Callable[..., AbstractContextManager[Callable[[Any], Any]]], tuple[Any, ...]]


def shared_map(
    items: Sequence[T],
    local: Callable[[T], R],
    remote: Remote | None = None,
    workers: int = 1,
    stats: dict[str, int] | None = None,
    ahead: Callable[[T], R] | None = None,
    preload: Sequence[str] = (),
) -> Generator[R, None, None]:
    """``map(local, items)``, in order; with ``workers`` > 1 and at least two items, a helper
    process computes some of them with the function ``remote`` gives it there.

    The results of both must be equal for equal items; they are pickled across. ``stats`` gets
    ``helper``: how many units the helper computed. ``ahead``: what this process computes for a
    unit ahead of its turn, while the helper works on the one to yield next (default ``local``).
    ``preload``: the modules the helper needs, imported once by the fork server.
    """
    ahead = ahead or local
    helper = _Helper.start(items, remote, preload) if remote is not None and workers > 1 and len(items) > 1 else None
    if helper is None:
        yield from map(local, items)
        return
    done: dict[int, Any] = {}
    try:
        for want in range(len(items)):
            while want not in done:
                if helper.alive and helper.receive(done):
                    continue
                if helper.alive and helper.claimed(want):
                    i = helper.claim() if len(done) < _AHEAD else None
                    if i is None:
                        helper.receive(done, wait=True)
                    else:  # ahead: an error is raised in its turn, after the units before it
                        try:
                            done[i] = ahead(items[i])
                        except Exception as exc:
                            done[i] = _Raised(exc)
                else:  # unclaimed, or claimed by a helper that is gone: computed here
                    if helper.alive:
                        helper.claim(want)
                    done[want] = local(items[want])
            got = done.pop(want)
            if isinstance(got, _Raised):
                raise got.error
            yield got
    finally:
        helper.stop()
        if stats is not None:
            stats["helper"] = stats.get("helper", 0) + helper.delivered


class _Raised:
    """A unit computed ahead that raised: raised when its turn comes."""

    def __init__(self, error: Exception) -> None:
        self.error = error


class _Helper(Generic[T]):
    """The helper process and this side of its pipe."""

    def __init__(self, proc: Any, conn: Any, counter: Any, total: int) -> None:
        self.proc, self.conn, self.counter, self.total = proc, conn, counter, total
        self.alive = True
        self.delivered = 0

    @classmethod
    def start(cls, items: Sequence[T], remote: Remote, preload: Sequence[str]) -> _Helper[T] | None:
        if "forkserver" not in multiprocessing.get_all_start_methods():
            return None
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(list(preload))
        try:
            counter = ctx.Value("q", 0)
            mine, theirs = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_serve, args=(items, remote, counter, theirs), daemon=True, name="hub-helper")
            with _main_module_hidden():
                proc.start()
        except (AssertionError, OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
            # a daemonic process may not start one; no memory for one; an argument that does not pickle
            log.info("working in one process: the helper did not start (%s)", type(exc).__name__)
            return None
        theirs.close()
        return cls(proc, mine, counter, len(items))

    def claimed(self, i: int) -> bool:
        """Whether unit ``i`` was taken (by either process)."""
        with self.counter.get_lock():
            return bool(self.counter.value > i)

    def claim(self, i: int | None = None) -> int | None:
        """Take unit ``i`` (the next unclaimed one when None); None when none is left."""
        return _claim(self.counter, self.total, i)

    def receive(self, done: dict[int, Any], wait: bool = False) -> bool:
        """One message from the helper into ``done`` (waiting for it with ``wait``); whether one came."""
        try:
            if not wait and not self.conn.poll():
                return False
            kind, i, value = pickle.loads(self.conn.recv_bytes())
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            self._lost(f"it stopped: {type(exc).__name__}")
            return False
        if kind == "done":
            done[i] = value
            self.delivered += 1
        else:
            self._lost(f"unit {i} failed there with {value}" if i >= 0 else f"it could not start: {value}")
        return True

    def _lost(self, why: str) -> None:
        if self.alive:
            log.warning("the helper process is gone (%s); this process does its remaining work", why)
        self.alive = False

    def stop(self) -> None:
        """End the helper (at once when it is still working) and release the pipe."""
        self.alive = False
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


def _claim(counter: Any, total: int, i: int | None = None) -> int | None:
    """Take unit ``i`` of ``total`` (the next unclaimed one when None) on the shared ``counter``;
    None when none is left."""
    with counter.get_lock():
        nxt = counter.value if i is None else max(counter.value, i)
        if nxt >= total:
            return None
        counter.value = nxt + 1
        return int(nxt)


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """multiprocessing runs the parent's main module again in a new process (as ``__mp_main__``),
    which runs the top level of a program that embeds the hub and has no main guard; the helper
    needs nothing from it, so it is not named while the helper starts."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved: dict[str, Any] = {k: main.__dict__[k] for k in ("__spec__", "__file__") if k in main.__dict__}
    main.__dict__["__spec__"] = None
    main.__dict__.pop("__file__", None)
    try:
        yield
    finally:
        main.__dict__.update(saved)
        if "__spec__" not in saved:
            main.__dict__.pop("__spec__", None)


def _serve(items: Sequence[Any], remote: Remote, counter: Any, conn: Any) -> None:
    """The helper: claim units until none is left, sending each result (or the failure) back.

    A sender thread pickles and writes while the next unit is computed; the pipe holds one
    message, so the helper is never more than two results ahead of the parent.
    """
    out: queue.Queue[tuple[str, int, Any] | None] = queue.Queue(maxsize=1)

    def send() -> None:
        broken = False  # after a failed send the rest is drained unsent: the parent does it
        while (msg := out.get()) is not None:
            if broken:
                continue
            try:
                conn.send_bytes(pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL))
            except (pickle.PicklingError, TypeError, AttributeError) as exc:  # an unpicklable result
                broken = True
                try:
                    conn.send_bytes(pickle.dumps(("failed", msg[1], type(exc).__name__)))
                except OSError:
                    pass
            except OSError:  # the parent is gone
                broken = True

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    factory, args = remote
    try:
        with factory(*args) as fn:
            while (i := _claim(counter, len(items))) is not None:
                try:
                    out.put(("done", i, fn(items[i])))
                except Exception as exc:  # the parent computes it again and raises it there
                    out.put(("failed", i, type(exc).__name__))
                    break
    except Exception as exc:
        out.put(("failed", -1, type(exc).__name__))
    finally:
        out.put(None)
        sender.join()
        conn.close()
