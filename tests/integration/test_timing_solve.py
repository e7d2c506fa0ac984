"""Where a run's time goes, measured on real solves (local sandbox, scripted model on 127.0.0.1): the
per-stage model / sandbox / own seconds in result.json and the summary, and scripts/bench_solve.py."""
from __future__ import annotations

import json

from agent.config import load_config
from agent.pipeline import solve
from agent.progress import Progress
from agent.repo_input import issue_from_text
from agent.summary import summary_text
from tests.support.openai_server import ScriptedOpenAI
from tests.support.paths import ROOT
from tests.support.pipeline import GARBAGE, ISSUE, Script, make_repo


def test_solve_records_where_the_time_went(tmp_path):
    repo = make_repo(tmp_path)
    cfg = load_config(None, [], **{"workers": 1, "exec_timeout_s": 30, "early_stop": False, "sandbox": "local",
                                   "patch.edit_format": "search_replace", "patch.max_revisions": 0,
                                   "escalate.rounds": 0, "model.name": "openai/scripted", "patch.mutants": 0, "patch.cloze": 0})
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
    spec = importlib.util.spec_from_file_location("bench_solve", ROOT / "scripts" / "bench_solve.py")
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


def test_every_sampling_stage_counts_its_samples_in_result_json(tmp_path):
    """Not only the patch stage: localization, test writing, probes and the judge say how many samples ran,
    how many gave an output and how many did not (a garbage patch answer is one that did not)."""
    from agent.runfolder import RunFolder
    repo = make_repo(tmp_path)
    cfg = load_config(None, [], **{"workers": 1, "exec_timeout_s": 30, "early_stop": False, "sandbox": "local",
                                   "patch.edit_format": "search_replace", "patch.max_revisions": 0,
                                   "patch.samples": 4, "test.samples": 2, "escalate.rounds": 0,
                                   "model.name": "openai/scripted", "patch.mutants": 0, "patch.cloze": 0})
    with ScriptedOpenAI(Script(patches=(GARBAGE,))) as server:
        cfg = cfg.model_copy(update={"model": cfg.model.model_copy(update={"api_base": server.api_base})})
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, progress=Progress(False))
    run = RunFolder(tmp_path / "run")
    saved = json.loads((tmp_path / "run" / "result.json").read_text())["stages"]
    for stage in ("localize", "test", "patch"):        # no candidate: no judge samples
        trajs = run.trajectories(stage)
        ok = sum(t.status == "ok" for t in trajs)
        assert trajs and (saved[stage]["samples"], saved[stage]["finished"], saved[stage]["failed"]) == \
            (len(trajs), ok, len(trajs) - ok), stage
    assert saved["test"]["samples"] == 2 and saved["test"]["finished"] >= 1
    assert (saved["patch"]["samples"], saved["patch"]["finished"], saved["patch"]["failed"]) == (4, 0, 4)
    assert result.status == "abstained" and result.stages["localize"].samples == cfg.localize.samples
    assert saved["reward"]["samples"] == 0
