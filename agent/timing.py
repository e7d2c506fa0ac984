"""Where a run's time goes: per stage, wall seconds split into model time, sandbox time and ours.

The pipeline runs its stages one after another, so a stage's wall time is measured around its
call; every model call and sandbox operation inside it is recorded as an interval of the stage that
is running (`StageClock.current`; a model call belongs to its own stage). Samples run concurrently
(`workers`), so the split is a partition of the wall time, not a sum of calls: an instant counts as
model time while any model call is in flight, else as sandbox time while any sandbox operation is,
else as ours (prompt rendering, parsing, diffing, folder writes, waiting on locks). The three add up
to the wall time; `model_calls_s` also gives the summed call durations (queueing at a one-slot server
included), whose excess over `model_s` says how much the concurrent samples waited for each other.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

from pydantic import BaseModel

Interval = tuple[float, float]


class StageTime(BaseModel):
    wall_s: float = 0.0
    model_s: float = 0.0        # some model call in flight
    sandbox_s: float = 0.0      # no model call, some sandbox operation in flight
    other_s: float = 0.0        # neither: our own work
    model_calls_s: float = 0.0  # summed call durations (> model_s when calls overlapped)


class StageClock:
    """Thread-safe intervals per (stage, kind): "wall", "model", "sandbox"."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current = "setup"
        self._rows: dict[str, dict[str, list[Interval]]] = {}

    def add(self, stage: str, kind: str, start: float, end: float) -> None:
        with self._lock:
            self._rows.setdefault(stage, {}).setdefault(kind, []).append((start, end))

    @contextmanager
    def stage(self, name: str):
        previous, self.current = self.current, name
        started = time.monotonic()
        try:
            yield
        finally:
            self.add(name, "wall", started, time.monotonic())
            self.current = previous

    @contextmanager
    def timed(self, kind: str, stage: str | None = None):
        stage = stage or self.current
        started = time.monotonic()
        try:
            yield
        finally:
            self.add(stage, kind, started, time.monotonic())

    def rows(self) -> dict[str, dict[str, list[Interval]]]:
        with self._lock:
            return {k: {kind: list(v) for kind, v in row.items()} for k, row in self._rows.items()}


def union(intervals: list[Interval]) -> list[Interval]:
    """Overlapping intervals merged, sorted (pure)."""
    out: list[list[float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _length(intervals: list[Interval]) -> float:
    return sum(b - a for a, b in intervals)


def _clip(intervals: list[Interval], windows: list[Interval]) -> list[Interval]:
    """The parts of `intervals` inside `windows` (both merged first)."""
    out = []
    for a, b in union(intervals):
        for wa, wb in windows:
            lo, hi = max(a, wa), min(b, wb)
            if lo < hi:
                out.append((lo, hi))
    return out


def partition(windows: list[Interval], model: list[Interval], sandbox: list[Interval],
              wall_s: float | None = None) -> StageTime:
    """Split the time inside `windows` (or `wall_s` seconds when given) into model, sandbox-only and
    the rest (pure)."""
    windows = union(windows)
    wall = _length(windows) if wall_s is None else wall_s
    m = union(_clip(model, windows))
    s = union(_clip(sandbox, windows))
    box = _length(s) - _length(_clip(m, s))      # sandbox time while no model call is in flight
    model_s = _length(m)
    other = max(wall - model_s - box, 0.0)
    return StageTime(wall_s=round(wall, 2), model_s=round(model_s, 2), sandbox_s=round(box, 2),
                     other_s=round(other, 2), model_calls_s=round(_length(model), 2))


def stage_times(rows: dict[str, dict[str, list[Interval]]]) -> dict[str, StageTime]:
    """Each stage's wall windows split by its own model and sandbox intervals (pure)."""
    return {name: partition(row.get("wall", []), row.get("model", []), row.get("sandbox", []))
            for name, row in rows.items() if row.get("wall")}


def total(rows: dict[str, dict[str, list[Interval]]], window: Interval) -> StageTime:
    """The whole run `window` (start, end): every stage's model and sandbox intervals (pure)."""
    def every(kind: str) -> list[Interval]:
        return [iv for row in rows.values() for iv in row.get(kind, [])]
    return partition([window], every("model"), every("sandbox"))


def time_line(t: StageTime) -> str:
    """`model 61 % · sandbox 32 % · ours 7 %` of the wall time (pure)."""
    if t.wall_s <= 0:
        return "nothing measured"
    return " · ".join(f"{label} {100 * v / t.wall_s:.0f} %" for label, v in
                      (("model", t.model_s), ("sandbox", t.sandbox_s), ("ours", t.other_s)))


class TimedModel:
    """A Model whose query time goes to its own stage; everything else is the wrapped model's."""

    def __init__(self, inner, clock: StageClock, stage: str):
        self._inner, self._clock, self._stage = inner, clock, stage

    def query(self, messages, **overrides):
        with self._clock.timed("model", self._stage):
            return self._inner.query(messages, **overrides)

    def complete(self, prompt, **overrides):
        with self._clock.timed("model", self._stage):
            return self._inner.complete(prompt, **overrides)

    def __getattr__(self, name):
        return getattr(self._inner, name)


class TimedSandbox:
    """A Sandbox whose every operation (start, run, file access, removal) counts as sandbox time of
    the stage running at that moment."""

    def __init__(self, inner, clock: StageClock):
        self._inner, self._clock = inner, clock

    def __enter__(self):
        with self._clock.timed("sandbox"):
            self._inner.__enter__()
        return self

    def __exit__(self, *exc):
        with self._clock.timed("sandbox"):
            return self._inner.__exit__(*exc)

    def __getattr__(self, name):
        value = getattr(self._inner, name)
        if not callable(value):
            return value
        clock = self._clock

        def timed(*args, **kwargs):
            with clock.timed("sandbox"):
                return value(*args, **kwargs)
        return timed


def timed_factory(new_sandbox, clock: StageClock):
    """Wrap a sandbox factory: opening a sandbox (container start, image check) is sandbox time too."""
    def new():
        with clock.timed("sandbox"):
            box = new_sandbox()
        return TimedSandbox(box, clock)
    return new
