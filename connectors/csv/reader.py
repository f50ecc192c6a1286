"""Streaming CSV reading with per-record line numbers and per-record decoding errors.

Bytes are decoded with ``surrogateescape`` so that one bad byte spoils one record, not the file:
the record that holds it is reported as a ParseError naming the file, line and column.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hub.errors import ParseError

_BAD_BYTE = re.compile("[\udc80-\udcff]")

csv.field_size_limit(16 * 1024 * 1024)


@dataclass(frozen=True, slots=True)
class Row:
    """One physical CSV record: its first line number and either values or an error."""

    line: int
    values: list[str] | None
    error: ParseError | None = None
    raw: str | None = None


def _codec(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    # tolerate a BOM whether or not the source declares one
    return "utf-8-sig" if name == "utf-8" else name


def read_rows(path: Path, encoding: str, dialect: dict[str, object], display: str) -> Iterator[tuple[list[str], Iterator[Row]]]:
    """Yield the header once, then an iterator of rows; the file is streamed, never loaded whole."""
    fh = path.open("rb")
    text = io.TextIOWrapper(fh, encoding=_codec(encoding), errors="surrogateescape", newline="")
    reader = csv.reader(text, **dialect)  # type: ignore[arg-type]
    try:
        header = next(reader)
    except StopIteration:
        text.close()
        return
    except csv.Error as exc:
        text.close()
        raise ParseError(f"cannot read the header: {exc}", file=display, line=1) from None
    if _BAD_BYTE.search("".join(header)):
        text.close()
        raise ParseError(f"the header is not valid {encoding}", file=display, line=1)
    header = [h.strip() for h in header]
    yield header, _rows(reader, text, header, encoding, display)


def _rows(reader, text, header, encoding, display) -> Iterator[Row]:  # type: ignore[no-untyped-def]
    width = len(header)
    prev = reader.line_num
    try:
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                line = prev + 1
                prev = reader.line_num
                yield Row(line, None, ParseError(f"malformed CSV: {exc}", file=display, line=line))
                continue
            line = prev + 1
            prev = reader.line_num
            if not values or (len(values) == 1 and values[0] == ""):
                continue  # blank line
            if len(values) != width:
                yield Row(
                    line,
                    None,
                    ParseError(f"expected {width} fields, found {len(values)}", file=display, line=line),
                    raw=_raw(values),
                )
                continue
            joined = "\x1f".join(values)
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
    return ",".join(values).encode("utf-8", "backslashreplace").decode("utf-8")
