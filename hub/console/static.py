"""The console's stylesheet: the report's CSS (same look) followed by the console's own rules."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter()


@lru_cache(maxsize=1)
def stylesheet() -> str:
    from hub.report.templating import environment

    report_css = environment().get_template("style.css.j2").render()
    return report_css + "\n" + files("hub.console").joinpath("static/console.css").read_text(encoding="utf-8")


@router.get("/static/style.css", include_in_schema=False)
def style() -> Response:
    return Response(stylesheet(), media_type="text/css; charset=utf-8", headers={"Cache-Control": "max-age=300"})
