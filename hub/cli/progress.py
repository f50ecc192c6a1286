"""Run progress for people: bars on a terminal, periodic log lines without one.

The runner calls ``progress(stage, system, stream, rows)``; a new (stage, system, stream)
finishes the one before it, so no spinner keeps turning for a stage that is done. Without a
terminal (cron, Airflow, CI) a line with the stage, stream, rows and rate goes to the log
console every ``every`` seconds while a step runs, and when it ends.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

__all__ = ["RunProgress"]


class RunProgress:
    """A progress sink for ``run_pipeline`` (use as a context manager)."""

    def __init__(self, console: Console, log_console: Console | None = None, every: float = 15.0) -> None:
        self.console, self.every = console, every
        self.log_console = log_console or console
        self.tty = console.is_terminal
        self._bars: Progress | None = None
        self._tasks: dict[tuple[str, str, str], Any] = {}
        self._current: tuple[str, str, str] | None = None
        self._rows = 0
        self._started = self._last = 0.0

    def __enter__(self) -> RunProgress:
        if self.tty:
            self._bars = Progress(
                SpinnerColumn(finished_text="✓"),
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed:,} rows"),
                TimeElapsedColumn(),
                console=self.console,
                transient=False,
            )
            self._bars.__enter__()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self._finish_current()
        if self._bars is not None:
            self._bars.__exit__(et, ev, tb)

    def _label(self, key: tuple[str, str, str]) -> str:
        stage, system, stream = key
        return f"{stage} {system}/{stream}" if system else stage

    def _line(self, key: tuple[str, str, str], rows: int, state: str) -> None:
        took = max(time.monotonic() - self._started, 1e-6)
        rate = f", {rows / took:,.0f} rows/s" if rows and state != "started" else ""
        self.log_console.print(f"{self._label(key)}: {state}, {rows:,} rows{rate}, {took:.1f}s", highlight=False)

    def _finish_current(self) -> None:
        key = self._current
        if key is None:
            return
        if self._bars is not None:
            task = self._tasks[key]
            self._bars.update(
                task, total=max(self._rows, 1), completed=max(self._rows, 1) if not self._rows else self._rows
            )
        else:
            self._line(key, self._rows, "done")
        self._current = None

    def __call__(self, stage: str, system: str, stream: str, rows: int) -> None:
        key = (stage, system or "", stream or "")
        now = time.monotonic()
        if key != self._current:
            self._finish_current()
            self._current, self._rows, self._started, self._last = key, 0, now, now
            if self._bars is not None:
                self._tasks[key] = self._bars.add_task(self._label(key), total=None)
        self._rows = max(rows, 0)
        if self._bars is not None:
            self._bars.update(self._tasks[key], completed=self._rows)
        elif now - self._last >= self.every:
            self._last = now
            self._line(key, self._rows, "running")
