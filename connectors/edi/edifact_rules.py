"""Message-level EDIFACT checks from the UN segment directory: constituents per segment, header repeats.

Only segments whose layout is stable across the UN directories D.93A..D.10B are listed; a
segment not listed is not checked. An unescaped component separator inside free text (e.g.
``IMD+F++:::soup 1:10``) shows up here as too many components (syntax error 16), and a header
segment repeated beyond the directory maximum as error 35.
"""

from __future__ import annotations

from connectors.edi.edifact_model import Message
from hub.errors import EdiError

#: tag -> max components of each data element (the length is the max number of elements)
SEGMENTS: dict[str, tuple[int, ...]] = {
    "BGM": (4, 3, 1, 1),
    "DTM": (3,),
    "NAD": (1, 3, 5, 6, 4, 1, 4, 1, 1),
    "LIN": (1, 1, 4, 2, 1, 1),
    "PIA": (1, 4, 4, 4, 4, 4),
    "IMD": (1, 3, 6, 1),
    "QTY": (3,),
    "PRI": (6, 1),
    "MOA": (5,),
    "RFF": (5,),
    "CNT": (3,),
    "UNS": (1,),
    "CUX": (4, 4, 1, 1),
    "DOC": (4, 6, 1, 1, 1),
}

#: message type -> max repeats of DTM right after BGM (the header date/time position)
HEADER_DTM_MAX: dict[str, int] = {"ORDERS": 35, "ORDRSP": 35, "ORDCHG": 35, "INVOIC": 35, "DESADV": 10}


def check_message(msg: Message) -> list[EdiError]:
    """Errors (code, UCS/UCD level) found in a UN message's body; empty for other agencies."""
    if msg.header.get(2, 3) != "UN":
        return []
    errs: list[EdiError] = []
    body = msg.body
    start = msg.header.number
    for seg in body:
        spec = SEGMENTS.get(seg.tag)
        if spec is None:
            continue
        pos = seg.number - start + 1
        if len(seg.elements) > len(spec):
            errs.append(
                EdiError(
                    f"{seg.tag} has {len(seg.elements)} data elements, the directory allows {len(spec)}",
                    code="16",
                    segment=seg.number,
                    ack="UCS",
                    position=pos,
                    field=seg.tag,
                )
            )
            continue
        for i, (comps, limit) in enumerate(zip(seg.elements, spec), 1):
            if len(comps) > limit:
                errs.append(
                    EdiError(
                        f"{seg.tag} element {i} has {len(comps)} components, the directory allows {limit}"
                        f" (an unescaped {':'!r} in the text?)",
                        code="16",
                        segment=seg.number,
                        ack="UCD",
                        position=pos,
                        element=i,
                        field=f"{seg.tag}{i:02d}",
                    )
                )
                break
    dtm_limit = HEADER_DTM_MAX.get(msg.type)
    if dtm_limit and body and body[0].tag == "BGM":
        run = 0
        for seg in body[1:]:
            if seg.tag != "DTM":
                break
            run += 1
            if run == dtm_limit + 1:
                errs.append(
                    EdiError(
                        f"DTM repeated more than {dtm_limit} times in the {msg.type} header",
                        code="35",
                        segment=seg.number,
                        ack="UCS",
                        position=seg.number - start + 1,
                        field="DTM",
                    )
                )
    return errs
