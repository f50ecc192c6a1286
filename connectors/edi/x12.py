"""X12 reader and writer: ISA-driven delimiters, streamed segments, envelope validation.

Reading yields :class:`Interchange` objects (ISA..IEA) holding functional groups (GS..GE) holding
transaction sets (ST..SE) holding :class:`Segment` tuples. Delimiters come from each ISA (element
separator = 4th character, component separator = ISA16, segment terminator = the character after
ISA16), so a "mailbag" file of interchanges with different delimiters reads fine. Line breaks,
indentation, a UTF-8 BOM and EBCDIC (cp037) input are tolerated.

Envelope errors are collected on the interchange, group or set they belong to (so a 997 can be
generated for every group); :func:`read` raises the first of them, :func:`parse` does not.
Every error is an :class:`hub.errors.EdiError` with ``segment`` = the 1-based segment number
within the interchange, a ``code`` from the X12 acknowledgment code lists and ``ack`` naming the
list (``TA1``, ``AK9``, ``AK5``, ``AK3``, ``AK4``).
"""

from __future__ import annotations

import calendar
import codecs
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from hub.errors import EdiError

__all__ = [
    "Delimiters",
    "Segment",
    "TransactionSet",
    "FunctionalGroup",
    "Interchange",
    "iter_segments",
    "parse",
    "read",
    "interchange_key",
    "check_duplicate",
    "X12Writer",
    "BEGINNING_SEGMENTS",
    "FUNCTIONAL_IDS",
]

_CHUNK = 1 << 20
#: whitespace tolerated between segments (line breaks, indentation, EBCDIC NL, record padding)
_WS = " \t\r\n\x0b\x0c\x85\x00\x1a"  # \x1a: DOS end-of-file marker
_SEG_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85]")

#: the mandatory beginning segment that follows ST, per transaction set (AK3 code 3 if absent)
BEGINNING_SEGMENTS: dict[str, str] = {
    "810": "BIG", "812": "BCD", "820": "BPR|BPS", "824": "BGN", "830": "BFR", "832": "BCT", "835": "BPR",
    "837": "BHT", "840": "BQT", "843": "BQR", "846": "BIA", "850": "BEG", "852": "XQ", "855": "BAK",
    "856": "BSN", "860": "BCH", "862": "BSS", "865": "BCA", "866": "BSS", "867": "BPT", "869": "BSI",
    "870": "BSR", "875": "G50", "880": "G01", "894": "G82", "940": "W05", "943": "W06", "944": "W17",
    "945": "W06", "997": "AK1", "999": "AK1", "270": "BHT", "271": "BHT", "276": "BHT", "277": "BHT",
    "278": "BHT", "834": "BGN", "204": "B2", "210": "B3", "214": "B10", "990": "B1",
}

#: GS01 functional identifier code per transaction set (for writers and acknowledgments)
FUNCTIONAL_IDS: dict[str, str] = {
    "810": "IN", "820": "RA", "830": "PS", "832": "SC", "846": "IB", "850": "PO", "855": "PR",
    "856": "SH", "860": "PC", "862": "SS", "865": "CA", "997": "FA", "999": "FA",
}


@dataclass(frozen=True, slots=True)
class Delimiters:
    """Separators of one interchange."""

    element: str = "*"
    component: str = ":"
    segment: str = "~"
    repetition: str | None = None


class Segment:
    """One segment: ``elements[0]`` is the tag, ``elements[n]`` is data element n (X12 numbering).

    A plain slotted class rather than a frozen dataclass: it is built once per segment on the hot path.
    """

    __slots__ = ("number", "elements")

    def __init__(self, number: int, elements: tuple[str, ...]) -> None:
        self.number = number
        self.elements = elements

    def __repr__(self) -> str:
        return f"Segment(number={self.number}, elements={self.elements!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Segment) and other.number == self.number and other.elements == self.elements

    def __hash__(self) -> int:
        return hash((self.number, self.elements))

    @property
    def tag(self) -> str:
        return self.elements[0]

    def __getitem__(self, index: int) -> str:
        return self.elements[index]

    def __len__(self) -> int:
        return len(self.elements)

    def get(self, index: int, default: str = "") -> str:
        """Element ``index`` (1-based) or ``default`` when absent."""
        return self.elements[index] if 0 <= index < len(self.elements) else default


@dataclass(slots=True)
class TransactionSet:
    """ST..SE with its segments (ST and SE included) and the errors found in it."""

    header: Segment
    segments: list[Segment] = field(default_factory=list)
    trailer: Segment | None = None
    errors: list[EdiError] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.header.get(1)

    @property
    def control(self) -> str:
        return self.header.get(2)

    @property
    def body(self) -> list[Segment]:
        """Segments between ST and SE."""
        end = -1 if self.trailer is not None else len(self.segments)
        return self.segments[1:end]

    @property
    def accepted(self) -> bool:
        return not self.errors


@dataclass(slots=True)
class FunctionalGroup:
    """GS..GE with its transaction sets and the group-level errors."""

    header: Segment
    sets: list[TransactionSet] = field(default_factory=list)
    trailer: Segment | None = None
    errors: list[EdiError] = field(default_factory=list)

    @property
    def functional_id(self) -> str:
        return self.header.get(1)

    @property
    def control(self) -> str:
        return self.header.get(6)

    @property
    def version(self) -> str:
        return self.header.get(8)


@dataclass(slots=True)
class Interchange:
    """ISA..IEA: delimiters, groups, TA1 segments and the interchange-level errors."""

    header: Segment
    delimiters: Delimiters
    groups: list[FunctionalGroup] = field(default_factory=list)
    trailer: Segment | None = None
    ta1: list[Segment] = field(default_factory=list)
    errors: list[EdiError] = field(default_factory=list)
    segment_count: int = 0

    @property
    def sender(self) -> str:
        return f"{self.header.get(5).strip()}:{self.header.get(6).strip()}"

    @property
    def receiver(self) -> str:
        return f"{self.header.get(7).strip()}:{self.header.get(8).strip()}"

    @property
    def control(self) -> str:
        return self.header.get(13)

    @property
    def version(self) -> str:
        return self.header.get(12)

    def all_errors(self) -> list[EdiError]:
        """Every error of the interchange, its groups and sets, by segment number."""
        errs = list(self.errors)
        for g in self.groups:
            errs.extend(g.errors)
            for s in g.sets:
                errs.extend(s.errors)
        return sorted(errs, key=lambda e: e.segment or 0)


# -- decoding and tokenising ---------------------------------------------------------------

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
    offset = 0
    chunk = first
    while chunk:
        try:
            yield decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise EdiError(f"bytes are not valid {encoding} at offset {offset + exc.start}", file=name,
                           code="024", ack="TA1") from None
        offset += len(chunk)
        chunk = next(chunks, b"")
    tail = decoder.decode(b"", final=True)
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
                raise EdiError(f"expected an ISA segment, found {found!r}", file=name, segment=number + 1,
                               code="022" if buf.startswith("ISA") else "024", ack="TA1")
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
                restart = term.join(parts[i + 1:] + [rest])
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


# -- envelope validation ---------------------------------------------------------------------

def _err(message: str, seg: Segment | int | None, code: str | None, ack: str, **extra: object) -> EdiError:
    number = seg.number if isinstance(seg, Segment) else seg
    return EdiError(message, code=code, segment=number, ack=ack, **extra)


_ISA_RULES: tuple[tuple[int, int, int, str, str], ...] = (
    # element, min, max, TA1 code, name
    (1, 2, 2, "010", "authorization information qualifier"),
    (2, 0, 10, "011", "authorization information"),
    (3, 2, 2, "012", "security information qualifier"),
    (4, 0, 10, "013", "security information"),
    (5, 1, 2, "005", "sender id qualifier"),
    (6, 1, 15, "006", "sender id"),
    (7, 1, 2, "007", "receiver id qualifier"),
    (8, 1, 15, "008", "receiver id"),
    (9, 6, 6, "014", "interchange date"),
    (10, 4, 4, "015", "interchange time"),
    (11, 1, 1, "016", "standards identifier / repetition separator"),
    (12, 5, 5, "017", "control version number"),
    (13, 9, 9, "018", "interchange control number"),
    (14, 1, 1, "019", "acknowledgment requested"),
    (15, 1, 1, "020", "usage indicator"),
    (16, 1, 1, "027", "component element separator"),
)


def _check_isa(isa: Segment) -> list[EdiError]:
    errs: list[EdiError] = []
    if len(isa.elements) != 17:
        return [_err(f"ISA has {len(isa.elements) - 1} elements, expected 16", isa, "022", "TA1")]
    for idx, lo, hi, code, label in _ISA_RULES:
        value = isa[idx]
        if _CONTROL.search(value):
            errs.append(_err(f"ISA{idx:02d} ({label}) contains a control character (line break inside the ISA?)",
                             isa, code, "TA1", field=f"ISA{idx:02d}"))
        elif not lo <= len(value.rstrip(" \xa0") if hi > 6 else value) <= hi:
            # padded fields: only the significant content counts (samples pad with NBSP or overflow)
            want = f"{lo}" if lo == hi else f"{lo}-{hi}"
            what = "blank" if not value.strip() else f"{len(value)} characters"
            errs.append(_err(f"ISA{idx:02d} ({label}) is {what}, expected {want} characters",
                             isa, code, "TA1", field=f"ISA{idx:02d}"))
    if errs:
        return errs
    for idx, code, label in ((9, "014", "date"), (10, "015", "time"), (13, "018", "control number")):
        if not isa[idx].isdigit():
            errs.append(_err(f"ISA{idx:02d} interchange {label} {isa[idx]!r} is not numeric", isa, code, "TA1", field=f"ISA{idx:02d}"))
    if not errs:
        if not _valid_time(isa[10]):
            errs.append(_err(f"ISA10 interchange time {isa[10]!r} is not a valid HHMM", isa, "015", "TA1", field="ISA10"))
        if not _valid_date(isa[9], "%y%m%d"):
            errs.append(_err(f"ISA09 interchange date {isa[9]!r} is not a valid YYMMDD", isa, "014", "TA1", field="ISA09"))
    if isa[3] == "01" and not isa[4].strip():
        errs.append(_err("ISA03 says a password follows (01) but ISA04 is blank", isa, "013", "TA1", field="ISA04"))
    if isa[14] not in "01":
        errs.append(_err(f"ISA14 acknowledgment requested {isa[14]!r} is not 0 or 1", isa, "019", "TA1", field="ISA14"))
    return errs


def _valid_time(value: str) -> bool:
    return len(value) >= 4 and value[:4].isdigit() and int(value[:2]) < 24 and int(value[2:4]) < 60


def _valid_date(value: str, fmt: str) -> bool:
    """YYMMDD (``%y%m%d``) or CCYYMMDD validity without strptime (hot path: once per interchange)."""
    if not value.isdigit() or len(value) not in (6, 8):
        return False
    y, m, d = int(value[:-4]), int(value[-4:-2]), int(value[-2:])
    if not 1 <= m <= 12:
        return False
    year = y if len(value) == 8 else 2000 + y
    return 1 <= d <= calendar.monthrange(year, m)[1]


def _same_number(a: str, b: str) -> bool:
    """Numeric control numbers/counts compare by value (``000000002`` == ``2``)."""
    a, b = a.strip(), b.strip()
    return a == b or (a.isdigit() and b.isdigit() and int(a) == int(b))


def _close_set(ts: TransactionSet, group: FunctionalGroup) -> None:
    st = ts.header
    if ts.trailer is None:
        ts.errors.append(_err(f"transaction set {ts.id or '?'} control {ts.control or '?'} has no SE trailer",
                              st, "2", "AK5", field="SE"))
    else:
        se = ts.trailer
        count = len(ts.segments)
        if not _same_number(se.get(1), str(count)):
            ts.errors.append(_err(f"SE01 says {se.get(1) or 'nothing'} segments, the set has {count}",
                                  se, "4", "AK5", field="SE01"))
        if se.get(2) != ts.control:
            ts.errors.append(_err(f"SE02 control number {se.get(2)!r} does not match ST02 {ts.control!r}",
                                  se, "3", "AK5", field="SE02"))
    body = ts.body
    want = BEGINNING_SEGMENTS.get(ts.id)
    if want and (not body or body[0].tag not in want.split("|")):
        found = body[0].tag if body else "the trailer"
        ts.errors.append(_err(f"transaction set {ts.id} must begin with {want}, found {found}",
                              body[0] if body else (ts.trailer or st), "5", "AK5", ak3=(want.split("|")[0], 2, "3")))
    group.sets.append(ts)


def _check_set_header(st: Segment, seen: set[str]) -> list[EdiError]:
    errs = []
    if not re.fullmatch(r"\d{3}", st.get(1)):
        errs.append(_err(f"ST01 transaction set identifier {st.get(1)!r} is missing or invalid", st, "6", "AK5", field="ST01"))
    ctrl = st.get(2)
    if not 4 <= len(ctrl) <= 9:
        errs.append(_err(f"ST02 control number {ctrl!r} must be 4-9 characters", st, "7", "AK5", field="ST02"))
    elif ctrl in seen:
        errs.append(_err(f"ST02 control number {ctrl} is not unique within the group", st, "23", "AK5", field="ST02"))
    seen.add(ctrl)
    return errs


def _close_group(group: FunctionalGroup, ic: Interchange) -> None:
    ge = group.trailer
    if ge is None:
        group.errors.append(_err(f"functional group {group.control or '?'} has no GE trailer", group.header, "3", "AK9", field="GE"))
    else:
        if not _same_number(ge.get(1), str(len(group.sets))):
            group.errors.append(_err(f"GE01 says {ge.get(1) or 'nothing'} transaction sets, the group has {len(group.sets)}",
                                     ge, "5", "AK9", field="GE01"))
        if not _same_number(ge.get(2), group.control):
            group.errors.append(_err(f"GE02 control number {ge.get(2)!r} does not match GS06 {group.control!r}",
                                     ge, "4", "AK9", field="GE02"))
    ic.groups.append(group)


_ENVELOPE = frozenset({"SE", "GE", "IEA", "GS", "ST", "ISA"})
#: segment ids already seen to be syntactically valid (bounded: ids are at most 3 characters)
_GOOD_TAGS: set[str] = set()


def _check_segment(seg: Segment, ts: TransactionSet) -> None:
    tag = seg.elements[0]
    if _SEG_ID.match(tag):
        if len(_GOOD_TAGS) < 50_000:
            _GOOD_TAGS.add(tag)
    else:
        pos = seg.number - ts.header.number + 1
        ts.errors.append(_err(f"segment id {seg.tag[:10]!r} is not a valid X12 segment id", seg, "5", "AK5",
                              ak3=(seg.tag[:3] or "?", pos, "1")))
        return
    if len(seg.elements) > 1 and seg.elements[-1] == "":
        pos = seg.number - ts.header.number + 1
        last = len(seg.elements) - 1
        while last > 1 and seg.elements[last - 1] == "":
            last -= 1
        ts.errors.append(_err(f"{seg.tag} ends with empty elements (trailing element separators from {seg.tag}{last:02d})",
                              seg, "5", "AK5", field=f"{seg.tag}{last:02d}", ak3=(seg.tag, pos, "8"), ak4=(last, "3")))
        return
    if not _CONTROL.search("".join(seg.elements)):
        return
    for i, value in enumerate(seg.elements[1:], 1):
        if _CONTROL.search(value):
            pos = seg.number - ts.header.number + 1
            ts.errors.append(_err(f"{seg.tag}{i:02d} contains a control character (missing segment terminator?)",
                                  seg, "5", "AK5", field=f"{seg.tag}{i:02d}", ak3=(seg.tag, pos, "8"), ak4=(i, "6")))
            return


def parse(source: str | Path | bytes) -> Iterator[Interchange]:
    """Yield every interchange of ``source`` with its errors recorded (never raises for envelope errors)."""
    ic: Interchange | None = None
    group: FunctionalGroup | None = None
    ts: TransactionSet | None = None
    set_ctrls: set[str] = set()
    group_ctrls: set[str] = set()
    current = 0
    for index, seg, delims in iter_segments(source):
        if index != current:
            if ic is not None:
                yield _finish(ic, group, ts, seg.number)
            current = index
            ic = Interchange(seg, delims)
            ic.errors.extend(_check_isa(seg))
            group, ts, group_ctrls = None, None, set()
            ic.segment_count = 1
            continue
        assert ic is not None
        ic.segment_count = seg.number
        tag = seg.tag
        if ts is not None and tag not in _ENVELOPE:
            ts.segments.append(seg)
            els = seg.elements
            if tag not in _GOOD_TAGS or els[-1] == "" or _CONTROL.search("".join(els)):
                _check_segment(seg, ts)
            continue
        if tag == "SE":
            if ts is None:
                ic.errors.append(_err("SE outside a transaction set", seg, "024", "TA1"))
                continue
            ts.segments.append(seg)
            ts.trailer = seg
            assert group is not None
            _close_set(ts, group)
            ts = None
        elif tag == "ST":
            if group is None:
                ic.errors.append(_err("ST outside a functional group (no GS)", seg, "024", "TA1"))
                continue
            if ts is not None:
                _close_set(ts, group)
            ts = TransactionSet(seg, [seg])
            ts.errors.extend(_check_set_header(seg, set_ctrls))
        elif tag == "GS":
            if group is not None:
                if ts is not None:
                    _close_set(ts, group)
                    ts = None
                _close_group(group, ic)
            group = FunctionalGroup(seg)
            set_ctrls = set()
            if len(seg.elements) < 9:
                group.errors.append(_err(f"GS has {len(seg.elements) - 1} elements, expected 8", seg, "6", "AK9"))
            elif not seg[6].isdigit():
                group.errors.append(_err(f"GS06 group control number {seg[6]!r} is not numeric", seg, "6", "AK9", field="GS06"))
            elif seg[6] in group_ctrls:
                group.errors.append(_err(f"GS06 group control number {seg[6]} is not unique in the interchange", seg, "19", "AK9", field="GS06"))
            group_ctrls.add(group.control)
        elif tag == "GE":
            if group is None:
                ic.errors.append(_err("GE outside a functional group", seg, "024", "TA1"))
                continue
            if ts is not None:
                _close_set(ts, group)
                ts = None
            group.trailer = seg
            _close_group(group, ic)
            group = None
        elif tag == "IEA":
            ic.trailer = seg
            yield _finish(ic, group, ts, seg.number)
            ic, group, ts = None, None, None
        elif tag == "TA1" and group is None:
            ic.ta1.append(seg)
        elif tag == "ISA":
            # the sets around a nested ISA cannot be told apart from the inner interchange's: none is accepted
            ic.errors.append(_err("ISA inside an interchange (previous IEA missing)", seg, "023", "TA1", rejects_sets=True))
        else:
            where = "inside a functional group but outside a transaction set" if group else "outside any functional group"
            ic.errors.append(_err(f"segment {tag[:10]} {where}", seg, "024", "TA1"))
    if ic is not None:
        yield _finish(ic, group, ts, ic.segment_count)


def _finish(ic: Interchange, group: FunctionalGroup | None, ts: TransactionSet | None, last: int) -> Interchange:
    if ts is not None and group is not None:
        _close_set(ts, group)
    if group is not None:
        _close_group(group, ic)
    iea = ic.trailer
    if iea is None:
        reason = _terminator_hint(ic, group, ts) or "file truncated?"
        ic.errors.append(_err(f"interchange has no IEA trailer ({reason})", last, "023", "TA1", field="IEA"))
    else:
        if not _same_number(iea.get(1), str(len(ic.groups))):
            ic.errors.append(_err(f"IEA01 says {iea.get(1) or 'nothing'} functional groups, the interchange has {len(ic.groups)}",
                                  iea, "021", "TA1", field="IEA01"))
        if not _same_number(iea.get(2), ic.control):
            ic.errors.append(_err(f"IEA02 control number {iea.get(2)!r} does not match ISA13 {ic.control!r}",
                                  iea, "001", "TA1", field="IEA02"))
    return ic


_SWALLOWED_TRAILER = re.compile(r"([^\w ])\s*(?:IEA|GE|SE)\Z")
#: line breaks are dropped while reading, so trailers after them stick to the previous value
_JOINED_TRAILER = re.compile(r"[0-9A-Z.](?:IEA|GE)\Z")


def _terminator_hint(ic: Interchange, group: FunctionalGroup | None, ts: TransactionSet | None) -> str:
    """Why the IEA was not found, when trailers ended up inside one long segment (a wrong terminator)."""
    segments = ([ts.segments[-1]] if ts is not None and ts.segments else []) + ([group.header] if group is not None else [])
    for seg in segments:
        for value in seg.elements:
            m = _SWALLOWED_TRAILER.search(value)
            used = ("line breaks" if m.group(1) in "\r\n" else repr(m.group(1))) if m else \
                "line breaks" if _JOINED_TRAILER.search(value) else None
            if used:
                return (f"the segments end with {used}, not the segment terminator "
                        f"{ic.delimiters.segment!r} the ISA declares")
    return ""


def read(source: str | Path | bytes) -> Iterator[Interchange]:
    """Like :func:`parse`, but raise the first error of an interchange (strict reading)."""
    name = str(source) if isinstance(source, Path) else None
    for ic in parse(source):
        errs = ic.all_errors()
        if errs:
            first = errs[0]
            if name and not first.file:
                first.file = name
            raise first
        yield ic


def interchange_key(ic: Interchange) -> tuple[str, str, str]:
    """(sender, receiver, ISA13): the identity of an interchange for duplicate detection."""
    return (ic.sender, ic.receiver, ic.control)


def check_duplicate(ic: Interchange, seen: set[tuple[str, str, str]]) -> None:
    """Raise EdiError (TA1 025) if the interchange was seen before, else remember it in ``seen``."""
    key = interchange_key(ic)
    if key in seen:
        raise _err(f"duplicate interchange: control number {ic.control} from {ic.sender} to {ic.receiver} was already received",
                   ic.header, "025", "TA1", field="ISA13")
    seen.add(key)


# -- writing ------------------------------------------------------------------------------

@dataclass(slots=True)
class _GroupSpec:
    functional_id: str
    sender: str
    receiver: str
    control: int
    version: str
    sets: list[tuple[str, str, list[Sequence[str]]]] = field(default_factory=list)


class X12Writer:
    """Builds one interchange: ``add_group`` then ``add_set``; ``render()`` fills in every count.

    Segments are given without ST/SE; element values must not contain a delimiter (X12 has no
    release character), which raises EdiError naming the segment and element.
    """

    def __init__(self, sender: str, receiver: str, control: int, *, sender_qualifier: str = "ZZ",
                 receiver_qualifier: str = "ZZ", version: str = "00401", usage: str = "P",
                 delimiters: Delimiters | None = None, when: datetime | None = None, newline: bool = True,
                 ack_requested: str = "0") -> None:
        self.delims = delimiters or Delimiters("*", ":" if version < "00501" else ">", "~", None if version < "00501" else "^")
        self.sender = (sender_qualifier, sender)
        self.receiver = (receiver_qualifier, receiver)
        self.control = control
        self.version = version
        self.usage = usage
        self.when = when or datetime(2000, 1, 1)
        self.newline = newline
        self.ack_requested = ack_requested
        self.groups: list[_GroupSpec] = []

    def add_group(self, functional_id: str, control: int, version: str = "004010",
                  sender: str | None = None, receiver: str | None = None) -> None:
        self.groups.append(_GroupSpec(functional_id, sender or self.sender[1], receiver or self.receiver[1], control, version))

    def add_set(self, set_id: str, control: str, segments: Iterable[Sequence[str]]) -> None:
        if not self.groups:
            self.add_group(FUNCTIONAL_IDS.get(set_id, "ZZ"), self.control)
        self.groups[-1].sets.append((set_id, control, [tuple(s) for s in segments]))

    def segment(self, elements: Sequence[str]) -> str:
        """One rendered segment with this writer's delimiters."""
        return self._seg(elements)

    def _seg(self, elements: Sequence[str]) -> str:
        d = self.delims
        forbidden = {d.element, d.segment} | ({d.repetition} if d.repetition else set())
        out = [str(v) if v is not None else "" for v in elements]
        for i, v in enumerate(out):
            bad = [c for c in forbidden if c in v]
            if bad:
                raise EdiError(f"value {v!r} of {out[0]}{i:02d} contains a delimiter {bad}", field=f"{out[0]}{i:02d}")
        while len(out) > 1 and out[-1] == "":
            out.pop()  # X12 forbids trailing empty elements
        return d.element.join(out) + d.segment + ("\n" if self.newline else "")

    def render(self) -> str:
        d = self.delims
        w = self.when
        isa = ["ISA", "00", " " * 10, "00", " " * 10, self.sender[0].ljust(2), self.sender[1].ljust(15)[:15],
               self.receiver[0].ljust(2), self.receiver[1].ljust(15)[:15], w.strftime("%y%m%d"), w.strftime("%H%M"),
               d.repetition or "U", self.version, f"{self.control:09d}", self.ack_requested, self.usage, d.component]
        if len(self.sender[1]) > 15 or len(self.receiver[1]) > 15:
            raise EdiError("ISA sender/receiver ids are at most 15 characters", field="ISA06")
        parts = [d.element.join(isa) + d.segment + ("\n" if self.newline else "")]
        for g in self.groups:
            parts.append(self._seg(["GS", g.functional_id, g.sender, g.receiver, w.strftime("%Y%m%d"), w.strftime("%H%M"),
                                    str(g.control), "X", g.version]))
            for set_id, ctrl, segs in g.sets:
                parts.append(self._seg(["ST", set_id, ctrl]))
                parts.extend(self._seg(s) for s in segs)
                parts.append(self._seg(["SE", str(len(segs) + 2), ctrl]))
            parts.append(self._seg(["GE", str(len(g.sets)), str(g.control)]))
        parts.append(self._seg(["IEA", str(len(self.groups)), f"{self.control:09d}"]))
        return "".join(parts)


def component(value: str, delims: Delimiters, index: int = 0) -> str:
    """Component ``index`` (0-based) of a composite element value."""
    parts = value.split(delims.component)
    return parts[index] if index < len(parts) else ""


def write_text(text: str, path: Path) -> Path:
    """Write rendered EDI atomically (tmp file + replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with io.open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    tmp.replace(path)
    return path
