"""Per-stage progress bars on a terminal; silent in CI and when output is not a TTY."""
from __future__ import annotations

import os
import sys
import threading


class _Bar:
    def __init__(self, progress, task_id):
        self._p, self._t, self._lock = progress, task_id, threading.Lock()

    def advance(self) -> None:
        if self._p is not None:
            with self._lock:
                self._p.advance(self._t)

    def close(self) -> None:
        if self._p is not None:
            self._p.update(self._t, completed=self._p.tasks[self._t].total)


class Progress:
    def __init__(self, enabled: bool | None = None):
        if enabled is None:
            enabled = sys.stderr.isatty() and not os.environ.get("CI")
        self._rich = None
        if enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn
            self._rich = RichProgress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), transient=False)

    def __enter__(self) -> "Progress":
        if self._rich:
            self._rich.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._rich:
            self._rich.stop()

    def stage(self, label: str, total: int, already: int = 0) -> _Bar:
        if not self._rich:
            return _Bar(None, None)
        return _Bar(self._rich, self._rich.add_task(label, total=total, completed=already))
