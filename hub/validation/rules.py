"""Each pipeline's rule files: reconcile.yaml (with its match rules), push.yaml and report.yaml."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.config import HubConfig
from hub.configfile import ConfigFile
from hub.errors import HubError
from hub.validation.problems import Problem, problems_of

__all__ = ["rule_file_problems"]


def rule_file_problems(config: HubConfig, pipelines: list[str], hub_file: ConfigFile) -> list[Problem]:
    """Load every rule file the pipelines name, as their stages would, and collect all their problems."""
    from hub.push.config import load_push_rules
    from hub.reconcile.config import load_reconcile_rules
    from hub.report.config import load_report_config

    systems = set(config.systems)
    loaders: dict[str, Callable[[Path], Any]] = {
        "reconcile": lambda p: load_reconcile_rules(p, systems),
        "push": lambda p: load_push_rules(p, systems),
        "report": load_report_config,
    }
    out: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for name in pipelines:
        pc = config.pipeline(name)
        for kind, load in loaders.items():
            relative = getattr(pc, kind)
            if not relative:
                continue
            path = config.resolve(relative)
            if (kind, str(path)) in seen:
                continue
            seen.add((kind, str(path)))
            if not path.is_file():
                out.append(
                    Problem(
                        str(config.path) if config.path else None,
                        hub_file.line(("pipelines", name, kind)),
                        f"pipeline {name!r}: {kind} file {relative!r} not found ({path})",
                    )
                )
                continue
            try:
                load(path)
            except HubError as exc:
                out += problems_of(exc, str(path))
    return out
