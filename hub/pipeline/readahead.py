"""Reading streams ahead: a helper process reads, checks, hashes and maps the next streams while
this process writes the current one.

The extract stage writes every stream in one process (SQLite has one writer) and in the order of
the pipeline (so the store ends the same as a run read in one process). Once the extract has
run long enough for a second process to pay off, the remaining streams are shared with a helper
(:func:`hub.helper.shared_map`): each process claims the next stream; a stream read apart from
its turn (by the helper, or by this process while the helper holds the stream due next) is
prepared into a spool file of :class:`~hub.pipeline.extract.Prepared` batches, which
:func:`~hub.pipeline.extract.extract_stream` writes and judges in its turn, in the stream's own
transaction. A stream in its turn and not yet read is read and written here as before.

Only connector kinds registered with ``read_apart`` (reading has no side effect a second read
would repeat differently, and a batch pickles) are read apart. A read apart that fails for any
reason (a broken contract, a missing folder, a connector error) hands the stream back: it is read
in its turn here, which raises the error in the stream's own stage, as without a helper.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from hub.config import HubConfig
from hub.errors import SourceError
from hub.helper import default_workers, remote_for, shared_map, stop_helpers
from hub.pipeline.connect import connector_kind
from hub.pipeline.context import StageContext

__all__ = ["read_plan", "Spooled", "START_AFTER"]

log = logging.getLogger(__name__)

#: seconds of extract after which the remaining streams are shared with a helper (a helper costs
#: about a second to start; a small run never starts one)
START_AFTER = 3.0

#: what the fork server imports before it starts the helper: nothing, the stage starts one helper
#: and this process waits while the server imports (the helper imports what it needs by itself)
_PRELOAD: tuple[str, ...] = ()

#: a stream to read: its position among those shared, system, stream, whether it may be read apart
Item = tuple[int, str, str, bool]


class _End:
    """The last entry of a spool: the read's contract watch, for the writer to judge."""

    def __init__(self, watch: Any) -> None:
        self.watch = watch


class Spooled:
    """A stream read apart: its prepared batches in a spool file, then its watch."""

    def __init__(self, path: Path, by: str, system: str, stream: str) -> None:
        self.path, self.by, self.system, self.stream = path, by, system, stream
        self.watch: Any = None

    def batches(self) -> Iterator[Any]:
        """The prepared batches in read order; :attr:`watch` is set once they are all given."""
        try:
            with open(self.path, "rb") as fh:  # one pickle per batch: an unpickler kept would keep every batch
                while not isinstance(item := pickle.load(fh), _End):
                    yield item
        except (OSError, EOFError, pickle.UnpicklingError) as exc:  # gone or damaged since it was written
            raise SourceError(
                f"the batches read ahead could not be read back ({type(exc).__name__}: {exc}); "
                "nothing of the stream was kept: the next run reads it again",
                file=str(self.path),
                system=self.system,
                stream=self.stream,
            ) from None
        self.watch = item.watch


def read_plan(ctx: StageContext, streams: list[tuple[str, str]]) -> Iterator[tuple[str, str, Spooled | None]]:
    """The streams in pipeline order, each with its read done apart (:class:`Spooled`) or None: the
    caller reads it itself. The caller extracts each before asking for the next."""
    started = time.monotonic()
    streams = list(streams)
    while streams and (time.monotonic() - started < START_AFTER or len(streams) < 2):
        system, stream = streams.pop(0)
        yield system, stream, None
    if not streams:
        return
    apart = _read_apart(ctx.config, streams)
    workers = ctx.config.pipeline(ctx.pipeline).workers or default_workers()
    if workers < 2 or sum(apart) < 2:
        for system, stream in streams:
            yield system, stream, None
        return
    spool = Path(tempfile.mkdtemp(prefix="hub-extract-"))  # only this user may read or write it: it is unpickled
    try:
        with ctx.engine.connect() as conn:
            remote = remote_for(
                conn, _spool_helper, ctx.config, ctx.pipeline, ctx.run_id, dict(ctx.options), str(spool)
            )
        items: list[Item] = [(i, sy, st, a) for i, ((sy, st), a) in enumerate(zip(streams, apart))]

        pid = os.getpid()
        # closed before the spool folder goes, whatever ends the stage: the helper is stopped first
        with closing(
            shared_map(items, _in_turn, remote, workers, ahead=partial(_spool, ctx, spool=spool), preload=_PRELOAD)
        ) as done:
            for (_, system, stream, _), got in zip(items, done):
                if got is None:
                    yield system, stream, None
                    continue
                path, by = got
                try:
                    yield system, stream, Spooled(Path(path), "run" if by == pid else "helper", system, stream)
                finally:
                    Path(path).unlink(missing_ok=True)
    finally:
        stop_helpers()
        shutil.rmtree(spool, ignore_errors=True)


def _in_turn(item: Item) -> None:
    """A stream due now and not read yet: the caller reads it."""
    return None


def _read_apart(config: HubConfig, streams: list[tuple[str, str]]) -> list[bool]:
    """Whether each stream's connector kind may be read apart (the config is validated: every kind is known)."""
    apart = {system: connector_kind(config, system).read_apart for system in {s for s, _ in streams}}
    return [apart[system] for system, _ in streams]


def _spool(ctx: StageContext, item: Item, spool: Path) -> tuple[str, int] | None:
    """Read one stream into a spool file, through a connection of its own (it writes nothing);
    None when the stream is left to its turn (see the module)."""
    from hub.pipeline.extract import KeysSeen, StreamRead

    i, system, stream, apart = item
    if not apart:
        return None
    path = spool / f"{i}.spool"
    try:
        with ctx.engine.connect() as conn:
            read = StreamRead(ctx, conn, system, stream, ctx.stream_mapper(system, stream))
            try:
                with open(path, "wb") as fh:  # one pickle per batch: a pickler kept would keep every batch
                    for p in read.batches(conn, KeysSeen()):
                        pickle.dump(p, fh, protocol=pickle.HIGHEST_PROTOCOL)
                    pickle.dump(_End(read.watch), fh, protocol=pickle.HIGHEST_PROTOCOL)
            finally:
                read.close()
    except Exception as exc:  # read again in its turn, where the error is the stream's own
        log.debug("stream %s/%s is left to its turn: %s", system, stream, type(exc).__name__)
        path.unlink(missing_ok=True)
        return None
    return str(path), os.getpid()


@contextmanager
def _spool_helper(
    url: str, config: HubConfig, pipeline: str, run_id: int, options: dict[str, Any], spool: str
) -> Iterator[Any]:
    """In the helper: reads streams into spool files through its own connection to the store."""
    from sqlalchemy.pool import NullPool

    from hub.store.engine import make_engine

    engine = make_engine(url, poolclass=NullPool)
    ctx = StageContext(config=config, engine=engine, pipeline=pipeline, run_id=run_id, options=options)

    try:
        yield partial(_spool, ctx, spool=Path(spool))
    finally:
        engine.dispose()
