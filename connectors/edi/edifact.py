"""UN/EDIFACT reader and writer: UNA service string advice, release character, UNB..UNZ envelopes.

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
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from hub.errors import EdiError

__all__ = ["Delimiters", "Segment", "Message", "Group", "Interchange", "iter_segments", "parse", "read",
           "EdifactWriter", "CHARSETS", "escape"]

_CHUNK = 1 << 20
_TAG = re.compile(r"[A-Z][A-Z0-9]{2}\Z")

#: syntax identifier (UNB S001/0001) -> Python codec
CHARSETS: dict[str, str] = {
    "UNOA": "ascii", "UNOB": "ascii", "UNOC": "latin-1", "UNOD": "iso8859-2", "UNOE": "iso8859-5",
    "UNOF": "iso8859-7", "UNOG": "iso8859-3", "UNOH": "iso8859-4", "UNOI": "iso8859-6", "UNOJ": "iso8859-8",
    "UNOK": "iso8859-9", "UNOL": "iso8859-15", "UNOU": "utf-8", "UNOV": "utf-8", "UNOW": "utf-8",
    "UNOX": "iso2022_jp_2", "UNOY": "utf-8", "KECA": "euc_kr",
}


@dataclass(frozen=True, slots=True)
class Delimiters:
    """Service characters of one interchange (UNA or the defaults)."""

    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str | None = "?"
    repetition: str | None = None
    segment: str = "'"

    def una(self) -> str:
        return "UNA" + self.component + self.element + self.decimal + (self.release or " ") + (self.repetition or " ") + self.segment


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: ``elements[i]`` is the tuple of components of data element i+1."""

    number: int
    tag: str
    elements: tuple[tuple[str, ...], ...]

    def get(self, element: int, component: int = 0, default: str = "") -> str:
        """Component ``component`` (0-based) of element ``element`` (1-based), or ``default``."""
        if 1 <= element <= len(self.elements):
            comps = self.elements[element - 1]
            if component < len(comps):
                return comps[component]
        return default


@dataclass(slots=True)
class Message:
    """UNH..UNT (both included) and the errors found in it."""

    header: Segment
    segments: list[Segment] = field(default_factory=list)
    trailer: Segment | None = None
    errors: list[EdiError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return self.header.get(1)

    @property
    def type(self) -> str:
        return self.header.get(2, 0)

    @property
    def version(self) -> str:
        h = self.header
        return f"{h.get(2, 1)}:{h.get(2, 2)}:{h.get(2, 3)}"

    @property
    def body(self) -> list[Segment]:
        end = -1 if self.trailer is not None else len(self.segments)
        return self.segments[1:end]

    @property
    def accepted(self) -> bool:
        return not self.errors


@dataclass(slots=True)
class Group:
    """UNG..UNE."""

    header: Segment
    messages: list[Message] = field(default_factory=list)
    trailer: Segment | None = None


@dataclass(slots=True)
class Interchange:
    """UNB..UNZ with its messages (flat, in order), optional groups, and interchange errors."""

    header: Segment
    delimiters: Delimiters
    charset: str
    messages: list[Message] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    trailer: Segment | None = None
    errors: list[EdiError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    segment_count: int = 0

    @property
    def syntax(self) -> str:
        return self.header.get(1, 0)

    @property
    def syntax_version(self) -> str:
        return self.header.get(1, 1)

    @property
    def sender(self) -> str:
        return self.header.get(2, 0)

    @property
    def receiver(self) -> str:
        return self.header.get(3, 0)

    @property
    def control(self) -> str:
        return self.header.get(5)

    def all_errors(self) -> list[EdiError]:
        errs = list(self.errors)
        for m in self.messages:
            errs.extend(m.errors)
        return sorted(errs, key=lambda e: e.segment or 0)


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


_UNA_ROLES = ("component separator", "element separator", "decimal mark", "release character",
              "repetition separator", "segment terminator")


def _una(text: str, name: str | None = None) -> Delimiters:
    c = text[3:9]
    roles: dict[str, str] = {}
    for role, char in zip(_UNA_ROLES, c):
        if char == " " and role in ("release character", "repetition separator"):
            continue  # not used
        if char in roles:
            raise EdiError(f"UNA {text[:9]!r} gives the {roles[char]} and the {role} the same character {char!r}",
                           file=name, segment=1, code="12", ack="UCI", field="UNA")
        roles[char] = role
    return Delimiters(component=c[0], element=c[1], decimal=c[2], release=None if c[3] == " " else c[3],
                      repetition=None if c[4] == " " else c[4], segment=c[5])


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

    def texts() -> Iterator[str]:
        chunk, offset = first, 0
        while chunk:
            try:
                yield decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise EdiError(f"bytes are not valid {codec} (syntax {syntax or '?'}) at offset {offset + exc.start}",
                               file=name, code="21", ack="UCI") from None
            offset += len(chunk)
            chunk = next(chunks, b"")
        tail = decoder.decode(b"", final=True)
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
        raise EdiError(f"an interchange must begin with UNA or UNB, found {found!r}", file=name, segment=1,
                       code="13", ack="UCI")
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
        raise EdiError(f"segment {seg.tag[:10]!r} has no segment terminator {d.segment!r} (truncated file, or a"
                       " different terminator than declared?)", file=name, segment=number, code="13", ack="UCI")


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
    from connectors.edi import edifact_rules

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
                ic.errors.append(_err(f"UNB has {len(seg.elements)} elements; syntax id, sender, recipient, date/time"
                                      " and control reference are mandatory", seg, "13", "UCI", field="UNB"))
            elif len(seg.get(1)) != 4:
                ic.errors.append(_err(f"UNB syntax identifier {seg.get(1)!r} is not 4 characters", seg, "12", "UCI", field="S001"))
            continue
        ic.segment_count = seg.number
        if msg is not None and tag not in ("UNT", "UNH", "UNE", "UNZ", "UNG", "UNB"):
            msg.segments.append(seg)
            if not _TAG.match(tag):
                msg.errors.append(_err(f"segment tag {tag[:10]!r} is not a valid EDIFACT tag", seg, "21", "UCS",
                                       position=seg.number - msg.header.number + 1))
            continue
        if tag == "UNH":
            if msg is not None:
                _close_message(msg, ic)
            msg = Message(seg, [seg])
            if ic.groups and group is None:
                ic.errors.append(_err("message outside a functional group in an interchange with groups", seg, "30", "UCI"))
            if not seg.get(1) or not seg.get(2, 0) or len(seg.elements) < 2 or len(seg.elements[1]) < 4:
                msg.errors.append(_err("UNH needs a message reference and type:version:release:agency", seg, "13", "UCM", field="UNH"))
        elif tag == "UNT":
            if msg is None:
                ic.errors.append(_err("UNT outside a message", seg, "33", "UCI"))
                continue
            msg.segments.append(seg)
            msg.trailer = seg
            _close_message(msg, ic, validate_messages, edifact_rules)
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
                ic.errors.append(_err(f"UNE says {seg.get(1) or 'nothing'} messages, the group has {len(group.messages)}",
                                      seg, "29", "UCI", field="UNE"))
            if seg.get(2) != group.header.get(5):
                ic.errors.append(_err(f"UNE reference {seg.get(2)!r} does not match UNG {group.header.get(5)!r}",
                                      seg, "28", "UCI", field="UNE"))
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


def _close_message(msg: Message, ic: Interchange, validate: bool = False, rules: object = None) -> None:
    if msg.trailer is None:
        msg.errors.append(_err(f"message {msg.ref} ({msg.type}) has no UNT trailer", msg.header, "13", "UCM", field="UNT"))
    else:
        unt = msg.trailer
        if not _same_number(unt.get(1), len(msg.segments)):
            msg.errors.append(_err(f"UNT says {unt.get(1) or 'nothing'} segments, message {msg.ref} has {len(msg.segments)}",
                                   unt, "29", "UCM", field="UNT"))
        if unt.get(2) != msg.ref:
            msg.errors.append(_err(f"UNT reference {unt.get(2)!r} does not match UNH reference {msg.ref!r}",
                                   unt, "28", "UCM", field="UNT"))
    if validate and rules is not None:
        msg.errors.extend(rules.check_message(msg))  # type: ignore[attr-defined]
    if any(m.ref == msg.ref for m in ic.messages):
        msg.warnings.append(f"message reference {msg.ref} is used twice in the interchange")
    ic.messages.append(msg)


def _finish(ic: Interchange, group: Group | None) -> Interchange:
    if group is not None:
        ic.errors.append(_err(f"functional group {group.header.get(5)} has no UNE trailer", group.header, "13", "UCI", field="UNE"))
    unz = ic.trailer
    if unz is None:
        ic.errors.append(_err("interchange has no UNZ trailer (file truncated?)", ic.segment_count, "13", "UCI", field="UNZ"))
        return ic
    count = len(ic.groups) if ic.groups else len(ic.messages)
    what = "functional groups" if ic.groups else "messages"
    if not _same_number(unz.get(1), count):
        ic.errors.append(_err(f"UNZ says {unz.get(1) or 'nothing'} {what}, the interchange has {count}", unz, "29", "UCI", field="UNZ"))
    if unz.get(2) != ic.control:
        ic.errors.append(_err(f"UNZ reference {unz.get(2)!r} does not match UNB reference {ic.control!r}", unz, "28", "UCI", field="UNZ"))
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


# -- writing --------------------------------------------------------------------------------------

def escape(value: str, d: Delimiters) -> str:
    """Put the release character before every service character in ``value``."""
    rel = d.release or "?"
    specials = {d.component, d.element, d.segment, rel} | ({d.repetition} if d.repetition else set())
    return "".join(rel + c if c in specials else c for c in value)


class EdifactWriter:
    """Builds one interchange; ``add_message(type, ref, segments)``; ``render()`` adds UNH/UNT/UNZ counts.

    A segment is ``(tag, element, ...)`` where an element is a string or a sequence of components.
    """

    def __init__(self, sender: str, receiver: str, control: str, *, syntax: str = "UNOC", syntax_version: str = "3",
                 when: datetime | None = None, delimiters: Delimiters | None = None, una: bool = True, newline: bool = True,
                 sender_qualifier: str = "14", receiver_qualifier: str = "14") -> None:
        self.d = delimiters or Delimiters()
        self.sender = (sender, sender_qualifier)
        self.receiver = (receiver, receiver_qualifier)
        self.control = control
        self.syntax = (syntax, syntax_version)
        self.when = when or datetime(2000, 1, 1)
        self.una = una
        self.newline = newline
        self.messages: list[tuple[str, str, str, list[Sequence[object]]]] = []

    def add_message(self, message_type: str, ref: str, segments: Iterable[Sequence[object]], version: str = "D:96A:UN") -> None:
        self.messages.append((message_type, ref, version, [tuple(s) for s in segments]))

    def _seg(self, tag: str, *elements: object) -> str:
        d = self.d
        out = [tag]
        for el in elements:
            if isinstance(el, (list, tuple)):
                comps = [escape(str(c), d) if c is not None else "" for c in el]
                while len(comps) > 1 and comps[-1] == "":
                    comps.pop()
                out.append(d.component.join(comps))
            else:
                out.append(escape(str(el), d) if el is not None else "")
        while len(out) > 1 and out[-1] == "":
            out.pop()
        return d.element.join(out) + d.segment + ("\n" if self.newline else "")

    def render(self) -> str:
        w = self.when
        parts = [self.d.una() + ("\n" if self.newline else "")] if self.una else []
        parts.append(self._seg("UNB", self.syntax, (self.sender[0], self.sender[1]), (self.receiver[0], self.receiver[1]),
                               (w.strftime("%y%m%d"), w.strftime("%H%M")), self.control))
        for mtype, ref, version, segs in self.messages:
            parts.append(self._seg("UNH", ref, (mtype, *version.split(":"))))
            parts.extend(self._seg(str(s[0]), *s[1:]) for s in segs)
            parts.append(self._seg("UNT", str(len(segs) + 2), ref))
        parts.append(self._seg("UNZ", str(len(self.messages)), self.control))
        text = "".join(parts)
        codec = CHARSETS.get(self.syntax[0], "utf-8")
        try:
            text.encode(codec)
        except UnicodeEncodeError as exc:
            raise EdiError(f"character {exc.object[exc.start]!r} cannot be written in syntax {self.syntax[0]} ({codec})",
                           field="UNB") from None
        return text
