"""X12 writer: one interchange built group by group and set by set, every count and control number filled in."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from connectors.edi.x12_model import FUNCTIONAL_IDS, Delimiters
from hub.errors import EdiError

__all__ = ["X12Writer", "write_text"]


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

    def __init__(
        self,
        sender: str,
        receiver: str,
        control: int,
        *,
        sender_qualifier: str = "ZZ",
        receiver_qualifier: str = "ZZ",
        version: str = "00401",
        usage: str = "P",
        delimiters: Delimiters | None = None,
        when: datetime | None = None,
        newline: bool = True,
        ack_requested: str = "0",
    ) -> None:
        self.delims = delimiters or Delimiters(
            "*", ":" if version < "00501" else ">", "~", None if version < "00501" else "^"
        )
        self.sender = (sender_qualifier, sender)
        self.receiver = (receiver_qualifier, receiver)
        self.control = control
        self.version = version
        self.usage = usage
        self.when = when or datetime(2000, 1, 1)
        self.newline = newline
        self.ack_requested = ack_requested
        self.groups: list[_GroupSpec] = []

    def add_group(
        self,
        functional_id: str,
        control: int,
        version: str = "004010",
        sender: str | None = None,
        receiver: str | None = None,
    ) -> None:
        self.groups.append(
            _GroupSpec(functional_id, sender or self.sender[1], receiver or self.receiver[1], control, version)
        )

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
        isa = [
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            self.sender[0].ljust(2),
            self.sender[1].ljust(15)[:15],
            self.receiver[0].ljust(2),
            self.receiver[1].ljust(15)[:15],
            w.strftime("%y%m%d"),
            w.strftime("%H%M"),
            d.repetition or "U",
            self.version,
            f"{self.control:09d}",
            self.ack_requested,
            self.usage,
            d.component,
        ]
        if len(self.sender[1]) > 15 or len(self.receiver[1]) > 15:
            raise EdiError("ISA sender/receiver ids are at most 15 characters", field="ISA06")
        parts = [d.element.join(isa) + d.segment + ("\n" if self.newline else "")]
        for g in self.groups:
            parts.append(
                self._seg(
                    [
                        "GS",
                        g.functional_id,
                        g.sender,
                        g.receiver,
                        w.strftime("%Y%m%d"),
                        w.strftime("%H%M"),
                        str(g.control),
                        "X",
                        g.version,
                    ]
                )
            )
            for set_id, ctrl, segs in g.sets:
                parts.append(self._seg(["ST", set_id, ctrl]))
                parts.extend(self._seg(s) for s in segs)
                parts.append(self._seg(["SE", str(len(segs) + 2), ctrl]))
            parts.append(self._seg(["GE", str(len(g.sets)), str(g.control)]))
        parts.append(self._seg(["IEA", str(len(self.groups)), f"{self.control:09d}"]))
        return "".join(parts)


def write_text(text: str, path: Path) -> Path:
    """Write rendered EDI atomically (tmp file + replace); the tmp file is the process's own, so two
    processes writing the same acknowledgment cannot mix their writes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    tmp.replace(path)
    return path
