"""Where a run's time goes (agent/timing.py): the pure split and the wrappers (a real solve:
integration/test_timing_solve.py)."""
from __future__ import annotations

import threading
import time

from agent.timing import StageClock, StageTime, TimedModel, TimedSandbox, partition, stage_times, time_line, total, union


def test_partition_counts_each_instant_once_model_first():
    # wall 0–10; two concurrent model calls 1–4 and 2–5; sandbox 4–7 (1 s under a model call); rest ours
    t = partition([(0, 10)], model=[(1, 4), (2, 5)], sandbox=[(4, 7)])
    assert (t.wall_s, t.model_s, t.sandbox_s, t.other_s, t.model_calls_s) == (10, 4, 2, 4, 6)
    # intervals outside the windows do not count; two windows of one stage (escalation rounds) add up
    t = partition([(0, 2), (5, 6)], model=[(1, 5.5)], sandbox=[(-3, 0.5)])
    assert (t.wall_s, t.model_s, t.sandbox_s, t.other_s) == (3, 1.5, 0.5, 1)
    assert union([(3, 4), (0, 1), (0.5, 2)]) == [(0, 2), (3, 4)]


def test_total_splits_the_run_window_over_every_stage():
    rows = {"patch": {"wall": [(1, 6)], "model": [(1, 4)], "sandbox": [(4, 5)]},
            "execute": {"wall": [(6, 8)], "sandbox": [(6, 8)]}, "setup": {"wall": [(0, 0.5)], "sandbox": [(0, 0.5)]}}
    t = total(rows, (0, 9))
    assert (t.wall_s, t.model_s, t.sandbox_s, t.other_s) == (9, 3, 3.5, 2.5)
    assert set(stage_times(rows)) == {"patch", "execute", "setup"}


def test_time_line_in_percent_of_wall():
    assert time_line(StageTime(wall_s=10, model_s=6, sandbox_s=3, other_s=1)) == "model 60 % · sandbox 30 % · ours 10 %"
    assert time_line(StageTime()) == "nothing measured"


def test_sandbox_time_goes_to_the_stage_running_and_model_time_to_its_own():
    clock = StageClock()

    class Box:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def run(self, cmd):
            time.sleep(0.05)
            return cmd

    class Model:
        name = "m"

        def query(self, messages):
            time.sleep(0.05)
            return "ok"

    model = TimedModel(Model(), clock, "patch")
    with clock.stage("execute"):
        with TimedSandbox(Box(), clock) as box:
            assert box.run("ls") == "ls"
        threading.Thread(target=lambda: model.query([])).start()   # another stage's model, another thread
        time.sleep(0.1)
    times = stage_times(clock.rows())
    assert times["execute"].sandbox_s >= 0.05 and times["execute"].model_s == 0
    assert clock.rows()["patch"]["model"][0][1] - clock.rows()["patch"]["model"][0][0] >= 0.05
    assert times["execute"].wall_s >= 0.15
    assert model.name == "m" and clock.current == "setup"
