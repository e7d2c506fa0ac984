"""Where a run's time goes: per stage, wall seconds split into model time, sandbox time and ours.

The pipeline runs its stages one after another, so a stage's wall time is measured around its
call, and every model call and sandbox operation inside it is added to the stage that is running
(`StageClock.current`). "Ours" is the rest: prompt rendering, parsing, diffing, folder writes,
and waiting on locks. With `workers > 1` model calls and sandbox operations overlap, so their sum can
exceed the wall time; `split` then reports the overlap instead of a negative remainder.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

from pydantic import BaseModel

KINDS = ("model_s", "sandbox_s")


class StageTime(BaseModel):
    wall_s: float = 0.0
    model_s: float = 0.0
    sandbox_s: float = 0.0
    other_s: float = 0.0       # wall − model − sandbox (never negative; see overlap_s)
    overlap_s: float = 0.0     # model + sandbox beyond the wall time (concurrent samples)


class StageClock:
    """Thread-safe seconds per (stage, kind). `current` names the stage that sandbox time goes to."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current = "setup"
        self._rows: dict[str, dict[str, float]] = {}

    def add(self, stage: str, kind: str, seconds: float) -> None:
        with self._lock:
            row = self._rows.setdefault(stage, {})
            row[kind] = row.get(kind, 0.0) + seconds

    @contextmanager
    def stage(self, name: str):
        previous, self.current = self.current, name
        started = time.monotonic()
        try:
            yield
        finally:
            self.add(name, "wall_s", time.monotonic() - started)
            self.current = previous

    @contextmanager
    def timed(self, kind: str, stage: str | None = None):
        stage = stage or self.current
        started = time.monotonic()
        try:
            yield
        finally:
            self.add(stage, kind, time.monotonic() - started)

    def rows(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {k: dict(v) for k, v in self._rows.items()}


def split(row: dict[str, float]) -> StageTime:
    """One stage's (or the run's) seconds as a StageTime (pure)."""
    wall, model, box = (row.get(k, 0.0) for k in ("wall_s", "model_s", "sandbox_s"))
    rest = wall - model - box
    return StageTime(wall_s=round(wall, 2), model_s=round(model, 2), sandbox_s=round(box, 2),
                     other_s=round(max(rest, 0.0), 2), overlap_s=round(max(-rest, 0.0), 2))


def stage_times(rows: dict[str, dict[str, float]]) -> dict[str, StageTime]:
    return {name: split(row) for name, row in rows.items()}


def total(rows: dict[str, dict[str, float]], wall_s: float) -> StageTime:
    """The run as a whole: its wall time against all model and sandbox seconds (pure)."""
    summed = {k: sum(r.get(k, 0.0) for r in rows.values()) for k in KINDS}
    return split({"wall_s": wall_s, **summed})


def time_line(t: StageTime) -> str:
    """`model 61 % · sandbox 32 % · ours 7 %` of the wall time (pure)."""
    if t.wall_s <= 0:
        return "nothing measured"
    pct = [f"{label} {100 * v / t.wall_s:.0f} %" for label, v in
           (("model", t.model_s), ("sandbox", t.sandbox_s), ("ours", t.other_s))]
    extra = f" (+{t.overlap_s:.0f} s overlapping)" if t.overlap_s else ""
    return " · ".join(pct) + extra


class TimedModel:
    """A Model whose query time goes to its own stage; everything else is the wrapped model's."""

    def __init__(self, inner, clock: StageClock, stage: str):
        self._inner, self._clock, self._stage = inner, clock, stage

    def query(self, messages, **overrides):
        with self._clock.timed("model_s", self._stage):
            return self._inner.query(messages, **overrides)

    def __getattr__(self, name):
        return getattr(self._inner, name)


class TimedSandbox:
    """A Sandbox whose every operation (start, run, file access, removal) counts as sandbox time of
    the stage running at that moment."""

    def __init__(self, inner, clock: StageClock):
        self._inner, self._clock = inner, clock

    def __enter__(self):
        with self._clock.timed("sandbox_s"):
            self._inner.__enter__()
        return self

    def __exit__(self, *exc):
        with self._clock.timed("sandbox_s"):
            return self._inner.__exit__(*exc)

    def __getattr__(self, name):
        value = getattr(self._inner, name)
        if not callable(value):
            return value
        clock = self._clock

        def timed(*args, **kwargs):
            with clock.timed("sandbox_s"):
                return value(*args, **kwargs)
        return timed


def timed_factory(new_sandbox, clock: StageClock):
    """Wrap a sandbox factory: opening a sandbox (container start, image check) is sandbox time too."""
    def new():
        with clock.timed("sandbox_s"):
            box = new_sandbox()
        return TimedSandbox(box, clock)
    return new
