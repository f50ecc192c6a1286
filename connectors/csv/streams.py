"""The CSV connector: streams are file patterns in a folder; incremental by file fingerprint."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from connectors.csv.config import CsvConfig, CsvStreamConfig
from connectors.csv.reader import read_rows
from hub.connector import Batch, Change, Check, ConnectorContext, Record, StreamInfo, WriteResult
from hub.dropfolder import DropFolder, FileEntry
from hub.errors import DiscoveryError, ParseError


class CsvConnector:
    """Reads CSV files from a folder (or drop folder) as streams of records keyed by columns.

    Cursor state: ``{"done": {fingerprint: file name}, "file": fingerprint, "line": n, "files": {...}}``;
    ``file``/``line`` mark progress inside a file so a killed run resumes after the last
    committed batch instead of starting the file again; ``files`` holds each file's size, mtime and
    fingerprint so unchanged files are not hashed again.
    """

    def __init__(self, config: CsvConfig, context: ConnectorContext) -> None:
        self.config = config
        self.context = context
        self.root = self._path(config.path)

    def _path(self, value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else Path(self.context.base_dir) / p

    def _stream(self, stream: str) -> CsvStreamConfig:
        try:
            return self.config.streams[stream]
        except KeyError:
            raise DiscoveryError(
                f"no stream {stream!r}; configured: {', '.join(sorted(self.config.streams))}",
                system=self.context.system,
            ) from None

    def _folder(self, sc: CsvStreamConfig) -> DropFolder:
        return DropFolder(
            self.root,
            sc.pattern,
            processed=self._path(self.config.processed) if self.config.processed else None,
            failed=self._path(self.config.failed) if self.config.failed else None,
        )

    def _display(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    # -- protocol -------------------------------------------------------------------------
    def check(self) -> list[Check]:
        checks = [Check("folder", self.root.is_dir(), str(self.root))]
        for name, sc in self.config.streams.items():
            files = self._folder(sc).files()
            checks.append(Check(f"stream {name}", True, f"{len(files)} file(s) match {sc.pattern}"))
        return checks

    def discover(self) -> list[StreamInfo]:
        infos = []
        for name, sc in self.config.streams.items():
            fields: tuple[str, ...] = ()
            files = self._folder(sc).files()
            if files:
                for header, rows in read_rows(
                    files[0], sc.encoding or self.config.encoding, self._dialect(sc), self._display(files[0])
                ):
                    fields = tuple(sc.header_aliases.get(h, h) for h in header)
                    close = getattr(rows, "close", None)
                    if close:
                        close()
            infos.append(
                StreamInfo(
                    name=name,
                    key_fields=sc.key_columns,
                    fields=fields,
                    writable=sc.writable or bool(self.config.outbound),
                )
            )
        return infos

    def _dialect(self, sc: CsvStreamConfig) -> dict[str, Any]:
        return (sc.dialect or self.config.dialect).model_dump()

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[Batch]:
        sc = self._stream(stream)
        state = dict(state or {})
        done: dict[str, str] = dict(state.get("done", {}))
        folder = self._folder(sc)
        for entry in list(folder.pending(set(done), state.get("files"))):
            resume_line = state.get("line", 0) if state.get("file") == entry.fingerprint else 0
            for batch in self._read_file(stream, sc, folder, entry, done, resume_line):
                yield replace(batch, state={**batch.state, "files": folder.stats})
            done[entry.fingerprint] = entry.name
            state = {"done": dict(done)}

    def _read_file(
        self,
        stream: str,
        sc: CsvStreamConfig,
        folder: DropFolder,
        entry: FileEntry,
        done: dict[str, str],
        resume_line: int,
    ) -> Iterator[Batch]:
        display = self._display(entry.path)
        encoding = sc.encoding or self.config.encoding
        size = self.config.batch_size
        key_cols = sc.key_columns
        batch: list[Record] = []
        last_line = resume_line
        try:
            opened = list(read_rows(entry.path, encoding, self._dialect(sc), display, aliases=sc.header_aliases))
        except ParseError as exc:
            rec = Record(stream, f"{display}:1", {}, location=f"{display}:1", error=exc)
            yield Batch(
                [rec],
                {"done": {**done, entry.fingerprint: entry.name}},
                final=True,
                on_commit=(folder.archive_action(entry, ok=False),),
                delivery=display,
            )
            return
        if not opened:
            yield Batch(
                [],
                {"done": {**done, entry.fingerprint: entry.name}},
                final=True,
                on_commit=(folder.archive_action(entry),),
                delivery=display,
            )
            return
        header, rows = opened[0]  # renamed by header_aliases, each column named once
        missing = [k for k in key_cols if k not in header]
        if missing:
            err = ParseError(
                f"key column(s) {', '.join(missing)} not in the header", file=display, line=1, field=missing[0]
            )
            yield Batch(
                [Record(stream, f"{display}:1", {}, location=f"{display}:1", error=err)],
                {"done": {**done, entry.fingerprint: entry.name}},
                final=True,
                on_commit=(folder.archive_action(entry, ok=False),),
                columns=tuple(header),
                delivery=display,
            )
            return
        columns = tuple(header)
        key_idx = [header.index(k) for k in key_cols]
        single = key_idx[0] if len(key_idx) == 1 else None
        pair = (key_idx[0], key_idx[1]) if len(key_idx) == 2 else None
        no_key = "|" * (len(key_idx) - 1)
        for row in rows:
            line = row.line
            if line <= resume_line:
                continue
            last_line = line
            location = f"{display}:{line}"
            if row.error is not None:
                batch.append(Record(stream, location, {}, location=location, error=row.error, raw=row.raw))
            else:
                values = row.values
                assert values is not None
                if single is not None:
                    key = values[single].strip()
                elif pair is not None:
                    key = f"{values[pair[0]].strip()}|{values[pair[1]].strip()}"
                else:
                    key = "|".join(values[i].strip() for i in key_idx)
                if not key or key == no_key:
                    err = ParseError("the record has no key", file=display, line=line, field=key_cols[0])
                    batch.append(Record(stream, location, {}, location=location, error=err, raw=",".join(values)))
                else:
                    batch.append(Record(stream, key, dict(zip(header, values)), location=location))
            if len(batch) >= size:
                yield Batch(
                    batch,
                    {"done": dict(done), "file": entry.fingerprint, "line": last_line},
                    columns=columns,
                    delivery=display,
                )
                batch = []
        yield Batch(
            batch,
            {"done": {**done, entry.fingerprint: entry.name}},
            final=True,
            on_commit=(folder.archive_action(entry),),
            columns=columns,
            delivery=display,
        )

    def write(self, stream: str, changes: Iterable[Change]) -> Iterator[WriteResult]:
        """Append changes to ``<outbound>/<stream>.csv`` (header written once); one result per change."""
        if not self.config.outbound:
            raise DiscoveryError(
                f"stream {stream!r} is not writable: no outbound folder configured", system=self.context.system
            )
        out_dir = self._path(self.config.outbound)
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / f"{stream}.csv"
        changes = list(changes)
        fields: list[str] = ["_op", "_key", "_idempotency_key"]
        for ch in changes:
            fields.extend(k for k in ch.data if k not in fields)
        new = not target.exists()
        with target.open("a", encoding=self.config.encoding, newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
            if new:
                writer.writeheader()
            for ch in changes:
                writer.writerow({"_op": ch.op, "_key": ch.key or "", "_idempotency_key": ch.idempotency_key, **ch.data})
            fh.flush()
            os.fsync(fh.fileno())
        for ch in changes:
            yield WriteResult(
                ch.idempotency_key, True, external_id=ch.key or ch.idempotency_key, created=ch.key is None
            )

    def close(self) -> None:
        return None
