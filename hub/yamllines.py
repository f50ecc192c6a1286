"""YAML with line numbers, ``${ENV}`` interpolation and pydantic errors turned into ``file:line`` problems.

Every rule and config file of the hub is validated once at load time and reports all its
problems at once, each with the line it is on; this module is the one place that knows how.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

import yaml
from pydantic import ValidationError

__all__ = ["Lines", "read_config_file", "parse_with_lines", "index_lines", "line_of", "interpolate_env", "validation_problems", "YamlSyntaxError"]

#: path of keys/indexes from the document root -> 1-based line
Lines = dict[tuple[Any, ...], int]

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class YamlSyntaxError(ValueError):
    """The text is not YAML; ``line`` is where the parser gave up."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def index_lines(node: yaml.Node | None, path: tuple[Any, ...] = (), lines: Lines | None = None) -> Lines:
    """Line of every mapping key and sequence item under ``node``."""
    lines = {} if lines is None else lines
    if node is None:
        return lines
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            index_lines(value_node, path + (key_node.value,), lines)
            lines[path + (key_node.value,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            index_lines(item, path + (i,), lines)
    return lines


def parse_with_lines(text: str) -> tuple[Any, Lines]:
    """The parsed document and its line index; a syntax error raises :class:`YamlSyntaxError`."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise YamlSyntaxError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", mark.line + 1 if mark else None) from None
    return data, index_lines(node)


def line_of(loc: tuple[Any, ...], lines: Mapping[tuple[Any, ...], int]) -> int | None:
    """Line of the deepest known node on ``loc`` (pydantic adds tokens that are not YAML paths)."""
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def interpolate_env(text: str, source: str) -> tuple[str, list[str]]:
    """Replace ``${NAME}`` / ``${NAME:-default}`` from the environment; returns the text and the unset names as problems."""
    problems: list[str] = []

    def repl(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        value = os.environ.get(name)
        if value is None or value == "":
            if default is not None:
                return default
            problems.append(f"{source}:{text.count(chr(10), 0, m.start()) + 1}: environment variable {name} is not set")
            return ""
        return value

    return _ENV.sub(repl, text), problems


def validation_problems(exc: ValidationError, source: str, lines: Mapping[tuple[Any, ...], int], prefix: tuple[Any, ...] = ()) -> list[str]:
    """One ``file:line: path: message`` line per pydantic error."""
    out = []
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        line = line_of(loc, lines)
        where = f"{source}:{line}" if line else source
        out.append(f"{where}: {'.'.join(str(p) for p in loc) or '(top)'}: {err['msg']}")
    return out


def read_config_file(path: Any, what: str, error: type[Exception]) -> tuple[Any, Lines]:
    """Read ``path``, replace ``${ENV}``, parse it; returns (data, line index of the file as written).

    Every failure is raised as ``error`` (a hub error class) naming the file, and the line when known.
    """
    source = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"cannot read the {what}: {exc.strerror}", file=source) from None  # type: ignore[call-arg]
    text, unset = interpolate_env(raw, source)
    if unset:
        raise error(f"the {what} refers to unset environment variables:\n  " + "\n  ".join(unset), file=source)  # type: ignore[call-arg]
    try:
        data = parse_with_lines(text)[0]
        lines = parse_with_lines(raw)[1]
    except YamlSyntaxError as exc:
        raise error(str(exc), file=source, line=exc.line) from None  # type: ignore[call-arg]
    return data, lines
