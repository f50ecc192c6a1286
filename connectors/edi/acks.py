"""Functional acknowledgments: X12 997 for every inbound functional group, EDIFACT CONTRL.

A 997 reports each transaction set (AK2/AK3/AK4/AK5) and the group (AK9) as accepted (A),
accepted with errors (E), partially accepted (P) or rejected (R), using the codes carried by the
reader's :class:`hub.errors.EdiError` objects; interchange-level problems add a TA1 segment.
The acknowledgment goes back to the sender: sender and receiver are swapped and the control
numbers are derived from the inbound ones, so the same inbound group always yields the same
acknowledgment.
"""

from __future__ import annotations

from datetime import datetime

from connectors.edi import edifact, x12
from hub.errors import EdiError

__all__ = ["ack_997_segments", "build_997", "build_ta1", "build_contrl", "group_status"]


def _set_codes(ts: x12.TransactionSet) -> list[str]:
    codes: list[str] = []
    for e in ts.errors:
        if e.details.get("ack") == "AK5" and e.code and e.code not in codes:
            codes.append(e.code)
    return codes[:5]


def group_status(ic: x12.Interchange, group: x12.FunctionalGroup) -> str:
    """A, E, P or R for a group (interchange errors reject every group)."""
    if group.errors or ic.errors:
        return "R"
    rejected = sum(1 for s in group.sets if s.errors)
    if rejected == 0:
        return "A"
    return "R" if rejected == len(group.sets) else "P"


def ack_997_segments(ic: x12.Interchange, group: x12.FunctionalGroup) -> list[tuple[str, ...]]:
    """The body (AK1..AK9) of the 997 acknowledging ``group``."""
    version = group.version
    ak1: tuple[str, ...] = ("AK1", group.functional_id, group.control)
    if version >= "005010":
        ak1 += (version,)
    segs: list[tuple[str, ...]] = [ak1]
    accepted = 0
    # AK5 reports each set's own syntax (AK9 R already rejects the group), except where the
    # envelope is so broken that no set's boundaries can be trusted (a nested ISA): the hub
    # stores none of those sets, so none is acknowledged as accepted
    envelope_rejected = any(e.details.get("rejects_sets") for e in ic.errors)
    for ts in group.sets:
        segs.append(("AK2", ts.id, ts.control))
        for e in ts.errors:
            ak3 = e.details.get("ak3")
            if ak3:
                tag, pos, code = ak3
                segs.append(("AK3", tag, str(pos), "", code))
                ak4 = e.details.get("ak4")
                if ak4:
                    segs.append(("AK4", str(ak4[0]), "", ak4[1]))
        codes = _set_codes(ts)
        if ts.errors or envelope_rejected:
            segs.append(("AK5", "R", *codes))
        else:
            accepted += 1
            segs.append(("AK5", "A"))
    status = group_status(ic, group)
    if status == "A" and accepted != len(group.sets):
        status = "P"
    group_codes = [e.code for e in group.errors if e.code][:5]
    declared = group.trailer.get(1) if group.trailer is not None else ""
    included = declared if declared.strip().isdigit() else "0"
    segs.append(("AK9", status, str(int(included)), str(len(group.sets)), str(accepted), *group_codes))
    return segs


def _reply_writer(ic: x12.Interchange, when: datetime | None) -> tuple[x12.X12Writer, int]:
    isa = ic.header
    version = "00501" if isa.get(12) >= "00501" else "00401"
    control = int(isa.get(13)) if isa.get(13).strip().isdigit() else 1
    w = x12.X12Writer(
        _id(isa.get(8)),
        _id(isa.get(6)),
        control,
        sender_qualifier=_id(isa.get(7), "ZZ")[:2],
        receiver_qualifier=_id(isa.get(5), "ZZ")[:2],
        version=version,
        usage=isa.get(15) if isa.get(15) in ("P", "T") else "P",
        when=when or datetime.now().replace(microsecond=0),
    )
    return w, control


def _id(value: str, default: str = "UNKNOWN") -> str:
    """An id from the inbound ISA that the reply can carry (15 chars, no delimiter)."""
    text = "".join(c for c in value.strip() if c.isprintable() and c not in "*~:>^")[:15].strip()
    return text or default


def build_ta1(ic: x12.Interchange, *, when: datetime | None = None) -> str:
    """An interchange holding only the TA1 that rejects ``ic`` (it had no group to acknowledge)."""
    w, _ = _reply_writer(ic, when)
    text = w.render()
    ta1 = _ta1(ic) or ("TA1", ic.header.get(13), ic.header.get(9), ic.header.get(10), "R", "022")
    first_end = text.index(w.delims.segment) + 1 + (1 if w.newline else 0)
    return text[:first_end] + w.segment(tuple(_id(v, "") for v in ta1)) + text[first_end:]


def build_997(
    ic: x12.Interchange, groups: list[x12.FunctionalGroup] | None = None, *, when: datetime | None = None
) -> str:
    """The interchange a partner receives: one 997 per group (997 groups themselves are not acknowledged)."""
    groups = [g for g in (ic.groups if groups is None else groups) if g.functional_id != "FA"]
    w, control = _reply_writer(ic, when)
    gs_control = int(groups[0].control) if groups and groups[0].control.isdigit() else control
    ta1 = _ta1(ic)
    for i, g in enumerate(groups):
        if i == 0:
            w.add_group(
                "FA",
                gs_control,
                "005010" if g.version >= "005010" else "004010",
                sender=g.header.get(3) or None,
                receiver=g.header.get(2) or None,
            )
        w.add_set("997", f"{i + 1:04d}", ack_997_segments(ic, g))
    if not groups:
        w.add_group("FA", gs_control, "004010")
    text = w.render()
    if ta1:
        # TA1 follows the ISA and precedes the first GS
        first_end = text.index(w.delims.segment) + 1 + (1 if w.newline else 0)
        text = text[:first_end] + w.segment(ta1) + text[first_end:]
    return text


def _ta1(ic: x12.Interchange) -> tuple[str, ...] | None:
    if not ic.errors:
        return None
    code = next((e.code for e in ic.errors if e.details.get("ack") == "TA1" and e.code), "022")
    isa = ic.header
    return ("TA1", isa.get(13), isa.get(9), isa.get(10), "R", code)


# -- EDIFACT CONTRL -------------------------------------------------------------------------------


def _ucm(msg: edifact.Message) -> list[tuple[object, ...]]:
    h = msg.header
    ident = tuple(h.elements[1]) if len(h.elements) > 1 else (msg.type,)
    if not msg.errors:
        return [("UCM", msg.ref, ident, "7")]
    first = msg.errors[0]
    segs: list[tuple[object, ...]] = [("UCM", msg.ref, ident, "4", first.code or "18")]
    for e in msg.errors:
        pos = e.details.get("position") or ((e.segment or 0) - h.number + 1)
        segs.append(("UCS", str(pos), e.code or "18"))
        if e.details.get("ack") == "UCD" and e.details.get("element"):
            segs.append(("UCD", e.code or "18", (str(e.details["element"]),)))
    return segs


def build_contrl(ic: edifact.Interchange, *, when: datetime | None = None, ref: str | None = None) -> str:
    """A CONTRL (syntax version 3) interchange acknowledging ``ic`` and each of its messages."""
    unb = ic.header
    control = ref or f"C{ic.control}"[:14]
    w = edifact.EdifactWriter(
        ic.receiver or "UNKNOWN",
        ic.sender or "UNKNOWN",
        control,
        syntax=ic.syntax if ic.syntax in edifact.CHARSETS else "UNOC",
        syntax_version=ic.syntax_version or "3",
        when=when or datetime.now().replace(microsecond=0),
        delimiters=ic.delimiters,
        una=True,
        sender_qualifier=unb.get(3, 1) or "ZZ",
        receiver_qualifier=unb.get(2, 1) or "ZZ",
    )
    parties = tuple(tuple(unb.elements[i]) if len(unb.elements) > i else ("",) for i in (1, 2))
    if ic.errors:
        e: EdiError = ic.errors[0]
        segs: list[tuple[object, ...]] = [("UCI", ic.control, *parties, "4", e.code or "18")]
    else:
        segs = [("UCI", ic.control, *parties, "7")]
        for msg in ic.messages:
            segs.extend(_ucm(msg))
    w.add_message("CONTRL", "1", segs, version="D:3:UN")
    return w.render()
