"""The EDI connector: one stream per transaction kind, incremental by file fingerprint, 997/CONTRL out.

Streams are X12 transaction set ids (``846``, ``850``, ...) and EDIFACT message types
(``ORDERS``, ...). Records carry the canonical dict plus ``_entity``; their location reads
``846/846_000001.x12#segment 12``. A file, interchange or set that fails validation becomes one
Record with ``error`` set (quarantined) and the rest of the folder goes on. Cursor state:
``{"done": [fingerprint, ...], "interchanges": ["sender|receiver|control", ...]}`` (sorted), plus
``files``: each file's size, mtime and fingerprint, so unchanged files are not hashed again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.edi import acks, edifact, transactions, transactions_edifact, x12
from connectors.edi.config import EdiConfig
from hub.connector import Batch, Change, Check, ConnectorContext, Record, StreamInfo, WriteResult
from hub.dropfolder import DropFolder, FileEntry
from hub.errors import DiscoveryError, EdiError, HubError

__all__ = ["EdiConnector", "detect_standard", "STREAMS"]

_X12_STREAMS = {
    "846": "inventory",
    "850": "sales_order",
    "855": "sales_order",
    "856": "sales_order",
    "810": "invoice",
    "820": "remittance_line",
    "997": "edi_ack",
}
_EDIFACT_STREAMS = {
    "ORDERS": "sales_order",
    "ORDRSP": "sales_order",
    "DESADV": "sales_order",
    "INVOIC": "invoice",
    "INVRPT": "inventory",
    "REMADV": "remittance_line",
}
STREAMS = {**_X12_STREAMS, **_EDIFACT_STREAMS}
_WRITABLE = set(transactions.OUTBOUND_SETS) | set(transactions_edifact.OUTBOUND_MESSAGES)


def detect_standard(path: Path) -> str | None:
    """``x12``, ``edifact`` or None from the first bytes of a file."""
    with path.open("rb") as fh:
        head = fh.read(512).lstrip(b" \t\r\n")
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip(b" \t\r\n")
    if head.startswith(b"ISA") or head.startswith(b"\xc9\xe2\xc1"):
        return "x12"
    if head.startswith((b"UNA", b"UNB")):
        return "edifact"
    # junk before the envelope: let the matching reader report it with its segment number
    x, e = head.find(b"ISA"), min((i for i in (head.find(b"UNA"), head.find(b"UNB")) if i >= 0), default=-1)
    if x >= 0 and (e < 0 or x < e):
        return "x12"
    return "edifact" if e >= 0 else None


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text.strip())[:40] or "x"


class EdiConnector:
    """Backend adapter for a folder of EDI files exchanged with trading partners."""

    def __init__(self, config: EdiConfig, context: ConnectorContext) -> None:
        self.config = config
        self.context = context
        self.inbound = self._path(config.inbound)

    def _path(self, value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else Path(self.context.base_dir) / p

    def _folder(self) -> DropFolder:
        c = self.config
        return DropFolder(
            self.inbound,
            c.pattern,
            processed=self._path(c.processed) if c.processed else None,
            failed=self._path(c.failed) if c.failed else None,
        )

    def _display(self, path: Path) -> str:
        try:
            return path.relative_to(self.inbound).as_posix()
        except ValueError:
            return str(path)

    # -- protocol ----------------------------------------------------------------------------
    def check(self) -> list[Check]:
        checks = [Check("inbound folder", self.inbound.is_dir(), str(self.inbound))]
        if self.config.outbound:
            out = self._path(self.config.outbound)
            checks.append(Check("outbound folder", out.is_dir() or not out.exists(), str(out)))
        if self.inbound.is_dir():
            checks.append(Check("files", True, f"{len(self._folder().files())} file(s) match {self.config.pattern}"))
        return checks

    def discover(self) -> list[StreamInfo]:
        return [
            StreamInfo(
                name=name,
                key_fields=("external_id",),
                description=f"{name} -> {entity}",
                writable=name in _WRITABLE and bool(self.config.outbound),
            )
            for name, entity in STREAMS.items()
            if self.config.standard == "auto" or (name in _X12_STREAMS) == (self.config.standard == "x12")
        ]

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[Batch]:
        """Records of ``stream`` from the files not read before, several files per batch.

        A batch's state covers every file whose records it holds, so a killed run re-reads at most
        one batch worth of files. Files whose folder or name names another kind are not parsed.
        """
        if stream not in STREAMS:
            raise DiscoveryError(f"no stream {stream!r}; streams: {', '.join(STREAMS)}", system=self.context.system)
        state = dict(state or {})
        done = set(state.get("done", []))
        seen = {tuple(k.split("|", 2)) for k in state.get("interchanges", [])}
        folder = self._folder()
        size = self.config.batch_size
        records: list[Record] = []
        actions: list[Any] = []

        def snapshot() -> dict[str, Any]:
            return {"done": sorted(done), "interchanges": sorted("|".join(k) for k in seen), "files": folder.stats}

        for entry in list(folder.pending(done, state.get("files"))):
            if self._elsewhere(entry.path, stream):
                done.add(entry.fingerprint)
                continue
            found, archive, ok = self._read_file(stream, entry, seen)
            done.add(entry.fingerprint)
            records.extend(found)
            if archive:
                actions.append(folder.archive_action(entry, ok=ok))
            if len(records) >= size:
                yield Batch(records, snapshot(), on_commit=tuple(actions))
                records, actions = [], []
        yield Batch(records, snapshot(), final=True, on_commit=tuple(actions))

    def _elsewhere(self, path: Path, stream: str) -> bool:
        """Whether the file's folder or name names another transaction kind (so it holds none of ``stream``)."""
        names = [path.parent.name.upper(), path.name.split("_")[0].split(".")[0].upper()]
        known = [n for n in names if n in STREAMS]
        return bool(known) and stream.upper() not in known

    def _read_file(self, stream: str, entry: FileEntry, seen: set[tuple[str, ...]]) -> tuple[list[Record], bool, bool]:
        """Records of ``stream`` in one file, whether the file may be archived now, and whether it was readable."""
        display = self._display(entry.path)
        try:
            standard = detect_standard(entry.path)
            if self.config.standard != "auto" and standard != self.config.standard:
                raise EdiError(f"not an {self.config.standard.upper()} file", file=display, segment=1)
            if standard is None:
                raise EdiError("neither X12 (ISA) nor EDIFACT (UNA/UNB) data", file=display, segment=1)
            if standard == "x12":
                return self._read_x12(stream, entry, display, seen)
            return self._read_edifact(stream, entry, display, seen)
        except HubError as exc:
            if not self._hinted(entry.path, stream):
                return [], False, False
            exc.file = exc.file or display
            exc.stream = stream
            return [self._error(stream, display, exc)], True, False

    def _hinted(self, path: Path, stream: str) -> bool:
        """Whether an unreadable file is reported in ``stream``: its folder or name says so, or nothing says otherwise."""
        names = [path.parent.name.upper(), path.name.split("_")[0].split(".")[0].upper()]
        known = [n for n in names if n in STREAMS]
        return stream.upper() in known if known else True

    def _error(self, stream: str, display: str, exc: HubError) -> Record:
        loc = f"{display}#segment {exc.segment}" if exc.segment else display
        return Record(stream, loc, {}, location=loc, error=exc)

    def _read_x12(
        self, stream: str, entry: FileEntry, display: str, seen: set[tuple[str, ...]]
    ) -> tuple[list[Record], bool, bool]:
        out: list[Record] = []
        kinds: set[str] = set()
        readable = True
        interchanges = x12.parse(entry.path)
        while True:
            try:
                ic = next(interchanges)
            except StopIteration:
                break
            except EdiError as exc:
                # what follows the last whole interchange is unreadable; the interchanges before
                # it were acknowledged, so their records stand and the rest is quarantined
                if self._hinted(entry.path, stream):
                    exc.file = display
                    out.append(self._error(stream, display, self._locate(exc, display, stream)))
                readable = False
                break
            self._ack_x12(ic)
            kinds.update(ts.id for g in ic.groups for ts in g.sets)
            errs = list(ic.errors)
            try:
                x12.check_duplicate(ic, seen)
            except EdiError as dup:
                errs.append(dup)
            ids = {ts.id for g in ic.groups for ts in g.sets}
            readable = readable and not ic.errors
            if errs:
                # an interchange with no readable set (e.g. a wrong segment terminator) belongs to
                # the stream its file is meant for, or to every stream when nothing says which
                if stream in ids or (not ids and self._hinted(entry.path, stream)):
                    out.append(self._error(stream, display, self._locate(errs[0], display, stream)))
                continue
            for g in ic.groups:
                if g.errors and not g.sets and self._hinted(entry.path, stream):
                    readable = False
                    out.append(self._error(stream, display, self._locate(g.errors[0], display, stream)))
                for ts in g.sets:
                    if ts.id != stream:
                        continue
                    if g.errors or ts.errors:
                        out.append(
                            self._error(stream, display, self._locate((ts.errors or g.errors)[0], display, stream))
                        )
                        continue
                    out.extend(self._records(stream, display, ts.header.number, lambda ts=ts: transactions.map_set(ts)))
        return out, kinds <= {stream}, readable

    def _read_edifact(
        self, stream: str, entry: FileEntry, display: str, seen: set[tuple[str, ...]]
    ) -> tuple[list[Record], bool, bool]:
        out: list[Record] = []
        kinds: set[str] = set()
        for ic in edifact.parse(entry.path):
            self._ack_edifact(ic)
            kinds.update(m.type for m in ic.messages)
            key = (ic.sender, ic.receiver, ic.control)
            errs = list(ic.errors)
            if key in seen:
                errs.append(
                    EdiError(
                        f"duplicate interchange: reference {ic.control} from {ic.sender} was already received",
                        segment=1,
                        code="26",
                        ack="UCI",
                        field="UNB",
                    )
                )
            seen.add(key)
            if errs:
                if any(m.type == stream for m in ic.messages) or not ic.messages:
                    out.append(self._error(stream, display, self._locate(errs[0], display, stream)))
                continue
            for msg in ic.messages:
                if msg.type != stream:
                    continue
                if msg.errors:
                    out.append(self._error(stream, display, self._locate(msg.errors[0], display, stream)))
                    continue
                out.extend(
                    self._records(
                        stream,
                        display,
                        msg.header.number,
                        lambda m=msg, d=ic.delimiters: transactions_edifact.map_message(m, d),
                    )
                )
        return out, kinds <= {stream}, True

    def _locate(self, exc: HubError, display: str, stream: str) -> HubError:
        exc.file = exc.file or display
        exc.stream = stream
        exc.system = exc.system or self.context.system
        return exc

    def _records(self, stream: str, display: str, number: int, build: Any) -> list[Record]:
        loc = f"{display}#segment {number}"
        try:
            mapped = build()
        except HubError as exc:
            return [self._error(stream, display, self._locate(exc, display, stream))]
        return [Record(stream, str(r["external_id"]), r, location=loc) for r in mapped]

    # -- acknowledgments ---------------------------------------------------------------------
    def _ack_dir(self) -> Path | None:
        if not (self.config.acknowledge and self.config.outbound):
            return None
        return self._path(self.config.outbound)

    def _ack_x12(self, ic: x12.Interchange) -> None:
        out = self._ack_dir()
        if out is None:
            return
        if ic.errors and not ic.groups:
            # nothing to acknowledge group by group: reject the interchange itself
            target = out / f"TA1_{_safe(ic.header.get(6))}_{_safe(ic.control)}.x12"
            if not target.exists():
                x12.write_text(acks.build_ta1(ic), target)
            return
        for n, g in enumerate(ic.groups, 1):
            if g.functional_id == "FA":
                continue
            target = out / f"997_{_safe(ic.header.get(6))}_{_safe(ic.control)}_{n}_{_safe(g.control)}.x12"
            if not target.exists():
                x12.write_text(acks.build_997(ic, [g]), target)

    def _ack_edifact(self, ic: edifact.Interchange) -> None:
        out = self._ack_dir()
        if out is None or any(m.type == "CONTRL" for m in ic.messages):
            return
        target = out / f"CONTRL_{_safe(ic.sender)}_{_safe(ic.control)}.edi"
        if not target.exists():
            x12.write_text(acks.build_contrl(ic), target)

    # -- outbound ----------------------------------------------------------------------------
    def write(self, stream: str, changes: Iterable[Change]) -> Iterator[WriteResult]:
        """Write one outbound document per change (``data`` = header fields plus ``lines``) into ``outbound``."""
        if stream not in _WRITABLE:
            raise DiscoveryError(
                f"stream {stream!r} is not writable; writable: {', '.join(sorted(_WRITABLE))}",
                system=self.context.system,
            )
        if not (self.config.outbound and self.config.sender_id and self.config.receiver_id):
            raise DiscoveryError(
                "writing EDI needs outbound, sender_id and receiver_id in the connector config",
                system=self.context.system,
            )
        out = self._path(self.config.outbound)
        for ch in changes:
            digest = hashlib.sha256(ch.idempotency_key.encode()).hexdigest()
            control = int(digest[:8], 16) % 900_000_000 + 100_000_000
            ext = ".x12" if stream in transactions.OUTBOUND_SETS else ".edi"
            target = out / f"{stream}_{digest[:16]}{ext}"
            header = {k: v for k, v in ch.data.items() if k != "lines"}
            key = str(header.get("order_number") or header.get("external_id") or ch.key or "")
            try:
                if target.exists():
                    yield WriteResult(
                        ch.idempotency_key, True, external_id=key, created=False, details={"file": target.name}
                    )
                    continue
                docs = [(header, list(ch.data.get("lines") or []))]
                when = datetime.now().replace(microsecond=0)
                if stream in transactions.OUTBOUND_SETS:
                    text = transactions.render_outbound(
                        stream,
                        docs,
                        sender=self.config.sender_id,
                        receiver=self.config.receiver_id,
                        control=control,
                        when=when,
                    )
                else:
                    text = transactions_edifact.render_outbound(
                        stream,
                        docs,
                        sender=self.config.sender_id,
                        receiver=self.config.receiver_id,
                        control=str(control),
                        when=when,
                    )
                x12.write_text(text, target)
                yield WriteResult(
                    ch.idempotency_key, True, external_id=key, created=True, details={"file": target.name}
                )
            except HubError as exc:
                exc.stream = stream
                exc.external_id = key or None
                yield WriteResult(ch.idempotency_key, False, external_id=key or None, error=exc)

    def close(self) -> None:
        return None
