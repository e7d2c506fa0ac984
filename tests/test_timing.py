"""Where a run's time goes (agent/timing.py): the pure split, the wrappers, and a real solve whose
result.json and summary carry the per-stage model / sandbox / own seconds."""
from __future__ import annotations

import json
import threading
import time

from agent.config import load_config
from agent.pipeline import solve
from agent.progress import Progress
from agent.repo_input import issue_from_text
from agent.summary import summary_text
from agent.timing import StageClock, StageTime, TimedModel, TimedSandbox, partition, stage_times, time_line, total, union
from openai_server import ScriptedOpenAI
from pipeline_fixtures import ISSUE, Script, make_repo


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


def test_solve_records_where_the_time_went(tmp_path):
    repo = make_repo(tmp_path)
    cfg = load_config(None, [], **{"workers": 1, "exec_timeout_s": 30, "early_stop": False, "sandbox": "local",
                                   "patch.edit_format": "search_replace", "patch.max_revisions": 0,
                                   "escalate.rounds": 0, "model.name": "openai/scripted", "patch.mutants": 0})
    with ScriptedOpenAI(Script(), delay_s=0.2) as server:
        cfg = cfg.model_copy(update={"model": cfg.model.model_copy(update={"api_base": server.api_base})})
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, progress=Progress(False))
    calls = sum(s.spend.calls for s in result.stages.values())
    t = result.time
    assert t is not None and t.wall_s == result.duration_s
    assert t.model_s >= 0.2 * calls > 0            # every call waited 0.2 s in the server (one worker: no overlap)
    assert t.sandbox_s > 0                          # worktrees made, tests run
    assert abs(t.model_s + t.sandbox_s + t.other_s - t.wall_s) < 0.05
    for stage in ("localize", "test", "patch", "execute", "reward", "select"):
        assert result.stages[stage].time is not None, stage
    assert result.stages["execute"].time.sandbox_s > 0 and result.stages["execute"].time.model_s == 0
    assert result.stages["patch"].time.model_s >= 0.2 * result.stages["patch"].spend.calls
    assert sum(s.time.wall_s for s in result.stages.values() if s.time) <= t.wall_s + 0.05
    saved = json.loads((tmp_path / "run" / "result.json").read_text())
    assert saved["time"]["model_s"] == t.model_s and saved["stages"]["patch"]["time"]["wall_s"] > 0
    assert "model " in summary_text(result, tmp_path / "run") and "sandbox " in summary_text(result, tmp_path / "run")


def test_bench_solve_prints_the_split_per_stage_against_the_one_call_baseline(tmp_path, capsys):
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location("bench_solve", Path(__file__).parents[1] / "scripts" / "bench_solve.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    with ScriptedOpenAI(Script(), delay_s=0.05) as server:
        args = ["--out", str(tmp_path), "--examples", "tempconv", "--model", "openai/scripted",
                "--api-base", server.api_base, "-c", "sandbox=local", "-c", "patch.samples=2",
                "-c", "escalate.rounds=0", "-c", "workers=1"]
        assert bench.main(args) == 0
        first = capsys.readouterr().out
        assert bench.main(args) == 0            # a finished run is read back, not solved again
        again = capsys.readouterr().out
    assert "x the one-call baseline" in first and "| patch |" in first and "| **run** |" in first
    def rows(out):
        return [line for line in out.splitlines() if line.startswith("| ")]
    assert rows(first) == rows(again) and len(rows(first)) >= 5
