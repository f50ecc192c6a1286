"""Produce reports: build, render to a folder through the registered renderers, and e-mail each audience.

``write_report`` is what ``hub report --to DIR`` does; ``deliver`` what ``--send`` and the
pipeline's report stage do.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from hub.errors import ConfigError
from hub.report.build import build_report, make_scope
from hub.report.config import ReportConfig
from hub.report.model import Report, Scope

__all__ = ["Delivery", "available_renderers", "render", "write_report", "deliver"]

Renderer = Callable[..., list[Path]]


@dataclass
class Delivery:
    """What was produced: files per audience (``""`` = the full report) and mails sent."""

    out_dir: Path
    files: dict[str, list[Path]] = field(default_factory=dict)
    mails: list[dict[str, Any]] = field(default_factory=list)

    @property
    def all_files(self) -> list[Path]:
        return [p for ps in self.files.values() for p in ps]


def available_renderers(pm: Any = None) -> dict[str, Renderer]:
    """Renderers registered through the ``register_renderers`` hook."""
    from hub.plugins import renderers

    return renderers(pm)


def render(report: Report, out_dir: Path, formats: Sequence[str], renderers: Mapping[str, Renderer]) -> list[Path]:
    """Render ``report`` in every format into ``out_dir``; an unknown format is a ConfigError."""
    missing = [f for f in formats if f not in renderers]
    if missing:
        raise ConfigError(
            f"no renderer for format(s) {', '.join(missing)}; installed: {', '.join(sorted(renderers)) or 'none'}"
        )
    paths: list[Path] = []
    for fmt in formats:
        paths.extend(renderers[fmt](report, out_dir))
    return paths


def write_report(
    engine: Engine,
    config: ReportConfig,
    out_dir: Path,
    *,
    run: str | int | None = "latest",
    pipeline: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    formats: Sequence[str] | None = None,
    renderers: Mapping[str, Renderer] | None = None,
) -> Delivery:
    """Build the full report and write it to ``out_dir`` in ``formats`` (default: the config's)."""
    renderers = renderers if renderers is not None else available_renderers()
    scope = make_scope(engine, config, run, pipeline, date_from, date_to)
    report = build_report(engine, config, scope)
    delivery = Delivery(out_dir)
    delivery.files[""] = render(report, out_dir, formats or config.formats, renderers)
    return delivery


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "audience"


def deliver(
    engine: Engine,
    config: ReportConfig,
    out_dir: Path,
    *,
    run: str | int | None = "latest",
    pipeline: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    audiences: Sequence[str] | None = None,
    send: bool = True,
    renderers: Mapping[str, Renderer] | None = None,
) -> Delivery:
    """Per audience: build its sections for its teams, write them under ``out_dir/<audience>/`` and mail them."""
    from hub.report.mail import compose, send_messages

    renderers = renderers if renderers is not None else available_renderers()
    names = list(audiences) if audiences else list(config.audiences)
    unknown = [n for n in names if n not in config.audiences]
    if unknown or not names:
        known = ", ".join(config.audiences) or "none"
        raise ConfigError(f"unknown audience(s) {', '.join(unknown) or '(none configured)'}; configured: {known}")
    if send and config.smtp is None:
        raise ConfigError("sending needs an 'smtp' section in the report config")
    base: Scope = make_scope(engine, config, run, pipeline, date_from, date_to)
    delivery, messages = Delivery(out_dir), []
    for name in names:
        aud = config.audiences[name]
        scope = replace(base, teams=tuple(aud.teams) if aud.teams else None)
        report = build_report(engine, config, scope, aud.sections, audience=name)
        files = render(report, out_dir / _slug(name), aud.attach, renderers)
        delivery.files[name] = files
        subject = aud.subject.format(title=config.title, audience=name, run=scope.run_id or "-", as_of=scope.as_of)
        if send:
            assert config.smtp is not None
            messages.append(
                compose(report, sender=config.smtp.sender, to=aud.to, cc=aud.cc, subject=subject, attachments=files)
            )
        delivery.mails.append(
            {
                "audience": name,
                "to": aud.to + aud.cc,
                "subject": subject,
                "attachments": [p.name for p in files],
                "sent": False,
            }
        )
    if send and messages:
        assert config.smtp is not None
        send_messages(config.smtp, messages)
        for m in delivery.mails:
            m["sent"] = True
    return delivery
