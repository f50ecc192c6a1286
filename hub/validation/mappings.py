"""Mapping files of every system: load problems, the system a file names, the streams its mappings read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.config import HubConfig
from hub.configfile import ConfigFile, LocatedDict, LocatedList, read_config_file
from hub.errors import ConfigError, MappingRuleError
from hub.mapping import load_mappings
from hub.validation.problems import Problem, problems_of
from hub.validation.systems import unknown_stream

__all__ = ["MappingCheck", "check_mappings"]


@dataclass
class MappingCheck:
    """What the mapping checks found: the problems, and the compiled mappings per (system, stream)."""

    problems: list[Problem] = field(default_factory=list)
    by_stream: dict[tuple[str, str], list[Any]] = field(default_factory=dict)


def _files(config: HubConfig, system: str, hub_file: ConfigFile, out: MappingCheck) -> list[Path]:
    """The mapping files ``system`` lists; a pattern that matches nothing is a problem at its hub.yaml line."""
    files: list[Path] = []
    for i, pattern in enumerate(config.system(system).mappings):
        resolved = config.resolve(pattern)
        matches = sorted(resolved.parent.glob(resolved.name)) if any(c in pattern for c in "*?[") else [resolved]
        if not matches or not all(m.exists() for m in matches):
            line = hub_file.line(("systems", system, "mappings", i))
            out.problems.append(
                Problem(
                    str(config.path) if config.path else None,
                    line,
                    f"system {system!r}: mapping files {pattern!r} not found",
                    system=system,
                )
            )
            continue
        files.extend(matches)
    return files


def _parse(path: Path) -> ConfigFile | None:
    """A mapping file with line numbers, or None when it cannot be read (the loader reports why)."""
    try:
        return read_config_file(path, "mapping file", MappingRuleError)
    except ConfigError:
        return None


def check_mappings(
    config: HubConfig, groups: dict[str, list[str]], streams: dict[str, list[str] | None], hub_file: ConfigFile
) -> MappingCheck:
    """Load the mapping files of each group of systems (a pipeline's sources) as a run would, then check
    that each file's ``system:`` is the system listing it and each mapping's ``stream:`` is a stream of it.
    """
    out = MappingCheck()
    source = str(config.path) if config.path else "the config"
    listed: dict[str, list[Path]] = {}
    for systems in groups.values():
        for system in systems:
            if system not in listed:
                listed[system] = _files(config, system, hub_file, out)
    for systems in groups.values():
        files = list(dict.fromkeys(str(p) for s in systems for p in listed[s]))
        if not files:
            continue
        try:
            mset = load_mappings([Path(f) for f in files])
        except MappingRuleError as exc:
            out.problems += problems_of(exc)
            continue
        for m in mset:
            same = out.by_stream.setdefault((m.system, m.stream), [])
            if not any(x.file == m.file and x.line == m.line for x in same):
                same.append(m)
    parsed: dict[Path, ConfigFile | None] = {}
    checked: set[Path] = set()
    for system, paths in listed.items():
        for path in paths:
            doc = parsed[path] = parsed[path] if path in parsed else _parse(path)
            root = doc.root if doc is not None else None
            if (
                doc is None
                or not isinstance(root, LocatedDict)
                or not isinstance(root.get("mappings"), LocatedList)
                or not root["mappings"]
            ):
                continue
            named = root.get("system")
            if isinstance(named, str) and named != system:
                at = _listing_line(config, system, path, hub_file)
                out.problems.append(Problem(
                    str(path), doc.line(("system",)),
                    f"system {named!r}: this file is listed under system {system!r} ({source}{':' + str(at) if at else ''}), "
                    f"so its mappings are read as {named!r}'s, never {system!r}'s; list it under {named!r} or write system: {system}",
                    system=system))  # fmt: skip
            if path in checked or not isinstance(named, str) or named not in config.systems:
                continue
            checked.add(path)
            known = streams.get(named)
            if known is None:
                continue
            for j, rule in enumerate(root["mappings"]):
                stream = rule.get("stream") if isinstance(rule, LocatedDict) else None
                if isinstance(stream, str) and stream not in known:
                    out.problems.append(
                        Problem(
                            str(path),
                            doc.line(("mappings", j, "stream")),
                            unknown_stream(stream, named, known),
                            system=named,
                            stream=stream,
                        )
                    )
    return out


def _listing_line(config: HubConfig, system: str, path: Path, hub_file: ConfigFile) -> int | None:
    for i, pattern in enumerate(config.system(system).mappings):
        resolved = config.resolve(pattern)
        if resolved == path.resolve() or (any(c in pattern for c in "*?[") and path.match(str(resolved))):
            return hub_file.line(("systems", system, "mappings", i))
    return hub_file.line(("systems", system, "mappings"))
