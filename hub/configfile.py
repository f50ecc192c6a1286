"""Reads every config and rule file of the hub: text, ``${ENV}``, YAML with the line of each node, pydantic errors as ``file:line``.

hub.yaml, mapping files, reconcile.yaml, match rules, push.yaml and report.yaml all load through
:func:`read_config_file` and report pydantic errors through :func:`pydantic_problems`, so every
problem anywhere reads ``file:line: dotted.path[0].key: message`` and a file's problems come at once.

PyYAML composes the node tree (``SafeLoader``; the C loader when available), then a small
constructor turns it into :class:`LocatedDict` / :class:`LocatedList` with the 1-based line of
each key and item. Mapping keys are always strings taken verbatim from the file (``01`` stays
``"01"``, ``on`` stays ``"on"``), so code tables keep their codes. Duplicate keys are reported
(PyYAML itself silently keeps the last one). Plain (unquoted) scalar values also keep their
source text in ``raw`` so a default like ``007`` can be read as text when the target is a string.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from hub.errors import ConfigError, MappingRuleError

__all__ = [
    "ConfigFile",
    "LocatedDict",
    "LocatedList",
    "YamlProblem",
    "config_error",
    "format_path",
    "interpolate_env",
    "line_of",
    "load_yaml",
    "parse_config_text",
    "pydantic_problems",
    "read_config_file",
    "validate_model",
]

M = TypeVar("M", bound=BaseModel)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class LocatedDict(dict):
    """A dict that knows its own line, the line of each key and the raw text of plain scalars."""

    __slots__ = ("line", "lines", "raw")

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.lines: dict[str, int] = {}
        self.raw: dict[str, str] = {}


class LocatedList(list):
    """A list that knows its own line, the line of each item and the raw text of plain scalars."""

    __slots__ = ("line", "lines", "raw")

    def __init__(self, line: int = 0) -> None:
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


def interpolate_env(text: str, source: str) -> tuple[str, list[str]]:
    """Replace ``${NAME}`` / ``${NAME:-default}`` from the environment; returns the text and one problem per unset name."""
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


def format_path(path: Sequence[Any]) -> str:
    """``("mappings", 0, "fields", "name")`` as ``mappings[0].fields.name``."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


@dataclass(frozen=True)
class ConfigFile:
    """A parsed config file: the name its problems carry, its located document and its duplicate keys."""

    source: str
    root: Any
    #: problems of the text that do not stop validation (duplicate keys: the first one is kept)
    problems: tuple[str, ...] = ()

    def line(self, path: Sequence[Any] = ()) -> int | None:
        """The line of ``path`` (of its deepest existing node)."""
        return line_of(self.root, path)

    def where(self, path: Sequence[Any] = ()) -> str:
        """``file:line`` of ``path`` (``file`` alone when the line is unknown)."""
        line = self.line(path)
        return f"{self.source}:{line}" if line is not None else self.source

    def problem(self, path: Sequence[Any], message: str) -> str:
        """One problem as ``file:line: dotted.path: message``."""
        label = format_path(path)
        return f"{self.where(path)}: {label + ': ' if label else ''}{message}"

    def node(self, path: Sequence[Any]) -> Any:
        """The value at ``path`` (None when there is none)."""
        node = self.root
        for p in path:
            try:
                node = node[p]
            except (KeyError, IndexError, TypeError):
                return None
        return node


def config_error(error: type[ConfigError], what: str, problems: list[str], source: str | None) -> ConfigError:
    """One error of class ``error`` listing every problem (also in ``problems`` / ``details["problems"]``)."""
    if issubclass(error, MappingRuleError):
        return error(f"invalid {what}", problems, file=source)
    return error(f"invalid {what}:\n  " + "\n  ".join(problems), file=source, problems=problems)


def parse_config_text(
    text: str, source: str, what: str, error: type[ConfigError] = ConfigError, *, interpolate: bool = True
) -> ConfigFile:
    """``text`` parsed as a config file named ``source``; every unset variable is raised at once.

    Duplicate keys do not stop the reading: they are kept in ``problems`` and reported with the
    validation's (see :func:`validate_model`).
    """
    problems: list[str] = []
    if interpolate:
        text, problems = interpolate_env(text, source)
    yaml_problems: list[YamlProblem] = []
    try:
        root = load_yaml(text, yaml_problems)
    except YamlProblem as exc:
        if problems:  # an unset variable may be why the YAML broke: name both
            raise config_error(error, what, problems + [f"{source}:{exc.line}: {exc.message}"], source) from None
        raise error(exc.message, file=source, line=exc.line) from None
    if problems:
        raise config_error(error, what, problems, source)
    return ConfigFile(source, root, tuple(f"{source}:{p.line}: {p.message}" for p in yaml_problems))


def read_config_file(
    path: str | Path, what: str, error: type[ConfigError] = ConfigError, *, interpolate: bool = True
) -> ConfigFile:
    """Read ``path``, replace ``${ENV}`` and parse it; every failure is an ``error`` naming the file (and line)."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"cannot read the {what}: {exc.strerror or exc}", file=source) from None
    except UnicodeDecodeError as exc:
        raise error(f"cannot read the {what}: not UTF-8 text ({exc.reason} at byte {exc.start})", file=source) from None
    return parse_config_text(text, source, what, error, interpolate=interpolate)


_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "dict", "list", "decimal", "date", "datetime", "none"})


def _is_type_tag(part: Any) -> bool:
    # pydantic names union members and validators in the location ("str", "list[str]", "function-after[...]")
    return isinstance(part, str) and (
        part in _TYPE_TAGS
        or part.startswith(("list[", "dict[", "tuple[", "function-", "union[", "tagged-union[", "literal["))
    )


def _yaml_path(data: Any, loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], bool]:
    """The YAML path of a pydantic location (its type tags dropped) and whether it ended on a ``[key]`` token."""
    out: list[Any] = []
    node, key = data, False
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif part == "[key]":
            key = True
            continue
        elif _is_type_tag(part):
            continue
        else:
            node = None
        out.append(part)
    return tuple(out), key


def pydantic_problems(exc: ValidationError, file: ConfigFile, base: tuple[Any, ...] = ()) -> list[str]:
    """One ``file:line: dotted.path: message`` per place pydantic found wrong (messages at one place joined).

    ``base`` is where the validated data sits in the file (a section validated on its own).
    Unknown and missing keys read as such; a missing key is reported at its parent's line.
    """
    data = file.node(base)
    # the members of a union each fail at the same place: one problem, their messages joined by "or"
    merged: dict[tuple[tuple[Any, ...], str], list[str]] = {}
    for err in exc.errors(include_url=False):
        loc, on_key = _yaml_path(data, tuple(err["loc"]))
        msg, missing = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, "), ""
        if err["type"] == "extra_forbidden" and loc:
            msg = f"unknown key {loc[-1]!r}"
        elif err["type"] == "missing" and loc:
            missing = str(loc[-1])
            msg, loc = f"missing key {loc[-1]!r}", loc[:-1]
        elif on_key:
            msg = f"not a valid key: {msg}"
        msgs = merged.setdefault((base + loc, missing), [])
        if msg not in msgs:
            msgs.append(msg)
    return [file.problem(path, " or ".join(msgs)) for (path, _), msgs in merged.items()]


def validate_model(
    model: type[M], file: ConfigFile, what: str, error: type[ConfigError] = ConfigError, base: tuple[Any, ...] = ()
) -> M:
    """``model`` validated from the file (or its section at ``base``); an ``error`` lists every problem.

    Validating the whole file (``base`` empty) also reports the file's own problems (duplicate keys).
    """
    data = file.node(base)
    problems = [] if base else list(file.problems)
    if data is not None and not isinstance(data, dict):
        message = f"must be a mapping, not a {type(data).__name__}" if base else f"the {what} must be a YAML mapping"
        raise config_error(error, what, problems + [file.problem(base, message)], file.source)
    try:
        value = model.model_validate({} if data is None else data)
    except ValidationError as exc:
        raise config_error(error, what, problems + pydantic_problems(exc, file, base), file.source) from None
    if problems:
        raise config_error(error, what, problems, file.source)
    return value
