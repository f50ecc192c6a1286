"""A safe YAML loader that remembers the line of every key and item, for file:line errors.

PyYAML composes the node tree (``SafeLoader``; the C loader when available), then a small
constructor turns it into :class:`LocatedDict` / :class:`LocatedList` with the 1-based line of
each key and item. Mapping keys are always strings taken verbatim from the file (``01`` stays
``"01"``, ``on`` stays ``"on"``), so code tables keep their codes. Duplicate keys are reported
(PyYAML itself silently keeps the last one). Plain (unquoted) scalar values also keep their
source text in ``raw`` so a default like ``007`` can be read as text when the target is a string.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

__all__ = ["LocatedDict", "LocatedList", "YamlProblem", "load_yaml", "load_yaml_file", "line_of"]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LocatedDict(dict):
    """A dict that knows its own line, the line of each key and the raw text of plain scalars."""

    __slots__ = ("line", "lines", "raw")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: dict[str, int] = {}
        self.raw: dict[str, str] = {}


class LocatedList(list):
    """A list that knows its own line, the line of each item and the raw text of plain scalars."""

    __slots__ = ("line", "lines", "raw")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: list[int] = []
        self.raw: dict[int, str] = {}


class YamlProblem(Exception):
    """The YAML text itself is broken (syntax, duplicate key); carries the 1-based line."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def load_yaml(text: str, problems: list[YamlProblem] | None = None) -> Any:
    """Parse one YAML document into located containers.

    Syntax errors raise :class:`YamlProblem`. Duplicate keys are appended to ``problems`` (the
    first occurrence is kept) when a list is given, otherwise raised.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlProblem(f"YAML syntax error: {exc.problem or exc}", line) from None
    except yaml.YAMLError as exc:  # pragma: no cover - other reader errors (bad bytes)
        raise YamlProblem(f"YAML error: {exc}", None) from None
    finally:
        loader.dispose()
    if node is None:
        return None
    sink: list[YamlProblem] = problems if problems is not None else []
    value = _Builder(sink).build(node)
    if problems is None and sink:
        raise sink[0]
    return value


def load_yaml_file(path: Path, problems: list[YamlProblem] | None = None) -> Any:
    """:func:`load_yaml` on a UTF-8 file."""
    return load_yaml(Path(path).read_text(encoding="utf-8"), problems)


class _Builder:
    """Turns composed nodes into plain Python values with line information."""

    def __init__(self, problems: list[YamlProblem]) -> None:
        self.problems = problems
        # a throw-away constructor resolves scalar tags (int, float, bool, null, timestamps)
        self.constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node)
        if isinstance(node, yaml.SequenceNode):
            out = LocatedList(node.start_mark.line + 1)
            for i, item in enumerate(node.value):
                out.append(self.build(item))
                out.lines.append(item.start_mark.line + 1)
                raw = _plain_text(item)
                if raw is not None:
                    out.raw[i] = raw
            return out
        return self.constructor.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode) -> LocatedDict:
        self.constructor.flatten_mapping(node)  # resolves YAML merge keys (<<)
        out = LocatedDict(node.start_mark.line + 1)
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(YamlProblem("a mapping key must be a plain value", line))
                continue
            key = key_node.value
            if key in out:
                self.problems.append(
                    YamlProblem(f"duplicate key {key!r} (first defined at line {out.lines[key]})", line)
                )
                continue
            out[key] = self.build(value_node)
            out.lines[key] = line
            raw = _plain_text(value_node)
            if raw is not None:
                out.raw[key] = raw
        return out


def _plain_text(node: yaml.Node) -> str | None:
    # plain style is None with the Python parser and "" with the C one
    if isinstance(node, yaml.ScalarNode) and not node.style and node.tag.startswith("tag:yaml.org,2002:"):
        return node.value
    return None


def line_of(root: Any, path: Sequence[Any]) -> int | None:
    """The line of the deepest node of ``path`` that exists under ``root`` (None if unknown)."""
    line = getattr(root, "line", None)
    node = root
    for part in path:
        if isinstance(node, LocatedDict) and isinstance(part, str) and part in node:
            line = node.lines.get(part, line)
            node = node[part]
        elif isinstance(node, LocatedList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lines[part]
            node = node[part]
        else:
            break
    return line
