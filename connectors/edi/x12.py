"""X12 reader: ISA-driven delimiters, streamed segments, envelope validation.

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

The data model lives in :mod:`connectors.edi.x12_model`, the tokeniser in
:mod:`connectors.edi.x12_segments` and the writer in :mod:`connectors.edi.x12_writer`; their
public names are importable from here as before.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from pathlib import Path

from connectors.edi.x12_model import (
    BEGINNING_SEGMENTS,
    FUNCTIONAL_IDS,
    Delimiters,
    FunctionalGroup,
    Interchange,
    Segment,
    TransactionSet,
    component,
)
from connectors.edi.x12_segments import iter_segments
from connectors.edi.x12_writer import X12Writer, write_text
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
    "write_text",
    "component",
    "BEGINNING_SEGMENTS",
    "FUNCTIONAL_IDS",
]

_SEG_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85]")


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
            errs.append(
                _err(
                    f"ISA{idx:02d} ({label}) contains a control character (line break inside the ISA?)",
                    isa,
                    code,
                    "TA1",
                    field=f"ISA{idx:02d}",
                )
            )
        elif not lo <= len(value.rstrip(" \xa0") if hi > 6 else value) <= hi:
            # padded fields: only the significant content counts (samples pad with NBSP or overflow)
            want = f"{lo}" if lo == hi else f"{lo}-{hi}"
            what = "blank" if not value.strip() else f"{len(value)} characters"
            errs.append(
                _err(
                    f"ISA{idx:02d} ({label}) is {what}, expected {want} characters",
                    isa,
                    code,
                    "TA1",
                    field=f"ISA{idx:02d}",
                )
            )
    if errs:
        return errs
    for idx, code, label in ((9, "014", "date"), (10, "015", "time"), (13, "018", "control number")):
        if not isa[idx].isdigit():
            errs.append(
                _err(
                    f"ISA{idx:02d} interchange {label} {isa[idx]!r} is not numeric",
                    isa,
                    code,
                    "TA1",
                    field=f"ISA{idx:02d}",
                )
            )
    if not errs:
        if not _valid_time(isa[10]):
            errs.append(
                _err(f"ISA10 interchange time {isa[10]!r} is not a valid HHMM", isa, "015", "TA1", field="ISA10")
            )
        if not _valid_date(isa[9], "%y%m%d"):
            errs.append(
                _err(f"ISA09 interchange date {isa[9]!r} is not a valid YYMMDD", isa, "014", "TA1", field="ISA09")
            )
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
        ts.errors.append(
            _err(
                f"transaction set {ts.id or '?'} control {ts.control or '?'} has no SE trailer",
                st,
                "2",
                "AK5",
                field="SE",
            )
        )
    else:
        se = ts.trailer
        count = len(ts.segments)
        if not _same_number(se.get(1), str(count)):
            ts.errors.append(
                _err(f"SE01 says {se.get(1) or 'nothing'} segments, the set has {count}", se, "4", "AK5", field="SE01")
            )
        if se.get(2) != ts.control:
            ts.errors.append(
                _err(
                    f"SE02 control number {se.get(2)!r} does not match ST02 {ts.control!r}",
                    se,
                    "3",
                    "AK5",
                    field="SE02",
                )
            )
    body = ts.body
    want = BEGINNING_SEGMENTS.get(ts.id)
    if want and (not body or body[0].tag not in want.split("|")):
        found = body[0].tag if body else "the trailer"
        ts.errors.append(
            _err(
                f"transaction set {ts.id} must begin with {want}, found {found}",
                body[0] if body else (ts.trailer or st),
                "5",
                "AK5",
                ak3=(want.split("|")[0], 2, "3"),
            )
        )
    group.sets.append(ts)


def _check_set_header(st: Segment, seen: set[str]) -> list[EdiError]:
    errs = []
    if not re.fullmatch(r"\d{3}", st.get(1)):
        errs.append(
            _err(f"ST01 transaction set identifier {st.get(1)!r} is missing or invalid", st, "6", "AK5", field="ST01")
        )
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
        group.errors.append(
            _err(f"functional group {group.control or '?'} has no GE trailer", group.header, "3", "AK9", field="GE")
        )
    else:
        if not _same_number(ge.get(1), str(len(group.sets))):
            group.errors.append(
                _err(
                    f"GE01 says {ge.get(1) or 'nothing'} transaction sets, the group has {len(group.sets)}",
                    ge,
                    "5",
                    "AK9",
                    field="GE01",
                )
            )
        if not _same_number(ge.get(2), group.control):
            group.errors.append(
                _err(
                    f"GE02 control number {ge.get(2)!r} does not match GS06 {group.control!r}",
                    ge,
                    "4",
                    "AK9",
                    field="GE02",
                )
            )
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
        ts.errors.append(
            _err(
                f"segment id {seg.tag[:10]!r} is not a valid X12 segment id",
                seg,
                "5",
                "AK5",
                ak3=(seg.tag[:3] or "?", pos, "1"),
            )
        )
        return
    if len(seg.elements) > 1 and seg.elements[-1] == "":
        pos = seg.number - ts.header.number + 1
        last = len(seg.elements) - 1
        while last > 1 and seg.elements[last - 1] == "":
            last -= 1
        ts.errors.append(
            _err(
                f"{seg.tag} ends with empty elements (trailing element separators from {seg.tag}{last:02d})",
                seg,
                "5",
                "AK5",
                field=f"{seg.tag}{last:02d}",
                ak3=(seg.tag, pos, "8"),
                ak4=(last, "3"),
            )
        )
        return
    if not _CONTROL.search("".join(seg.elements)):
        return
    for i, value in enumerate(seg.elements[1:], 1):
        if _CONTROL.search(value):
            pos = seg.number - ts.header.number + 1
            ts.errors.append(
                _err(
                    f"{seg.tag}{i:02d} contains a control character (missing segment terminator?)",
                    seg,
                    "5",
                    "AK5",
                    field=f"{seg.tag}{i:02d}",
                    ak3=(seg.tag, pos, "8"),
                    ak4=(i, "6"),
                )
            )
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
                group.errors.append(
                    _err(f"GS06 group control number {seg[6]!r} is not numeric", seg, "6", "AK9", field="GS06")
                )
            elif seg[6] in group_ctrls:
                group.errors.append(
                    _err(
                        f"GS06 group control number {seg[6]} is not unique in the interchange",
                        seg,
                        "19",
                        "AK9",
                        field="GS06",
                    )
                )
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
            ic.errors.append(
                _err("ISA inside an interchange (previous IEA missing)", seg, "023", "TA1", rejects_sets=True)
            )
        else:
            where = (
                "inside a functional group but outside a transaction set" if group else "outside any functional group"
            )
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
            ic.errors.append(
                _err(
                    f"IEA01 says {iea.get(1) or 'nothing'} functional groups, the interchange has {len(ic.groups)}",
                    iea,
                    "021",
                    "TA1",
                    field="IEA01",
                )
            )
        if not _same_number(iea.get(2), ic.control):
            ic.errors.append(
                _err(
                    f"IEA02 control number {iea.get(2)!r} does not match ISA13 {ic.control!r}",
                    iea,
                    "001",
                    "TA1",
                    field="IEA02",
                )
            )
    return ic


_SWALLOWED_TRAILER = re.compile(r"([^\w ])\s*(?:IEA|GE|SE)\Z")
#: line breaks are dropped while reading, so trailers after them stick to the previous value
_JOINED_TRAILER = re.compile(r"[0-9A-Z.](?:IEA|GE)\Z")


def _terminator_hint(ic: Interchange, group: FunctionalGroup | None, ts: TransactionSet | None) -> str:
    """Why the IEA was not found, when trailers ended up inside one long segment (a wrong terminator)."""
    segments = ([ts.segments[-1]] if ts is not None and ts.segments else []) + (
        [group.header] if group is not None else []
    )
    for seg in segments:
        for value in seg.elements:
            m = _SWALLOWED_TRAILER.search(value)
            used = (
                ("line breaks" if m.group(1) in "\r\n" else repr(m.group(1)))
                if m
                else "line breaks"
                if _JOINED_TRAILER.search(value)
                else None
            )
            if used:
                return (
                    f"the segments end with {used}, not the segment terminator "
                    f"{ic.delimiters.segment!r} the ISA declares"
                )
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


def check_duplicate(ic: Interchange, seen: set[tuple[str, ...]]) -> None:
    """Raise EdiError (TA1 025) if the interchange was seen before, else remember it in ``seen``."""
    key = interchange_key(ic)
    if key in seen:
        raise _err(
            f"duplicate interchange: control number {ic.control} from {ic.sender} to {ic.receiver} was already received",
            ic.header,
            "025",
            "TA1",
            field="ISA13",
        )
    seen.add(key)
