"""hub.yaml beyond its schema: every system's connector kind, settings and secrets, the store URL, pipeline streams."""

from __future__ import annotations

import os
from difflib import get_close_matches
from typing import Any

from pydantic import BaseModel

from hub.config import HubConfig
from hub.configfile import ConfigFile
from hub.errors import ConfigError, HubError
from hub.pipeline.connect import build_connector, connector_settings, resolve_secrets
from hub.store.engine import ENV_URL, url_problem
from hub.validation.problems import Problem, problems_of

__all__ = ["system_settings", "store_problems", "known_streams", "unknown_stream", "pipeline_stream_problems"]


def _source(config: HubConfig) -> str | None:
    return str(config.path) if config.path else None


def system_settings(
    config: HubConfig, systems: list[str], hub_file: ConfigFile
) -> tuple[dict[str, BaseModel], list[Problem]]:
    """The validated settings of every system that has valid ones, and the problems of all the others.

    Each system is also built once (and closed) with its secrets, as a run would.
    """
    source = _source(config)
    settings: dict[str, BaseModel] = {}
    problems: list[Problem] = []
    for name in systems:
        try:
            settings[name] = connector_settings(config, name, hub_file)
        except ConfigError as exc:
            problems += problems_of(exc, source)
            continue
        try:
            resolve_secrets(config, name)
        except ConfigError as exc:
            problems.append(
                Problem(
                    source, hub_file.line(("systems", name, "secrets")), f"system {name!r}: {exc.message}", system=name
                )
            )
            continue
        try:
            build_connector(config, name, settings[name]).close()
        except HubError as exc:
            problems += problems_of(exc, source)
    return settings, problems


def store_problems(config: HubConfig, hub_file: ConfigFile) -> list[Problem]:
    """The store URL (``HUB_DATABASE_URL`` or ``store.url``) must name a known database with its driver installed."""
    env = os.environ.get(ENV_URL)
    url = env or config.store.url
    if not url:
        return []
    problem = url_problem(url)
    if problem is None:
        return []
    what = f"store URL from {ENV_URL}" if env else "store.url"
    if config.store.url:  # the file names the URL (``${HUB_DATABASE_URL}`` included)
        return [Problem(_source(config), hub_file.line(("store", "url")), f"{what}: {problem}")]
    return [Problem(None, None, f"{what}: {problem}")]


def known_streams(settings: BaseModel) -> list[str] | None:
    """The streams a connector's settings name without any I/O (``configured_streams()``), or None when unknown."""
    get = getattr(settings, "configured_streams", None)
    found = get() if callable(get) else None
    return None if found is None else list(found)


def unknown_stream(stream: str, system: str, streams: list[str]) -> str:
    """The message for a stream ``system`` does not have, naming its streams and the closest one."""
    close = get_close_matches(stream, streams, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{stream}: no such stream of {system}; streams: {', '.join(streams)}{hint}"


def pipeline_stream_problems(
    config: HubConfig, pipelines: list[str], streams: dict[str, Any], hub_file: ConfigFile
) -> list[Problem]:
    """Every ``sources[].streams`` entry of the pipelines must be a stream of its system."""
    out = []
    for p in pipelines:
        for i, src in enumerate(config.pipeline(p).sources):
            known = streams.get(src.system)
            if not src.streams or known is None:
                continue
            for j, stream in enumerate(src.streams):
                if stream not in known:
                    line = hub_file.line(("pipelines", p, "sources", i, "streams", j))
                    out.append(
                        Problem(
                            _source(config),
                            line,
                            f"pipeline {p!r}: " + unknown_stream(stream, src.system, known),
                            system=src.system,
                            stream=stream,
                        )
                    )
    return out
