"""X12 data model: delimiters, segments, transaction sets, functional groups, interchanges, code tables.

Shared by the reader (:mod:`connectors.edi.x12`) and the writer (:mod:`connectors.edi.x12_writer`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.errors import EdiError

__all__ = [
    "Delimiters",
    "Segment",
    "TransactionSet",
    "FunctionalGroup",
    "Interchange",
    "component",
    "BEGINNING_SEGMENTS",
    "FUNCTIONAL_IDS",
]

#: the mandatory beginning segment that follows ST, per transaction set (AK3 code 3 if absent)
BEGINNING_SEGMENTS: dict[str, str] = {
    "810": "BIG",
    "812": "BCD",
    "820": "BPR|BPS",
    "824": "BGN",
    "830": "BFR",
    "832": "BCT",
    "835": "BPR",
    "837": "BHT",
    "840": "BQT",
    "843": "BQR",
    "846": "BIA",
    "850": "BEG",
    "852": "XQ",
    "855": "BAK",
    "856": "BSN",
    "860": "BCH",
    "862": "BSS",
    "865": "BCA",
    "866": "BSS",
    "867": "BPT",
    "869": "BSI",
    "870": "BSR",
    "875": "G50",
    "880": "G01",
    "894": "G82",
    "940": "W05",
    "943": "W06",
    "944": "W17",
    "945": "W06",
    "997": "AK1",
    "999": "AK1",
    "270": "BHT",
    "271": "BHT",
    "276": "BHT",
    "277": "BHT",
    "278": "BHT",
    "834": "BGN",
    "204": "B2",
    "210": "B3",
    "214": "B10",
    "990": "B1",
}

#: GS01 functional identifier code per transaction set (for writers and acknowledgments)
FUNCTIONAL_IDS: dict[str, str] = {
    "810": "IN",
    "820": "RA",
    "830": "PS",
    "832": "SC",
    "846": "IB",
    "850": "PO",
    "855": "PR",
    "856": "SH",
    "860": "PC",
    "862": "SS",
    "865": "CA",
    "997": "FA",
    "999": "FA",
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


def component(value: str, delims: Delimiters, index: int = 0) -> str:
    """Component ``index`` (0-based) of a composite element value."""
    parts = value.split(delims.component)
    return parts[index] if index < len(parts) else ""
