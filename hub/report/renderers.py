"""The built-in report renderers (html, xlsx, csv), registered through the ``register_renderers`` hook.

They register ``trylast`` so an installed plugin registering the same format wins. Each renderer
is ``render(report, out_dir) -> list[Path]``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.hookspecs import hookimpl


def _html(report: Any, out_dir: Path) -> list[Path]:
    from hub.report.render_html import render_html

    return render_html(report, out_dir)


def _xlsx(report: Any, out_dir: Path) -> list[Path]:
    from hub.report.render_xlsx import render_xlsx

    return render_xlsx(report, out_dir)


def _csv(report: Any, out_dir: Path) -> list[Path]:
    from hub.report.render_csv import render_csv

    return render_csv(report, out_dir)


@hookimpl(trylast=True)
def register_renderers(register: Callable[..., None]) -> None:
    """Register the html, xlsx and csv renderers."""
    register("html", _html)
    register("xlsx", _xlsx)
    register("csv", _csv)
