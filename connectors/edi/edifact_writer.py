"""UN/EDIFACT writer: one interchange with UNA, UNB, messages (UNH..UNT) and UNZ, service characters released."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from connectors.edi.edifact_model import CHARSETS, Delimiters
from hub.errors import EdiError

__all__ = ["EdifactWriter", "escape"]


def escape(value: str, d: Delimiters) -> str:
    """Put the release character before every service character in ``value``."""
    rel = d.release or "?"
    specials = {d.component, d.element, d.segment, rel} | ({d.repetition} if d.repetition else set())
    return "".join(rel + c if c in specials else c for c in value)


class EdifactWriter:
    """Builds one interchange; ``add_message(type, ref, segments)``; ``render()`` adds UNH/UNT/UNZ counts.

    A segment is ``(tag, element, ...)`` where an element is a string or a sequence of components.
    """

    def __init__(
        self,
        sender: str,
        receiver: str,
        control: str,
        *,
        syntax: str = "UNOC",
        syntax_version: str = "3",
        when: datetime | None = None,
        delimiters: Delimiters | None = None,
        una: bool = True,
        newline: bool = True,
        sender_qualifier: str = "14",
        receiver_qualifier: str = "14",
    ) -> None:
        self.d = delimiters or Delimiters()
        self.sender = (sender, sender_qualifier)
        self.receiver = (receiver, receiver_qualifier)
        self.control = control
        self.syntax = (syntax, syntax_version)
        self.when = when or datetime(2000, 1, 1)
        self.una = una
        self.newline = newline
        self.messages: list[tuple[str, str, str, list[Sequence[object]]]] = []

    def add_message(
        self, message_type: str, ref: str, segments: Iterable[Sequence[object]], version: str = "D:96A:UN"
    ) -> None:
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
        parts.append(
            self._seg(
                "UNB",
                self.syntax,
                (self.sender[0], self.sender[1]),
                (self.receiver[0], self.receiver[1]),
                (w.strftime("%y%m%d"), w.strftime("%H%M")),
                self.control,
            )
        )
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
            raise EdiError(
                f"character {exc.object[exc.start]!r} cannot be written in syntax {self.syntax[0]} ({codec})",
                field="UNB",
            ) from None
        return text
