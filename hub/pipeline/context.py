"""What every stage function receives: the config, the store engine, the run and a progress sink."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from hub.clock import utcnow
from hub.config import HubConfig

__all__ = ["StageContext", "Progress", "no_progress", "utcnow"]

#: progress(stage, system, stream, rows_done) — the CLI draws bars from it
Progress = Callable[[str, str, str, int], None]


def no_progress(stage: str, system: str, stream: str, rows: int) -> None:
    """The progress sink that shows nothing (runs without a terminal)."""
    return None


@dataclass
class StageContext:
    """The run a stage belongs to and the resources it may use."""

    config: HubConfig
    engine: Engine
    pipeline: str
    run_id: int
    progress: Progress = no_progress
    options: dict[str, Any] = field(default_factory=dict)
    _fingerprints: dict[str, str] = field(default_factory=dict, repr=False)
    _open_quarantine: dict[tuple[str, str], bool] = field(default_factory=dict, repr=False)

    @cached_property
    def mappings(self) -> Any:
        """Compiled mapping rules of every system of the pipeline (loaded and validated once)."""
        from hub.mapping import load_mappings

        files: dict[str, None] = {}
        for src in self.config.pipeline(self.pipeline).sources:
            files.update(dict.fromkeys(str(p) for p in self.config.mapping_files(src.system)))
        return load_mappings([Path(p) for p in files])

    def _named(self, option: str, system: str, stream: str) -> bool:
        """Whether ``system`` or ``system/stream`` is among the run option's names (``*`` names every stream)."""
        names = self.options.get(option) or ()
        return "*" in names or system in names or f"{system}/{stream}" in names

    def accepted(self, system: str, stream: str) -> bool:
        """Whether this run accepts a delivery of the stream that trips a guard (``hub run --accept``)."""
        return self._named("accept", system, stream)

    def full_refresh(self, system: str, stream: str) -> bool:
        """Whether this run reads the stream from the start, ignoring its saved cursor (``--full-refresh``)."""
        return self._named("full_refresh", system, stream)

    def stream_mapper(self, system: str, stream: str) -> Any:
        """The mapper of one stream (None when no rule maps it)."""
        from hub.mapping.staged import StreamMapper, rules_fingerprint

        mappings = self.mappings.for_stream(system, stream)
        if not mappings:
            return None
        if system not in self._fingerprints:
            self._fingerprints[system] = rules_fingerprint(self.config.mapping_files(system))
        return StreamMapper(system, stream, mappings, self._fingerprints[system], self.run_id, self.engine.dialect.name)

    def has_open_quarantine(self, system: str, stream: str) -> bool:
        """Whether a stream has unresolved map-stage quarantine entries (checked once per stage run)."""
        key = (system, stream)
        if key not in self._open_quarantine:
            from sqlalchemy import func, select

            from hub.store.models import Quarantine

            with self.engine.connect() as conn:
                self._open_quarantine[key] = bool(
                    conn.execute(
                        select(func.count())
                        .select_from(Quarantine)
                        .where(
                            Quarantine.system == system,
                            Quarantine.stream == stream,
                            Quarantine.stage == "map",
                            Quarantine.resolved_run.is_(None),
                        )
                    ).scalar()
                )
        return self._open_quarantine[key]
