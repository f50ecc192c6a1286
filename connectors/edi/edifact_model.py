"""UN/EDIFACT data model: service characters, segments, messages, groups, interchanges, syntax charsets.

Shared by the reader (:mod:`connectors.edi.edifact`), the message rules
(:mod:`connectors.edi.edifact_rules`) and the writer (:mod:`connectors.edi.edifact_writer`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.errors import EdiError

__all__ = ["Delimiters", "Segment", "Message", "Group", "Interchange", "CHARSETS"]

#: syntax identifier (UNB S001/0001) -> Python codec
CHARSETS: dict[str, str] = {
    "UNOA": "ascii",
    "UNOB": "ascii",
    "UNOC": "latin-1",
    "UNOD": "iso8859-2",
    "UNOE": "iso8859-5",
    "UNOF": "iso8859-7",
    "UNOG": "iso8859-3",
    "UNOH": "iso8859-4",
    "UNOI": "iso8859-6",
    "UNOJ": "iso8859-8",
    "UNOK": "iso8859-9",
    "UNOL": "iso8859-15",
    "UNOU": "utf-8",
    "UNOV": "utf-8",
    "UNOW": "utf-8",
    "UNOX": "iso2022_jp_2",
    "UNOY": "utf-8",
    "KECA": "euc_kr",
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
        return (
            "UNA"
            + self.component
            + self.element
            + self.decimal
            + (self.release or " ")
            + (self.repetition or " ")
            + self.segment
        )


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
