"""HTML renderer: one self-contained page (inline CSS and SVG, no scripts, no external requests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub.report.model import Report
from hub.report.templating import environment

__all__ = ["render_html", "html_text", "email_html"]


def html_text(report: Report) -> str:
    """The report as an HTML document string."""
    return environment().get_template("report.html.j2").render(report=report)


def email_html(report: Report, attachments: list[str] | None = None) -> str:
    """The e-mail body: the key figures of every section, in mail-client-safe HTML."""
    return environment().get_template("email.html.j2").render(report=report, attachments=attachments or [])


def render_html(report: Report, out_dir: Path, **_: Any) -> list[Path]:
    """Write ``report.html`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "report.html"
    path.write_text(html_text(report), encoding="utf-8")
    return [path]
