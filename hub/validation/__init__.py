"""Check every configuration file at once (hub.yaml, connector settings, mappings, rule files) and list every problem.

::

    from hub.validation import validate_config, validate_or_raise
    problems = validate_config(config)                    # [Problem], each str() is "file:line: message"
    validate_or_raise(config, pipelines=["channelco"])    # one ConfigError listing every problem

``sources=True`` also reads the first batch of every mapped stream and reports the columns a
mapping reads that the source does not have. Connector settings models may offer
``configured_streams() -> list[str] | None`` (the streams known without I/O; None: only online),
which is how stream names in mappings and pipelines are checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.config import HubConfig, load_config_file
from hub.errors import ConfigError
from hub.validation.problems import Problem, problems_of

__all__ = ["Problem", "Validation", "validate", "validate_config", "validate_or_raise"]


@dataclass(frozen=True)
class Validation:
    """What a validation found, and what it looked at (for the ``ok`` line)."""

    problems: list[Problem]
    systems: int = 0
    pipelines: int = 0
    mappings: int = 0
    rule_files: int = 0
    #: streams whose first batch was read (``sources=True``)
    streams_read: int = 0


def validate_config(
    config: HubConfig | str | Path, *, pipelines: list[str] | None = None, sources: bool = False
) -> list[Problem]:
    """Every problem of the configuration (of the named pipelines and their systems, or of all), never only the first.

    ``config`` is a loaded config or the path of hub.yaml (whose own problems are then listed too).
    """
    return validate(config, pipelines=pipelines, sources=sources).problems


def validate(
    config: HubConfig | str | Path, *, pipelines: list[str] | None = None, sources: bool = False
) -> Validation:
    """:func:`validate_config` with what was checked."""
    from hub.pipeline.connect import config_lines
    from hub.validation.mappings import check_mappings
    from hub.validation.rules import rule_file_problems
    from hub.validation.sources import discovered_streams, source_problems
    from hub.validation.systems import known_streams, pipeline_stream_problems, store_problems, system_settings

    if isinstance(config, HubConfig):
        hub_file = config_lines(config)
    else:
        try:
            config, hub_file = load_config_file(config)
        except ConfigError as exc:
            return Validation(problems_of(exc, str(config)))
    for name in pipelines or ():
        config.pipeline(name)  # an unknown name is a ConfigError listing the configured ones
    names = list(config.pipelines) if pipelines is None else list(pipelines)
    groups = {p: list(dict.fromkeys(s.system for s in config.pipeline(p).sources)) for p in names}
    if pipelines is None:
        piped = {s for systems in groups.values() for s in systems}
        groups.update({f"system {s}": [s] for s in config.systems if s not in piped})
    systems = list(dict.fromkeys(s for g in groups.values() for s in g))

    problems = store_problems(config, hub_file)
    settings, found = system_settings(config, systems, hub_file)
    problems += found
    streams: dict[str, list[str] | None] = {s: known_streams(v) for s, v in settings.items()}
    if sources:
        for s in systems:
            if s in settings and streams[s] is None:
                streams[s], problem = discovered_streams(config, s, settings[s])
                problems += [problem] if problem else []
    problems += pipeline_stream_problems(config, names, streams, hub_file)
    mappings = check_mappings(config, groups, streams, hub_file)
    problems += mappings.problems
    problems += rule_file_problems(config, names, hub_file)
    read = _read_streams(config, pipelines, mappings.by_stream) if sources else {}
    if read:
        problems += source_problems(config, settings, read, hub_file)
    rule_files = {
        (k, str(config.resolve(f)))
        for p in names
        for k in ("reconcile", "push", "report")
        if (f := getattr(config.pipeline(p), k))
    }
    return Validation(
        list(dict.fromkeys(problems)),
        systems=len(systems),
        pipelines=len(names),
        mappings=sum(len(v) for v in mappings.by_stream.values()),
        rule_files=len(rule_files),
        streams_read=len(read),
    )


def _read_streams(
    config: HubConfig, pipelines: list[str] | None, by_stream: dict[tuple[str, str], Any]
) -> dict[tuple[str, str], Any]:
    """The mapped streams the named pipelines read (a source naming no streams reads all); every one when None."""
    if pipelines is None:
        return by_stream
    wanted: set[tuple[str, str]] = set()
    for p in pipelines:
        for src in config.pipeline(p).sources:
            wanted |= {(s, st) for s, st in by_stream if s == src.system and (src.streams is None or st in src.streams)}
    return {k: v for k, v in by_stream.items() if k in wanted}


def validate_or_raise(
    config: HubConfig | str | Path, *, pipelines: list[str] | None = None, sources: bool = False
) -> None:
    """Raise one :class:`~hub.errors.ConfigError` listing every problem, or return.

    The error's ``details["problems"]`` holds each problem as its ``file:line: message`` text.
    """
    problems = validate_config(config, pipelines=pipelines, sources=sources)
    if problems:
        path = config.path if isinstance(config, HubConfig) else config
        raise ConfigError(
            f"{len(problems)} configuration problem(s):\n  " + "\n  ".join(map(str, problems)),
            file=str(path) if path else None,
            problems=[str(p) for p in problems],
        )
