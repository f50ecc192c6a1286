"""Build a :class:`Report` from the store: resolve the run, compute the chosen sections in one read transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Engine

from hub.clock import utcnow
from hub.report.config import SECTION_KEYS, ReportConfig
from hub.report.model import Report, Scope
from hub.report.query import resolve_run
from hub.report.sections import SectionContext, builder

__all__ = ["build_report", "make_scope"]


def make_scope(
    engine: Engine,
    config: ReportConfig,
    run: str | int | None = "latest",
    pipeline: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    teams: Sequence[str] | None = None,
) -> Scope:
    """The scope of a report: the run (``latest``, an id, or None for the store as it is now) and the dates."""
    run_id = None
    if run is not None:
        with engine.connect() as conn:
            info = resolve_run(conn, run, pipeline)
        run_id, pipeline = info.id, info.pipeline
    if date_from and date_to and date_from > date_to:
        from hub.errors import ConfigError

        raise ConfigError(f"the date range is empty: {date_from} is after {date_to}")
    as_of = config.as_of or date_to or utcnow().date()
    return Scope(
        as_of=as_of,
        run_id=run_id,
        pipeline=pipeline,
        date_from=date_from,
        date_to=date_to,
        teams=tuple(teams) if teams is not None else None,
    )


def build_report(
    engine: Engine,
    config: ReportConfig,
    scope: Scope,
    sections: Sequence[str] | None = None,
    audience: str | None = None,
) -> Report:
    """Compute ``sections`` (default: the config's) for ``scope`` and return the report."""
    keys = [k for k in SECTION_KEYS if k in (sections if sections is not None else config.sections)]
    ctx = SectionContext(scope=scope, config=config, sections=tuple(keys))
    with engine.connect() as conn:
        run = resolve_run(conn, scope.run_id) if scope.run_id is not None else None
        built = tuple(builder(k)(conn, ctx) for k in keys)
    return Report(title=config.title, scope=scope, generated_at=utcnow(), sections=built, run=run, audience=audience)
