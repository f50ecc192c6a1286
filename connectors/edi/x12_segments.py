"""X12 tokenising: bytes or text (UTF-8, Latin-1, EBCDIC) to numbered segments, delimiters read from each ISA."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path

from connectors.edi.x12_model import Delimiters, Segment
from hub.errors import EdiError

__all__ = ["iter_segments"]

_CHUNK = 1 << 20
#: whitespace tolerated between segments (line breaks, indentation, EBCDIC NL, record padding)
_WS = " \t\r\n\x0b\x0c\x85\x00\x1a"  # \x1a: DOS end-of-file marker


def _open_text(source: str | Path | bytes) -> tuple[Iterator[str], str | None]:
    """Text chunks of ``source`` (a path, raw bytes, or already-decoded text) and a display name."""
    if isinstance(source, bytes):
        return _decode_chunks(iter([source])), None
    if isinstance(source, str) and not _looks_like_path(source):
        return iter([source.lstrip("\ufeff")]), None
    path = Path(source)
    return _decode_file(path), str(path)


def _looks_like_path(text: str) -> bool:
    """A str is a file name only if such a file exists; otherwise it is EDI text."""
    if len(text) >= 4096 or "\n" in text or text.lstrip("\ufeff \t").startswith(("ISA", "UNA", "UNB")):
        return False
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False


def _decode_file(path: Path) -> Iterator[str]:
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise EdiError(f"cannot open file: {exc.strerror}", file=str(path)) from None
    with fh:
        yield from _decode_chunks(iter(lambda: fh.read(_CHUNK), b""), str(path))


def _decode_chunks(chunks: Iterator[bytes], name: str | None = None) -> Iterator[str]:
    """Decode byte chunks: UTF-8 (BOM tolerated), EBCDIC cp037 when the data starts so, else Latin-1."""
    first = next(chunks, b"")
    head = first.lstrip(b" \r\n\t")
    if head.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif head.startswith(b"\xc9\xe2\xc1"):  # "ISA" in EBCDIC cp037
        encoding = "cp037"
    else:
        encoding = "utf-8"
        try:
            first.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(first) - 4:  # a real bad byte, not a sequence cut at the chunk end
                encoding = "latin-1"
    decoder = codecs.getincrementaldecoder(encoding)()

    def invalid(at: int) -> EdiError:
        return EdiError(f"bytes are not valid {encoding} at offset {at}", file=name, code="024", ack="TA1")

    offset = 0
    chunk = first
    while chunk:
        try:
            yield decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise invalid(offset + exc.start) from None
        offset += len(chunk)
        chunk = next(chunks, b"")
    try:  # a file that ends inside a multi-byte character
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise invalid(offset - len(exc.object) + exc.start) from None
    if tail:
        yield tail


def _isa_header(buf: str) -> tuple[Delimiters, int, int] | None:
    """Delimiters, end of the ISA text and end of its terminator at the start of ``buf`` (None: need more)."""
    if len(buf) < 4:
        return None
    sep = buf[3]
    pos = 3
    for _ in range(16):
        pos = buf.find(sep, pos + 1) if _ else pos
        if pos < 0:
            return None
    # pos is the 16th separator: ISA16 follows, then the segment terminator
    if len(buf) < pos + 3:
        return None
    component = buf[pos + 1]
    term = buf[pos + 2]
    end = pos + 3
    if term in " \t":  # a space cannot terminate segments (data has spaces): use the line break
        m = re.compile(r"[ \t]*(\r\n|\n|\r)").match(buf, pos + 2)
        if m is None:
            return None if len(buf) < pos + 200 else (Delimiters(sep, component, term), pos + 2, end)
        term = m.group(1)[-1]
        end = m.end()
    return Delimiters(sep, component, term), pos + 2, end


def iter_segments(source: str | Path | bytes) -> Iterator[tuple[int, Segment, Delimiters]]:
    """Yield ``(interchange index, segment, delimiters)`` for every segment, streaming.

    Raises EdiError when the data does not start with an ISA segment or the ISA is unreadable.
    """
    chunks, name = _open_text(source)
    buf = ""
    eof = False
    delims: Delimiters | None = None
    ic_index = 0
    number = 0

    def more() -> bool:
        nonlocal buf, eof
        chunk = next(chunks, None)
        if chunk is None:
            eof = True
            return False
        buf += chunk
        return True

    while True:
        if delims is None:
            buf = buf.lstrip(_WS + "\ufeff")
            while not buf and not eof:
                more()
                buf = buf.lstrip(_WS + "\ufeff")
            if not buf:
                return
            header = _isa_header(buf)
            while header is None and not eof:
                more()
                header = _isa_header(buf)
            if not buf.startswith("ISA") or header is None:
                found = buf[:20].split("\n")[0]
                raise EdiError(
                    f"expected an ISA segment, found {found!r}",
                    file=name,
                    segment=number + 1,
                    code="022" if buf.startswith("ISA") else "024",
                    ack="TA1",
                )
            delims, isa_end, end = header
            ic_index += 1
            number = 1
            yield ic_index, Segment(1, tuple(buf[:isa_end].split(delims.element))), delims
            buf = buf[end:]
            continue
        term = delims.segment
        strip = _WS.replace(term, "").replace(delims.element, "")
        unwrap = term not in "\r\n"
        comp = delims.component
        parts = buf.split(term)
        rest = parts.pop()  # text after the last terminator: incomplete
        restart: str | None = None
        for i, raw in enumerate(parts):
            raw = raw.strip(strip)  # _clean, inlined: this loop runs once per segment
            if not raw:
                continue
            if unwrap and ("\n" in raw or "\r" in raw):
                raw = raw.replace("\r", "").replace("\n", "")
            if raw[-1] == comp:
                raw = raw.rstrip(comp)
            number += 1
            seg = Segment(number, tuple(raw.split(delims.element)))
            yield ic_index, seg, delims
            if seg.elements[0] == "IEA":
                restart = term.join(parts[i + 1 :] + [rest])
                break
        if restart is not None:
            buf = restart
            delims = None
            continue
        buf = rest
        if not more():
            raw = _clean(buf, strip, unwrap, comp)
            if raw:
                number += 1
                yield ic_index, Segment(number, tuple(raw.split(delims.element))), delims
            return


def _clean(raw: str, strip: str, unwrap: bool, comp: str) -> str:
    raw = raw.strip(strip)
    if not raw:
        return raw
    if unwrap and ("\n" in raw or "\r" in raw):
        # fixed-width wrapped lines: line breaks are not X12 data characters
        raw = raw.replace("\r", "").replace("\n", "")
    if raw[-1] == comp:
        raw = raw.rstrip(comp)  # empty trailing components are the same as absent ones
    return raw
