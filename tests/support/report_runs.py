"""Run folders for the report tests: hand-made ones written with the schema models (every stage,
killed runs, big runs, batches) and a REAL one produced by the pipeline with scripted answers."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agent.budget import LedgerState, StageSpend
from agent.runfolder import RunFolder
from agent.schema import (Candidate, Cell, Decision, ExecutionMatrix, Issue, Location, PatchOutput, RankedCandidate,
                          Result, RewardScore, SpendRecord, Step, TestCase, Trajectory)

EVIL = "<script>document.documentElement.setAttribute('data-pwned', '1')</script>"
GOOD_DIFF = ("diff --git a/calc/ops.py b/calc/ops.py\n--- a/calc/ops.py\n+++ b/calc/ops.py\n"
             "@@ -1,3 +1,3 @@\n def add(a, b):\n     \"\"\"Return the sum of a and b.\"\"\"\n-    return a - b\n+    return a + b\n")
WRONG_DIFF = GOOD_DIFF.replace("a + b", "a * b")
BAD_DIFF = GOOD_DIFF.replace("a + b", "b - a")


def traj(stage: str, sample: int, **kw) -> Trajectory:
    reply = kw.pop("reply", f"reply of {stage} #{sample}")
    return Trajectory(stage=stage, sample=sample, model="openai/scripted", temperature=0.7,
                      messages=[{"role": "system", "content": f"system prompt for {stage}"},
                                {"role": "user", "content": kw.pop("user", "the issue " + EVIL)},
                                {"role": "assistant", "content": reply}],
                      steps=kw.pop("steps", [Step(reply=reply)]),
                      spend=SpendRecord(calls=1, prompt_tokens=120, completion_tokens=30, cost_usd=0.001),
                      duration_s=1.5, **kw)


def write_issue(run: RunFolder) -> None:
    run.write_json("issue.json", Issue(id="local-abc123", title="add() returns the wrong result",
                                       body="`add(2, 3)` returns -1.\n" + EVIL))


def make_run(root: Path, n_patches: int = 4) -> Path:
    """A finished run: 3 candidates, 3 tests (one invalid: it passed on the original code),
    every outcome in the matrix, rewards, a selection trajectory and a decision."""
    run = RunFolder(root)
    write_issue(run)
    run.write_json("01_localize/sample_000.json",
                   traj("localize", 0, output=[Location(file="calc/ops.py", symbol="add")]))
    run.write_json("01_localize/locations.json", [Location(file="calc/ops.py", symbol="add", votes=1)])
    diffs = [GOOD_DIFF, WRONG_DIFF, BAD_DIFF, GOOD_DIFF]
    long_output = "\n".join(f"line {i} of a long observation" for i in range(200))
    for i in range(n_patches):
        steps = [Step(reply="look", command="cat calc/ops.py", observation=long_output, exit_code=0), Step(reply="edit")]
        run.write_json(f"03_patches/sample_{i:03d}.json", traj("patch", i, output=PatchOutput(diff=diffs[i % 4]), steps=steps))
    cands = [Candidate(id="cgood", diff=GOOD_DIFF, key="k1", samples=[0, 3], files=["calc/ops.py"]),
             Candidate(id="cwrong", diff=WRONG_DIFF, key="k2", samples=[1], files=["calc/ops.py"]),
             Candidate(id="cbad", diff=BAD_DIFF, key="k3", samples=[2], files=["calc/ops.py"])]
    run.write_json("03_patches/candidates.json", cands)
    tests = [TestCase(id="t000", sample=0, path="tests/test_repro.py", content="def test_add(): ...",
                      command="pytest tests/test_repro.py", original_outcome="fail", kept=True, reason="fails on original"),
             TestCase(id="t001", sample=1, path="tests/test_repro2.py", content="def test_x(): ...",
                      command="pytest tests/test_repro2.py", original_outcome="error", kept=True, reason="errors on original"),
             TestCase(id="t002", sample=2, path="tests/test_weak.py", content="def test_zero(): ...",
                      command="pytest tests/test_weak.py", original_outcome="pass", kept=False,
                      reason="passes on the original code")]
    for t in tests:
        run.write_json(f"02_tests/sample_{t.sample:03d}.json", traj("test", t.sample, output=t))
    run.write_json("02_tests/tests.json", tests)
    outcomes = {"cgood": ["pass", "pass", "pass"], "cwrong": ["fail", "timeout", "pass"], "cbad": ["error", "fail", "apply_failed"]}
    cells = [Cell(candidate=c, test=t, outcome=o, output_tail=f"output of {c} on {t} {EVIL}")
             for c, outs in outcomes.items() for t, o in zip(["t000", "t001", "regression"], outs)]
    run.write_json("04_execution/matrix.json", ExecutionMatrix(
        candidates=list(outcomes), tests=["t000", "t001"], cells=cells, regression_command="pytest -q tests",
        baseline_regression=Cell(candidate="original", test="regression", outcome="pass")))
    for cid, mean in (("cgood", 0.8), ("cwrong", 0.2), ("cbad", 0.1)):
        run.write_json(f"06_reward/{cid}.json", RewardScore(candidate=cid, scores=[mean], mean=mean, rationales=["because"]))
        run.write_json(f"06_reward/{cid}_sample_000.json", traj("reward", 0, output={"score": mean}))
    ranking = [RankedCandidate(candidate="cgood", score=0.9, tests_passed=2, tests_total=2, weighted_pass=1.0,
                               regression_ok=True, reward=0.8, count=2),
               RankedCandidate(candidate="cwrong", score=0.3, tests_passed=0, tests_total=2, weighted_pass=0.0,
                               regression_ok=True, reward=0.2, count=1),
               RankedCandidate(candidate="cbad", score=0.0, tests_passed=0, tests_total=2, weighted_pass=0.0,
                               regression_ok=None, reward=0.1, count=1)]
    run.write_json("07_selection/trajectory.json",
                   traj("select", 0, reply="ANSWER: cgood", output={"choice": "cgood", "among": ["cgood", "cwrong"]}))
    run.write_json("07_selection/decision.json", Decision(status="selected", candidate="cgood", confidence=0.87,
                                                          ranking=ranking, diagnosis="cgood passes every valid test.",
                                                          method="selection_trajectory"))
    stages = {s: StageSpend(calls=2, prompt_tokens=1000, completion_tokens=200, cost_usd=0.01)
              for s in ("localize", "patch", "test", "reward", "select")}
    run.write_json("ledger.json", LedgerState(budget_usd=1.0, stages=stages))
    run.write_json("result.json", Result(issue_id="local-abc123", status="selected", final_diff=GOOD_DIFF,
                                         candidate="cgood", confidence=0.87, n_candidates=3, cost_usd=0.05, tokens=6000,
                                         funnel={"samples": 4, "parsed": 3, "applied": 3, "compiles": 3, "changed": 3,
                                                 "unique_candidates": 3, "pass_kept_checks": 1,
                                                 "rules": {"function:f": 3}, "formats": {"function": 4},
                                                 "lost": {"issue_example": 1}}))
    run.write_text("final.diff", GOOD_DIFF)
    return root


def make_killed_run(root: Path) -> Path:
    """What a kill during patch sampling leaves: localization done, two patch samples, nothing else."""
    run = RunFolder(root)
    write_issue(run)
    run.write_json("01_localize/sample_000.json", traj("localize", 0, output=[]))
    run.write_json("01_localize/locations.json", [])
    for i in range(2):
        run.write_json(f"03_patches/sample_{i:03d}.json", traj("patch", i, output=PatchOutput(diff=GOOD_DIFF)))
    (root / "03_patches" / "sample_002.json").write_text('{"stage": "patch", "sam')  # torn by hand
    return root


def make_batch(root: Path, with_summary: bool = True) -> Path:
    rows = []
    for i, (status, resolved, cost) in enumerate([("selected", True, 0.02), ("abstained", False, 0.05),
                                                  ("selected", False, 0.03)]):
        iid = f"owner__repo-{i}"
        inst = root / "instances" / iid
        make_run(inst / "run", n_patches=2)
        res = json.loads((inst / "run/result.json").read_text())
        res.update(issue_id=iid, status=status, cost_usd=cost)
        (inst / "run/result.json").write_text(json.dumps(res))
        (inst / "status.json").write_text(json.dumps({"instance_id": iid, "status": "done", "result_status": status,
                                                      "cost_usd": cost, "tokens": 1000, "duration_s": 60}))
        (inst / "eval.json").write_text(json.dumps({"patch_hash": "x", "resolved": resolved,
                                                    "candidates": {"cgood": resolved}}))
        rows.append({"instance_id": iid, "status": status, "resolved": resolved, "coverage": resolved,
                     "abstained": status == "abstained", "cost_usd": cost, "tokens": 1000, "duration_s": 60, "error": ""})
    rows.append({"instance_id": "owner__repo-9", "status": "not_run"})
    if with_summary:
        (root / "summary.json").write_text(json.dumps(rows))
        (root / "scaling.json").write_text(json.dumps({"N": [1, 2, 4, 8], "coverage": [0.2, 0.35, 0.5, 0.6],
                                                       "selected": [0.2, 0.3, 0.38, 0.42], "pass_at_1": 0.2}))
    return root


_REAL: dict = {}


def real_run(tmp_root: Path) -> Path:
    """A run folder made by the real pipeline (scripted model over HTTP on 127.0.0.1), built once per
    test session and shared by the report tests, in real Docker sandboxes."""
    if "run" in _REAL:
        return _REAL["run"]
    from agent.config import load_config
    from agent.pipeline import solve
    from agent.progress import Progress
    from agent.repo_input import issue_from_text
    from tests.support.openai_server import ScriptedOpenAI
    from tests.support.pipeline import ISSUE, Script, make_repo

    from sandbox.engine import EngineUnavailable, connect

    try:
        connect().close()
    except EngineUnavailable as err:
        pytest.skip(f"no Docker engine: {err}")
    repo = make_repo(tmp_root)
    with ScriptedOpenAI(Script()) as server:
        cfg = load_config(None, [], **{"model.name": "openai/scripted", "model.api_base": server.api_base,
                                       "workers": 1, "exec_timeout_s": 30, "early_stop": False,
                                       "patch.edit_format": "search_replace", "escalate.rounds": 0,
                                       "patch.mutants": 0, "patch.cloze": 0})
        solve(issue_from_text(ISSUE + "\n" + EVIL), repo, tmp_root / "run", cfg, progress=Progress(False))
    _REAL["run"] = tmp_root / "run"
    return _REAL["run"]


CELL = re.compile(r'<td class="cell (\w+)( invalid)?" data-k="(\d+):(\d+)"')


def cells(html: str) -> dict[tuple[int, int], str]:
    return {(int(r), int(c)): outcome for outcome, _, r, c in CELL.findall(html)}


def assert_escaped(html: str) -> None:
    # The issue body and every output carry a <script>: it must only ever appear escaped.
    assert EVIL not in html
    assert "&lt;script&gt;document.documentElement" in html
    assert "\\u003cscript\\u003e" in html  # inside the JSON blobs, tojson escapes < and >
