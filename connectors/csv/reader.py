"""Streaming CSV reading with per-record line numbers and per-record decoding errors.

Bytes are decoded with ``surrogateescape`` so that one bad byte spoils one record, not the file:
the record that holds it is reported as a ParseError naming the file, line and column. A NUL
character spoils its record the same way (no store accepts it in text). What spoils a whole
file is a ParseError raised before the first row: compressed bytes under a CSV name, an
unreadable header, or a header naming a column twice.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from hub.errors import ParseError

_BAD_BYTE = re.compile("[\udc80-\udcff]")
_NUL = "\x00"

csv.field_size_limit(16 * 1024 * 1024)

#: leading bytes of formats that are not CSV text, with the word the error uses
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip-compressed"),
    (b"PK\x03\x04", "a zip archive (an XLSX workbook is one)"),
    (b"PK\x05\x06", "a zip archive"),
    (b"BZh", "bzip2-compressed"),
    (b"\xfd7zXZ\x00", "xz-compressed"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE document (an XLS workbook?)"),
)


@dataclass(slots=True)
class Row:
    """One physical CSV record: its first line number and either values or an error (not frozen: one is
    made per record, and a frozen dataclass costs several times more to build)."""

    line: int
    values: list[str] | None
    error: ParseError | None = None
    raw: str | None = None


def _codec(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    # tolerate a BOM whether or not the source declares one
    return "utf-8-sig" if name == "utf-8" else name


def _open_binary(path: Path) -> IO[bytes]:
    """The file's bytes: gunzipped when named ``*.gz``; other compressed content is refused."""
    fh: IO[bytes] = path.open("rb")
    head = fh.read(8)
    fh.seek(0)
    if path.name.lower().endswith(".gz") and head.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[return-value]
    for magic, what in _MAGIC:
        if head.startswith(magic):
            fh.close()
            raise ParseError(f"{path.name} is {what}, not CSV text", file=None, line=None)
    return fh


class _Lines:
    """The decoded lines fed to the csv module, counting physical lines as editors do.

    A line break is LF, CRLF or a lone CR. "CR NUL LF" (a CRLF line end with a NUL in it) is
    one line ending in NUL: its record is reported as holding a NUL and the lines after it
    keep their numbers.
    """

    def __init__(self, text: io.TextIOWrapper) -> None:
        self._text = text
        self._ahead: str | None = None
        self.breaks = 0  # line breaks consumed so far

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._ahead if self._ahead is not None else next(self._text)
        self._ahead = None
        if line.endswith("\n"):
            self.breaks += 1
        elif line.endswith("\r"):
            try:
                self._ahead = next(self._text)
            except StopIteration:
                self._ahead = None
            self.breaks += 1
            ahead = self._ahead
            if ahead is not None and ahead.endswith("\n") and ahead[:-1] and not ahead[:-1].strip(_NUL):
                self._ahead = None
                return line[:-1] + ahead
        return line


def aliased_header(header: list[str], aliases: Mapping[str, str]) -> list[str]:
    """Column names after ``aliases``: ``name`` renames every such column, ``name#2`` the second one."""
    seen: dict[str, int] = {}
    out = []
    for h in header:
        seen[h] = seen.get(h, 0) + 1
        out.append(aliases.get(f"{h}#{seen[h]}", aliases.get(h, h)))
    return out


def _check_unique(raw: list[str], named: list[str], display: str) -> None:
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(named):
        if name:  # unnamed (empty) columns carry nothing a mapping could use
            positions.setdefault(name, []).append(i + 1)
    for name, cols in positions.items():
        if len(cols) > 1:
            original = raw[cols[1] - 1]
            raise ParseError(
                f"column {name!r} appears {len(cols)} times in the header (columns {', '.join(map(str, cols))}); "
                f"rename one in the stream's header_aliases, e.g. '{original}#2': {original}_2",
                file=display,
                line=1,
                field=name,
            )


def read_rows(
    path: Path, encoding: str, dialect: dict[str, object], display: str, aliases: Mapping[str, str] | None = None
) -> Iterator[tuple[list[str], Iterator[Row]]]:
    """Yield the header once, then an iterator of rows; the file is streamed, never loaded whole.

    With ``aliases`` the header comes back renamed (see :func:`aliased_header`) and a column
    named twice is a ParseError for the file; without, the header is returned as written.
    """
    try:
        fh = _open_binary(path)
    except ParseError as exc:
        raise ParseError(exc.message, file=display, line=1) from None
    text = io.TextIOWrapper(fh, encoding=_codec(encoding), errors="surrogateescape", newline="")
    # the csv reader counts the physical lines itself (``line_num``) unless a NUL could make a
    # "CR NUL LF" line end, which only the (slower) line wrapper counts as editors do
    lines = _Lines(text) if _may_hold_nul(path, fh, encoding) else None
    reader = csv.reader(lines if lines is not None else text, **dialect)  # type: ignore[arg-type]
    try:
        header = next(reader)
    except StopIteration:
        text.close()
        return
    except csv.Error as exc:
        text.close()
        raise ParseError(f"cannot read the header: {exc}", file=display, line=1) from None
    except (OSError, EOFError, zlib.error, UnicodeError) as exc:
        text.close()
        raise ParseError(f"cannot read the file as {encoding}: {exc}", file=display, line=1) from None
    joined = "".join(header)
    if _BAD_BYTE.search(joined):
        text.close()
        raise ParseError(f"the header is not valid {encoding}", file=display, line=1)
    if _NUL in joined:
        text.close()
        raise ParseError("NUL character in the header", file=display, line=1)
    header = [h.strip() for h in header]
    if aliases is not None:
        named = aliased_header(header, aliases)
        try:
            _check_unique(header, named, display)
        except ParseError:
            text.close()
            raise
        header = named
    yield header, _rows(reader, lines, text, header, encoding, display)


def _may_hold_nul(path: Path, fh: IO[bytes], encoding: str) -> bool:
    """False when the file is plain text in an ASCII-compatible encoding with no NUL byte (scanned)."""
    if not isinstance(fh, io.BufferedReader) or codecs.lookup(encoding).name not in _ASCII_COMPATIBLE:
        return True
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            if b"\x00" in chunk:
                return True
    return False


#: encodings in which a NUL character can only come from a 0x00 byte
_ASCII_COMPATIBLE = frozenset(
    {
        "utf-8",
        "utf-8-sig",
        "gb18030",
        "gbk",
        "gb2312",
        "big5",
        "shift_jis",
        "euc_jp",
        "latin-1",
        "iso8859-1",
        "iso8859-15",
        "cp1252",
        "cp1251",
        "cp1250",
        "cp936",
        "cp950",
        "ascii",
    }
)


def _rows(
    reader: Any, lines: _Lines | None, text: io.TextIOWrapper, header: list[str], encoding: str, display: str
) -> Iterator[Row]:
    width = len(header)
    try:
        while True:
            line = (lines.breaks if lines is not None else reader.line_num) + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Row(line, None, ParseError(f"malformed CSV: {exc}", file=display, line=line))
                continue
            except (OSError, EOFError, zlib.error, UnicodeError) as exc:
                # a truncated or corrupt .gz, or bytes the codec refuses outright (not one bad byte):
                # what was read stands, the rest of the file is lost
                yield Row(line, None, ParseError(f"cannot read the rest of the file: {exc}", file=display, line=line))
                return
            if not values or (len(values) == 1 and values[0] == ""):
                continue  # blank line
            joined = "\x1f".join(values)
            if _NUL in joined:
                nul = next(i for i, v in enumerate(values) if _NUL in v)
                column = header[nul] if nul < width and header[nul] else f"#{nul + 1}"
                yield Row(
                    line,
                    None,
                    ParseError(f"NUL character in column {column}", file=display, line=line, field=column),
                    raw=_raw(values),
                )
                continue
            if len(values) != width:
                yield Row(
                    line,
                    None,
                    ParseError(f"expected {width} fields, found {len(values)}", file=display, line=line),
                    raw=_raw(values),
                )
                continue
            if _BAD_BYTE.search(joined):
                col = next(i for i, v in enumerate(values) if _BAD_BYTE.search(v))
                bad = _BAD_BYTE.search(values[col])
                byte = ord(bad.group()) - 0xDC00 if bad else 0
                yield Row(
                    line,
                    None,
                    ParseError(
                        f"byte 0x{byte:02x} is not valid {encoding}",
                        file=display,
                        line=line,
                        field=header[col],
                    ),
                    raw=_raw(values),
                )
                continue
            yield Row(line, values)
    finally:
        text.close()


def _raw(values: list[str]) -> str:
    """The record as text a store accepts: undecodable bytes and NULs written as escapes."""
    return ",".join(values).encode("utf-8", "backslashreplace").decode("utf-8").replace(_NUL, "\\x00")
