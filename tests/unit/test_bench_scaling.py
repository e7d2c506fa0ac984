"""The scaling benchmark: estimators and sub-run bookkeeping (pure; the whole script on one example:
integration/test_bench_scaling_docker.py)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agent.examples.scaling import (AtBudget, InstanceResult, aggregate, budgets, escalated, markdown, pass_at_k,
                                    prepare_subrun, summary, upstream_spend)
from agent.runfolder import FORMER_DIRS, RunFolder
from agent.schema import SpendRecord, Trajectory


def test_pass_at_k_is_the_unbiased_estimator():
    assert pass_at_k(8, 0, 8) == 0.0 and pass_at_k(8, 1, 8) == 1.0
    assert pass_at_k(8, 2, 1) == pytest.approx(0.25)                 # pass@1 = c / n
    assert pass_at_k(8, 2, 2) == pytest.approx(1 - 15 / 28)          # 1 - C(6,2)/C(8,2)
    assert pass_at_k(4, 3, 2) == 1.0                                 # any 2 of 4 hold a correct one
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)


def test_budgets():
    assert budgets(8) == [1, 2, 4, 8] and budgets(2) == [1, 2] and budgets(6) == [1, 2, 4, 6] and budgets(1) == [1]


def _traj(stage, i, tokens, secs, diff=None):
    return Trajectory(stage=stage, sample=i, spend=SpendRecord(prompt_tokens=tokens, completion_tokens=0),
                      duration_s=secs, diff=diff)


def test_subrun_gets_shared_inputs_and_first_n_samples(tmp_path):
    gen = RunFolder(tmp_path / "gen")
    gen.write_json("issue.json", {"id": "x", "body": "b"})
    gen.write_json("meta.json", {"commit": "abc"})
    gen.write_json("01_localize/sample_000.json", _traj("localize", 0, 100, 1.0))
    gen.write_json("02_tests/sample_000.json", _traj("test", 0, 50, 2.0))
    gen.write_json("02_tests/tests.json", [])
    for i in range(4):
        gen.write_json(f"03_patches/sample_{i:03d}.json", _traj("patch", i, 10 * (i + 1), 0.5, diff=f"d{i}"))
    gen.write_json("04_execution/matrix.json", {})
    gen.write_json("03_patches/mutants.json", {"tried": []})     # the repair search: shared, not rerun
    prepare_subrun(gen.root, tmp_path / "n2", 2)
    got = sorted(str(p.relative_to(tmp_path / "n2")) for p in (tmp_path / "n2").rglob("*.json"))
    assert got == ["01_localize/sample_000.json", "02_tests/sample_000.json", "02_tests/tests.json",
                   "03_patches/mutants.json", "03_patches/sample_000.json", "03_patches/sample_001.json",
                   "issue.json", "meta.json"]
    assert upstream_spend(gen.root, 2) == (100 + 50 + 10 + 20, 1.0 + 2.0 + 0.5 + 0.5)
    assert upstream_spend(gen.root, 4)[0] == 150 + 100


def test_subrun_of_an_old_layout_run_reads_it_in_place_and_moves_the_subrun_to_the_new_layout(tmp_path):
    gen = RunFolder(tmp_path / "gen")
    gen.write_json("issue.json", {"id": "x", "body": "b"})
    gen.write_json("meta.json", {"commit": "abc"})
    gen.write_json("01_localize/sample_000.json", _traj("localize", 0, 100, 1.0))
    gen.write_json("02_tests/tests.json", [])
    gen.write_json("03_patches/sample_000.json", _traj("patch", 0, 10, 0.5, diff="d0"))
    gen.write_json("06_reward/c1.json", {"candidate": "c1"})
    sub = RunFolder(tmp_path / "n1")                       # a sub-run resumed from before the renumbering
    sub.write_json("06_reward/c0.json", {"candidate": "c0"})
    sub.write_json("07_selection/decision.json", {})
    for run in (gen.root, sub.root):
        for new, old in FORMER_DIRS.items():
            if (run / new).exists():
                (run / new).rename(run / old)
    prepare_subrun(gen.root, sub.root, 1)
    got = sorted(str(p.relative_to(sub.root)) for p in sub.root.rglob("*.json"))
    assert got == ["01_localize/sample_000.json", "02_tests/tests.json", "03_patches/sample_000.json",
                   "06_reward/c0.json", "06_reward/c1.json", "07_selection/decision.json", "issue.json", "meta.json"]
    assert sorted(p.name for p in gen.root.iterdir()) == ["01_localize", "02_patches", "03_tests", "05_reward",
                                                          "issue.json", "meta.json"]      # the source is not renamed
    assert upstream_spend(gen.root, 1) == (110, 1.5)


def test_aggregate_and_table():
    def inst(name, ok, sel, cands, ids=None):
        return InstanceResult(name=name, samples=2, sample_correct=ok, candidates=cands, at=[
            AtBudget(n=n, status=s, correct=c, tokens=100 * n, wall_s=10.0 * n, candidates=ids and ids[n])
            for n, (s, c) in zip((1, 2), sel)])
    results = [inst("a", [False, True], [("abstained", False), ("selected", True)], {"c1": True, "c2": False}),
               # b's one correct candidate is a kept mutant (or a revision), not a sample's final answer
               inst("b", [False, False], [("selected", False), ("selected", False)], {"c3": False, "m1": True})]
    rows = aggregate(results, [1, 2])
    assert rows[0] == {"n": 1, "pass@1": 0.25, "coverage": 0.25, "reach": None, "selected": 0.0, "abstain": 0.5,
                       "precision": 0.0, "tokens": 100, "wall_s": 10}      # records without ids: N = 2 only
    assert rows[1]["reach"] == 1.0
    with_ids = [inst("a", [False, True], [("abstained", False), ("selected", True)], {"c1": True, "c2": False},
                     {1: ["c2"], 2: ["c1", "c2"]}), results[1].model_copy(update={"at": [
                         a.model_copy(update={"candidates": ["c3"] if a.n == 1 else ["c3", "m1"]}) for a in results[1].at]})]
    assert [r["reach"] for r in aggregate(with_ids, [1, 2])] == [0.0, 1.0]
    assert rows[1]["coverage"] == 0.5 and rows[1]["selected"] == 0.5 and rows[1]["abstain"] == 0
    table = markdown(rows, results, [1, 2])
    assert rows[1]["precision"] == 0.5
    assert "| 2 | 0.25 | 0.50 | 1.00 | 0.50 | 0.50 | 0.00 | 200 | 20 |" in table
    assert "| a | 1/2 | 1/2 | – | ✓ | n/a | 200 | 20 |" in table and "| b | 0/2 | 1/2 | ✗ | ✗ |" in table
    assert "selection efficiency selected@2 / any correct candidate@2 (samples, revisions, mutants): 0.50" in table

    # a abstains at N = 1 and escalates to N = 2 (selected, right); b submits at N = 1 and stops there
    assert "escalation replayed (1 samples, 1 more where that abstains: one escalation round): selected 0.50, " \
           "precision 0.50, abstain 0.00, escalated 1 of 2, mean tokens 150, mean wall s 15" in table
    esc = summary(rows, results)["escalation"]     # results.json keeps it too
    assert esc["escalated"] == 1 and esc["selected"] == 0.5 and esc["tokens"] == 150
    assert summary(rows[-1:], results)["escalation"] is None     # one budget: nothing to escalate to


def test_escalation_replay_keeps_an_abstention_that_more_samples_do_not_resolve():
    def inst(first, last):
        return InstanceResult(name="x", samples=8, sample_correct=[False] * 8, at=[
            AtBudget(n=4, status=first[0], correct=first[1], tokens=400, wall_s=40.0),
            AtBudget(n=8, status=last[0], correct=last[1], tokens=800, wall_s=80.0)])
    e = escalated([inst(("abstained", False), ("abstained", False)), inst(("selected", True), ("selected", False))], 4, 8)
    assert e["selected"] == 0.5 and e["abstain"] == 0.5 and e["precision"] == 1.0 and e["escalated"] == 1
    assert e["tokens"] == 600 and e["wall_s"] == 60      # (800 + 400) / 2: what the deciding budget cost
    assert escalated([inst(("selected", True), ("selected", True))], 2, 8) is None   # no record at N = 2


# --- the whole script, scripted model ------------------------------------------------------------


def test_report_tables_the_finished_instances_and_runs_nothing(tmp_path):
    """--report reads out/instances/ only: records of other settings are not finished, missing ones are named."""
    def record(name, samples, ok):
        at = [AtBudget(n=n, status="selected", correct=ok, tokens=10, wall_s=1.0) for n in budgets(samples)]
        RunFolder(tmp_path / "instances").write_json(f"{name}.json", InstanceResult(
            name=name, samples=samples, sample_correct=[ok] * samples, at=at, baseline_correct=False))
    record("batching", 2, True)
    record("billing", 4, True)          # another --samples: not this bench's result
    script = Path(__file__).resolve().parents[2] / "scripts" / "bench_scaling.py"
    out = subprocess.run([sys.executable, str(script), "--out", str(tmp_path), "--examples", "batching,billing,grades",
                          "--samples", "2", "--report"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "| batching | 2/2 | 0/0 | ✓ | ✓ | ✗ | 10 | 1 |" in out.stdout and "| billing |" not in out.stdout
    assert "1 of 3 instances finished; not yet: billing, grades" in out.stdout
    assert not (tmp_path / "runs").exists() and not (tmp_path / "examples").exists()
