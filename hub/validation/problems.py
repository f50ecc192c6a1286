"""One configuration problem (file, line, message and where in the data flow), and hub errors turned into them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hub.errors import HubError

__all__ = ["Problem", "problems_of", "parse_problem"]

_WITH_LINE = re.compile(r"^(?P<file>[^\s].*?):(?P<line>\d+): (?P<message>.*)$", re.S)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something in the configuration that would make a run fail or do less than it says."""

    file: str | None
    line: int | None
    message: str
    system: str | None = None
    stream: str | None = None
    column: str | None = None

    def __str__(self) -> str:
        if not self.file:
            return self.message
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


def parse_problem(text: str, file: str | None = None, **where: str | None) -> Problem:
    """A ``file:line: message`` string as a Problem (``file`` when the text names none)."""
    text = text.strip()
    m = _WITH_LINE.match(text)
    if m:
        return Problem(m["file"], int(m["line"]), m["message"], **where)
    if file and text.startswith(file + ": "):
        text = text[len(file) + 2 :]
    return Problem(file, None, text, **where)


def problems_of(exc: HubError, file: str | None = None) -> list[Problem]:
    """Every problem a hub error reports: its ``problems`` list, its indented lines, or itself."""
    where = {"system": exc.system, "stream": exc.stream}
    file = exc.file or file
    listed = getattr(exc, "problems", None) or exc.details.get("problems")
    if listed:
        return [p if isinstance(p, Problem) else parse_problem(str(p), file, **where) for p in listed]
    head, *rest = exc.message.split("\n")
    items = [line.strip().removeprefix("- ") for line in rest if line.strip()]
    if items and head.rstrip().endswith(":"):
        return [parse_problem(item, file, **where) for item in items]
    message = exc.message
    if exc.system and f"system {exc.system!r}" not in message:
        message = f"system {exc.system!r}: {message}"
    return [Problem(file, exc.line, message, **where)]
