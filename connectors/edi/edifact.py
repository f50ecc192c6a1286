"""UN/EDIFACT reader: UNA service string advice, release character, UNB..UNZ envelopes.

Reading yields :class:`Interchange` objects (UNB..UNZ) holding :class:`Message` objects (UNH..UNT),
optionally inside functional groups (UNG..UNE). Each :class:`Segment` holds its elements as
tuples of components with release characters already removed. Delimiters come from the UNA
segment when present, the syntax defaults otherwise. Bytes are decoded per the UNB syntax
identifier (UNOA/UNOB ASCII, UNOC Latin-1, UNOD Latin-2, UNOE Cyrillic, ..., UNOW/UNOY UTF-8);
data declared Latin-N that is valid UTF-8 with multibyte characters is read as UTF-8.

Line breaks are not EDIFACT data: unless a line break is the segment terminator they are removed
(so fixed-width wrapped files read), and indentation before a segment is ignored. Segment
numbers are 1-based within the interchange, UNB being 1 (UNA is not a segment).

Envelope errors are collected on the interchange or message they concern (for CONTRL);
:func:`read` raises the first one. Errors are :class:`hub.errors.EdiError` with ``code`` from the
UN/EDIFACT syntax error code list (0085) and ``ack`` naming the CONTRL level (UCI, UCM, UCS, UCD).

The data model lives in :mod:`connectors.edi.edifact_model`, the message-level directory checks
in :mod:`connectors.edi.edifact_rules` and the writer in :mod:`connectors.edi.edifact_writer`;
their public names are importable from here as before.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from connectors.edi.edifact_model import CHARSETS, Delimiters, Group, Interchange, Message, Segment
from connectors.edi.edifact_rules import check_message
from connectors.edi.edifact_writer import EdifactWriter, escape
from hub.errors import EdiError

__all__ = [
    "Delimiters",
    "Segment",
    "Message",
    "Group",
    "Interchange",
    "iter_segments",
    "parse",
    "read",
    "EdifactWriter",
    "CHARSETS",
    "escape",
]

_CHUNK = 1 << 20
_TAG = re.compile(r"[A-Z][A-Z0-9]{2}\Z")


# -- decoding -----------------------------------------------------------------------------------


def _byte_chunks(source: str | Path | bytes) -> tuple[Iterator[bytes], str | None]:
    if isinstance(source, bytes):
        return iter([source]), None
    if isinstance(source, str) and not _is_file(source):
        return iter([source.encode("utf-8")]), None
    path = Path(source)

    def gen() -> Iterator[bytes]:
        try:
            fh = path.open("rb")
        except OSError as exc:
            raise EdiError(f"cannot open file: {exc.strerror}", file=str(path)) from None
        with fh:
            yield from iter(lambda: fh.read(_CHUNK), b"")

    return gen(), str(path)


def _is_file(text: str) -> bool:
    if len(text) >= 4096 or "\n" in text or "'" in text:
        return False
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False


def _choose_charset(head: bytes) -> tuple[str, str, list[str]]:
    """(syntax identifier, codec, warnings) from the first bytes of an interchange."""
    m = re.search(rb"UNB.([A-Z]{4})", head)
    syntax = m.group(1).decode("ascii") if m else ""
    codec = CHARSETS.get(syntax, "")
    warnings: list[str] = []
    utf8 = _utf8_ok(head)
    if not codec:
        codec = "utf-8" if utf8 else "latin-1"
        if syntax:
            warnings.append(f"unknown syntax identifier {syntax}; read as {codec}")
    elif codec != "utf-8" and utf8 and any(b > 0x7F for b in head):
        warnings.append(f"{syntax} declared but the data is UTF-8; read as UTF-8")
        codec = "utf-8"
    elif codec == "ascii":
        codec = "utf-8" if utf8 else "latin-1"  # lenient: non-ASCII in UNOA/UNOB is common in practice
    return syntax, codec, warnings


def _utf8_ok(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(data) - 3 and exc.reason.startswith("unexpected end")
    return True


# -- tokenising ----------------------------------------------------------------------------------


def _split(text: str, sep: str, release: str | None) -> list[str]:
    """Split on ``sep`` except where it is preceded by an (unreleased) release character."""
    parts = text.split(sep)
    if not release or release not in text:
        return parts
    out: list[str] = []
    carry: str | None = None
    for p in parts:
        if carry is not None:
            p = carry + sep + p
            carry = None
        if (len(p) - len(p.rstrip(release))) % 2:  # odd run of release characters: the separator is data
            carry = p
            continue
        out.append(p)
    if carry is not None:
        out.append(carry)
    return out


def _unescape(value: str, release: str | None) -> str:
    if not release or release not in value:
        return value
    return re.sub(re.escape(release) + "(.)", r"\1", value, flags=re.S)


def _segment(number: int, raw: str, d: Delimiters) -> Segment:
    rel = d.release
    parts = _split(raw, d.element, rel)
    tag = parts[0]
    elements = tuple(tuple(_unescape(c, rel) for c in _split(p, d.component, rel)) for p in parts[1:])
    return Segment(number, tag, elements)


_UNA_ROLES = (
    "component separator",
    "element separator",
    "decimal mark",
    "release character",
    "repetition separator",
    "segment terminator",
)


def _una(text: str, name: str | None = None) -> Delimiters:
    c = text[3:9]
    roles: dict[str, str] = {}
    for role, char in zip(_UNA_ROLES, c):
        if char == " " and role in ("release character", "repetition separator"):
            continue  # not used
        if char in roles:
            raise EdiError(
                f"UNA {text[:9]!r} gives the {roles[char]} and the {role} the same character {char!r}",
                file=name,
                segment=1,
                code="12",
                ack="UCI",
                field="UNA",
            )
        roles[char] = role
    return Delimiters(
        component=c[0],
        element=c[1],
        decimal=c[2],
        release=None if c[3] == " " else c[3],
        repetition=None if c[4] == " " else c[4],
        segment=c[5],
    )


def iter_segments(source: str | Path | bytes) -> Iterator[tuple[Segment, Delimiters, str, list[str]]]:
    """Yield ``(segment, delimiters, codec, warnings)`` for every segment of one interchange file."""
    chunks, name = _byte_chunks(source)
    first = b""
    for chunk in chunks:  # sniff the charset from the first 64 KB (or the whole file if smaller)
        first += chunk
        if len(first) >= 65536:
            break
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    syntax, codec, warnings = _choose_charset(first[:65536])
    decoder = codecs.getincrementaldecoder(codec)()

    def invalid(at: int) -> EdiError:
        return EdiError(
            f"bytes are not valid {codec} (syntax {syntax or '?'}) at offset {at}", file=name, code="21", ack="UCI"
        )

    def texts() -> Iterator[str]:
        chunk, offset = first, 0
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

    stream = texts()
    buf = ""
    for t in stream:
        buf += t
        if len(buf.lstrip()) >= 9:
            break
    buf = buf.lstrip(" \t\r\n\ufeff")
    if buf.startswith("UNA") and len(buf) >= 9:
        d = _una(buf, name)
        buf = buf[9:]
    else:
        d = Delimiters(repetition="*" if re.match(r"UNB\+UNO[A-Z]:4", buf) else None)
    if not buf.lstrip(" \t\r\n").startswith("UNB"):
        found = buf.lstrip()[:20].splitlines()[0] if buf.strip() else "nothing"
        raise EdiError(
            f"an interchange must begin with UNA or UNB, found {found!r}", file=name, segment=1, code="13", ack="UCI"
        )
    unwrap = d.segment not in "\r\n"
    number = 0
    pending = ""
    release = d.release
    for t in _chain([buf], stream):
        if unwrap:
            t = t.replace("\r", "").replace("\n", "")
        pending += t
        parts = _split(pending, d.segment, release)
        pending = parts.pop()
        for raw in parts:
            raw = raw.lstrip(" \t\r\n")
            if not raw:
                continue
            number += 1
            yield _segment(number, raw, d), d, codec, warnings
    rest = pending.strip(" \t\r\n\x1a")
    if rest:
        number += 1
        seg = _segment(number, rest, d)
        raise EdiError(
            f"segment {seg.tag[:10]!r} has no segment terminator {d.segment!r} (truncated file, or a"
            " different terminator than declared?)",
            file=name,
            segment=number,
            code="13",
            ack="UCI",
        )


def _chain(*its: Iterable[str]) -> Iterator[str]:
    for it in its:
        yield from it


# -- envelope validation ------------------------------------------------------------------------


def _err(message: str, seg: Segment | int | None, code: str, ack: str, **extra: object) -> EdiError:
    number = seg.number if isinstance(seg, Segment) else seg
    return EdiError(message, code=code, segment=number, ack=ack, **extra)


def _same_number(a: str, b: str | int) -> bool:
    a, b = a.strip(), str(b).strip()
    return a == b or (a.isdigit() and b.isdigit() and int(a) == int(b))


def parse(source: str | Path | bytes, *, validate_messages: bool = True) -> Iterator[Interchange]:
    """Yield the interchanges of ``source`` with errors recorded on them (raises only if unreadable)."""
    ic: Interchange | None = None
    group: Group | None = None
    msg: Message | None = None
    for seg, d, codec, warnings in iter_segments(source):
        tag = seg.tag
        if ic is None:
            if tag != "UNB":
                raise _err(f"expected UNB, found {tag[:10]!r}", seg, "13", "UCI")
            ic = Interchange(seg, d, codec, warnings=list(warnings))
            if len(seg.elements) < 5 or not seg.get(5):
                ic.errors.append(
                    _err(
                        f"UNB has {len(seg.elements)} elements; syntax id, sender, recipient, date/time"
                        " and control reference are mandatory",
                        seg,
                        "13",
                        "UCI",
                        field="UNB",
                    )
                )
            elif len(seg.get(1)) != 4:
                ic.errors.append(
                    _err(f"UNB syntax identifier {seg.get(1)!r} is not 4 characters", seg, "12", "UCI", field="S001")
                )
            continue
        ic.segment_count = seg.number
        if msg is not None and tag not in ("UNT", "UNH", "UNE", "UNZ", "UNG", "UNB"):
            msg.segments.append(seg)
            if not _TAG.match(tag):
                msg.errors.append(
                    _err(
                        f"segment tag {tag[:10]!r} is not a valid EDIFACT tag",
                        seg,
                        "21",
                        "UCS",
                        position=seg.number - msg.header.number + 1,
                    )
                )
            continue
        if tag == "UNH":
            if msg is not None:
                _close_message(msg, ic)
            msg = Message(seg, [seg])
            if ic.groups and group is None:
                ic.errors.append(
                    _err("message outside a functional group in an interchange with groups", seg, "30", "UCI")
                )
            if not seg.get(1) or not seg.get(2, 0) or len(seg.elements) < 2 or len(seg.elements[1]) < 4:
                msg.errors.append(
                    _err("UNH needs a message reference and type:version:release:agency", seg, "13", "UCM", field="UNH")
                )
        elif tag == "UNT":
            if msg is None:
                ic.errors.append(_err("UNT outside a message", seg, "33", "UCI"))
                continue
            msg.segments.append(seg)
            msg.trailer = seg
            _close_message(msg, ic, validate_messages)
            if group is not None:
                group.messages.append(msg)
            msg = None
        elif tag == "UNG":
            if msg is not None:
                _close_message(msg, ic)
                msg = None
            if ic.messages and not ic.groups:
                ic.errors.append(_err("functional group after messages outside groups", seg, "30", "UCI"))
            group = Group(seg)
            ic.groups.append(group)
        elif tag == "UNE":
            if msg is not None:
                _close_message(msg, ic)
                msg = None
            if group is None:
                ic.errors.append(_err("UNE outside a functional group", seg, "33", "UCI"))
                continue
            group.trailer = seg
            if not _same_number(seg.get(1), len(group.messages)):
                ic.errors.append(
                    _err(
                        f"UNE says {seg.get(1) or 'nothing'} messages, the group has {len(group.messages)}",
                        seg,
                        "29",
                        "UCI",
                        field="UNE",
                    )
                )
            if seg.get(2) != group.header.get(5):
                ic.errors.append(
                    _err(
                        f"UNE reference {seg.get(2)!r} does not match UNG {group.header.get(5)!r}",
                        seg,
                        "28",
                        "UCI",
                        field="UNE",
                    )
                )
            group = None
        elif tag == "UNZ":
            if msg is not None:
                _close_message(msg, ic)
                msg = None
            ic.trailer = seg
            yield _finish(ic, group)
            ic, group = None, None
        else:
            ic.errors.append(_err(f"segment {tag[:10]} outside a message", seg, "33", "UCI"))
    if ic is not None:
        if msg is not None:
            _close_message(msg, ic)
        yield _finish(ic, group)


def _close_message(msg: Message, ic: Interchange, validate: bool = False) -> None:
    if msg.trailer is None:
        msg.errors.append(
            _err(f"message {msg.ref} ({msg.type}) has no UNT trailer", msg.header, "13", "UCM", field="UNT")
        )
    else:
        unt = msg.trailer
        if not _same_number(unt.get(1), len(msg.segments)):
            msg.errors.append(
                _err(
                    f"UNT says {unt.get(1) or 'nothing'} segments, message {msg.ref} has {len(msg.segments)}",
                    unt,
                    "29",
                    "UCM",
                    field="UNT",
                )
            )
        if unt.get(2) != msg.ref:
            msg.errors.append(
                _err(
                    f"UNT reference {unt.get(2)!r} does not match UNH reference {msg.ref!r}",
                    unt,
                    "28",
                    "UCM",
                    field="UNT",
                )
            )
    if validate:
        msg.errors.extend(check_message(msg))
    if any(m.ref == msg.ref for m in ic.messages):
        msg.warnings.append(f"message reference {msg.ref} is used twice in the interchange")
    ic.messages.append(msg)


def _finish(ic: Interchange, group: Group | None) -> Interchange:
    if group is not None:
        ic.errors.append(
            _err(f"functional group {group.header.get(5)} has no UNE trailer", group.header, "13", "UCI", field="UNE")
        )
    unz = ic.trailer
    if unz is None:
        ic.errors.append(
            _err("interchange has no UNZ trailer (file truncated?)", ic.segment_count, "13", "UCI", field="UNZ")
        )
        return ic
    count = len(ic.groups) if ic.groups else len(ic.messages)
    what = "functional groups" if ic.groups else "messages"
    if not _same_number(unz.get(1), count):
        ic.errors.append(
            _err(
                f"UNZ says {unz.get(1) or 'nothing'} {what}, the interchange has {count}", unz, "29", "UCI", field="UNZ"
            )
        )
    if unz.get(2) != ic.control:
        ic.errors.append(
            _err(
                f"UNZ reference {unz.get(2)!r} does not match UNB reference {ic.control!r}",
                unz,
                "28",
                "UCI",
                field="UNZ",
            )
        )
    return ic


def read(source: str | Path | bytes) -> Iterator[Interchange]:
    """Like :func:`parse` but raise the first error of an interchange."""
    name = str(source) if isinstance(source, Path) else None
    for ic in parse(source):
        errs = ic.all_errors()
        if errs:
            if name and not errs[0].file:
                errs[0].file = name
            raise errs[0]
        yield ic
