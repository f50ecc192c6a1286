"""Drop-folder delivery shared by file connectors (CSV, EDI): find new files, archive them after commit.

Layout (all configurable): ``inbound/`` holds arriving files; after the batch that covers a file
is committed it moves to ``processed/`` (or ``failed/`` when the file could not be read at all).
Files are recognised by a content fingerprint, so a file seen before is skipped even if it is
dropped again under another name, and a changed file under the same name is read again.
Without archive folders the files stay where they are and the fingerprints in the cursor state
make re-reads incremental.

A file is hashed again only when its size or modification time (nanoseconds) differs from what was
noted beside its fingerprint (:attr:`DropFolder.stats`, kept by the connectors in their cursor state
under ``files``), so an unchanged folder of thousands of files is listed, not read. The blind spot:
a file rewritten in place with the same size within the same nanosecond of modification time (or
with its mtime set back) keeps its old fingerprint and is not read again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG
from typing import Any

__all__ = ["DropFolder", "FileEntry", "fingerprint"]

_CHUNK = 1 << 20


def fingerprint(path: Path) -> str:
    """Content hash of a file (BLAKE2b-128 over its bytes plus its size), read in chunks."""
    h = hashlib.blake2b(digest_size=16)
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            size += len(chunk)
            h.update(chunk)
    return f"{h.hexdigest()}-{size}"


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One file found in a drop folder."""

    path: Path
    fingerprint: str

    @property
    def name(self) -> str:
        return self.path.name


class DropFolder:
    """Files matching ``pattern`` under ``inbound``, oldest name first, with archiving."""

    def __init__(
        self,
        inbound: Path,
        pattern: str = "*",
        processed: Path | None = None,
        failed: Path | None = None,
    ) -> None:
        self.inbound = Path(inbound)
        self.pattern = pattern
        self.processed = Path(processed) if processed else None
        self.failed = Path(failed) if failed else None
        #: path under ``inbound`` -> [size, mtime in ns, fingerprint] of every file :meth:`pending` listed
        self.stats: dict[str, list[Any]] = {}

    def files(self) -> list[Path]:
        """Every matching regular file, sorted by relative path (deterministic order)."""
        return [path for path, _st in self._listing()]

    def _listing(self) -> list[tuple[Path, os.stat_result]]:
        """:meth:`files` with each file's stat (one ``stat`` per file: a folder may hold thousands)."""
        if not self.inbound.exists():
            return []
        found = []
        for path in self.inbound.glob(self.pattern):
            try:
                st = path.stat()
            except OSError:  # gone since the listing, or a broken link: not a file (as Path.is_file says)
                continue
            if S_ISREG(st.st_mode):
                found.append((path, st))
        found.sort(key=lambda e: str(e[0]))
        return found

    def pending(
        self, seen: set[str] | frozenset[str] = frozenset(), known: Mapping[str, Sequence[Any]] | None = None
    ) -> Iterator[FileEntry]:
        """Files whose fingerprint is not in ``seen``; a missing inbound folder is a SourceError, not an empty read.

        ``known``: the :attr:`stats` of an earlier listing; a file of the same size and mtime keeps its
        fingerprint without being read. :attr:`stats` is rebuilt for the files listed now.
        """
        if not self.inbound.is_dir():
            from hub.errors import SourceError

            what = "is not a folder" if self.inbound.exists() else "does not exist"
            raise SourceError(
                f"the source folder {self.inbound} {what}; check the connector's path setting "
                "(and the environment variables it uses)",
                file=str(self.inbound),
            )
        known = known or {}
        self.stats = {}
        skip = len(self.inbound.parts)  # a listed path is the inbound folder's parts, then its own
        for path, st in self._listing():  # stat before the read: a write during the hash shows next time
            name = "/".join(path.parts[skip:])
            before = known.get(name)
            if before is not None and len(before) == 3 and [before[0], before[1]] == [st.st_size, st.st_mtime_ns]:
                fp = str(before[2])
            else:
                fp = fingerprint(path)
            self.stats[name] = [st.st_size, st.st_mtime_ns, fp]
            if fp not in seen:
                yield FileEntry(path, fp)

    def archive(self, entry: FileEntry, ok: bool = True) -> Path | None:
        """Move a committed file to processed/ (or failed/); a no-op without archive folders.

        Safe to repeat: a file already moved is not an error, and a name clash in the archive
        gets the fingerprint appended instead of overwriting an earlier file.
        """
        return self.archive_action(entry, ok)()

    def archive_action(self, entry: FileEntry, ok: bool = True) -> Archive:
        """:meth:`archive` as an action a batch runs after its commit (it pickles: a helper process
        that read the batch hands it over)."""
        return Archive(self.processed if ok else self.failed, entry)


@dataclass(frozen=True)
class Archive:
    """Moving one file into an archive folder (None: no archive folder, nothing to do)."""

    target_dir: Path | None
    entry: FileEntry

    def __call__(self) -> Path | None:
        target_dir, entry = self.target_dir, self.entry
        if target_dir is None or not entry.path.exists():
            return None
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / entry.path.name
        if target.exists():
            target = target_dir / f"{entry.path.stem}.{entry.fingerprint[:12]}{entry.path.suffix}"
        tmp = target.with_name(target.name + ".part")
        shutil.copy2(entry.path, tmp)
        os.replace(tmp, target)
        entry.path.unlink()
        return target
