"""Probe scripts run for real: in a local interpreter, exceptions, recursion and endless loops are
observed behaviours; in Docker sandboxes in the whole pipeline, behaviour voting selects the fix that
independent samples agree on, and the issue's own calls catch a no-op (probe parsing:
unit/test_probe.py)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from agent.behaviour import PROBE_FILE, Probe, ProbeRun, parse_outputs, render_script, run_command
from agent.pipeline import solve
from agent.progress import Progress
from agent.repo_input import issue_from_text
from agent.schema import Behaviour, Candidate, ExecutionMatrix, RewardScore
from agent.ranking import decide
from tests.support.openai_server import ScriptedOpenAI
from tests.support.pipeline import ISSUE, WRONG, Script, config, hidden_test_passes, make_repo, patch_reply

MODULE = '''
def f(x):
    if x == "loop":
        while True:
            pass
    if x == "deep":
        return f(x)
    if x == "spam":
        while True:
            print("spam")
    return {"x": x, "obj": object()}
'''


def run_locally(tmp_path: Path, statements: list[str], timeout_s: float = 1.0) -> dict[str, str]:
    (tmp_path / "mod.py").write_text(MODULE)
    (tmp_path / PROBE_FILE).write_text(render_script([Probe(id="p", origin="model", statements=statements)], timeout_s))
    res = subprocess.run(run_command(), shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    return parse_outputs(res.stdout + res.stderr)


def test_each_statement_is_bounded_and_its_failure_observed(tmp_path):
    out = run_locally(tmp_path, ["from mod import f", "f(1)", "print(repr(f('deep')))", "f('loop')",
                                 "f('spam')", "f(undefined)", "import sys; sys.exit(3)", "print(repr(f(2)))"])
    assert out["p:1"] == "{'x': 1, 'obj': <object object at 0x?>}"     # a bare call shows its repr
    assert out["p:2"] == "EXC RecursionError"
    assert out["p:3"] == "TIMEOUT"
    assert out["p:4"].endswith("TIMEOUT") and len(out["p:4"]) < 2100   # output capped per statement
    assert out["p:5"] == "EXC NameError: name 'undefined' is not defined"
    assert out["p:6"] == "EXC SystemExit: 3"
    assert out["p:7"].startswith("{'x': 2")                              # the script went on to the end
    again = run_locally(tmp_path, ["from mod import f", "f(1)"])
    assert again["p:1"] == out["p:1"]                                    # addresses normalized away


# ------------------------------------------------------------------ the whole pipeline, Docker
VAGUE = """add() gives wrong sums

Adding two numbers with calc.ops.add gives a wrong result: it should return their sum, but the result is off.
"""
GOOD_A = patch_reply("    return a + b")
GOOD_B = patch_reply("    return b + a")
GOOD_C = patch_reply("    return sum((a, b))")
NOOP = "calc/ops.py\n<<<<<<< SEARCH\n    return a * b\n=======\n    return b * a\n>>>>>>> REPLACE\n"
WRONG_VALUE_TEST = "```python\nfrom calc.ops import add\n\n\ndef test_add():\n    assert add(2, 2) == 5\n```"
PROBE = "```python\nfrom calc.ops import add\nprint(repr(add(2, 3)))\nprint(repr(add(-1, 1)))\nprint(repr(add(0, 0)))\n```"


def respond_with_probe(script):
    def respond(messages):
        return PROBE if "probe scripts" in messages[0]["content"] else script(messages)
    return respond


@pytest.mark.docker
def test_behaviour_clusters_select_the_fix_independent_samples_agree_on(docker_client, tmp_path):
    """Three textually different correct fixes (one sample each) agree on behaviour; a wrong fix was
    written twice, and a no-op (it edits `mul`) twice. The only kept test asserts a wrong value (every
    candidate fails it) and the judge likes everything: text votes abstain, behaviour votes select."""
    repo = make_repo(tmp_path)
    run = tmp_path / "run"
    script = Script(patches=(GOOD_A, WRONG, GOOD_B, WRONG, GOOD_C, NOOP, NOOP), tests=(WRONG_VALUE_TEST,),
                    judge=lambda user: "Looks right. Score: 8/10")
    cfg = config("", **{"patch.samples": 7, "test.samples": 1, "use_selection_trajectory": False})
    with ScriptedOpenAI(respond_with_probe(script)) as server:
        cfg.model.api_base = server.api_base
        result = solve(issue_from_text(VAGUE), repo, run, cfg, progress=Progress(False))
        assert server.count("probe scripts") == 1
        judged = server.count("strict code reviewer")

        cands = {c["diff"]: Candidate.model_validate(c) for c in json.loads((run / "03_patches/candidates.json").read_text())}
        by_line = {line: next(c for d, c in cands.items() if f"+    {line}" in d)
                   for line in ("return a + b", "return b + a", "return sum((a, b))", "return a * b", "return b * a")}
        good = {by_line[k].id for k in ("return a + b", "return b + a", "return sum((a, b))")}
        wrong, noop = by_line["return a * b"], by_line["return b * a"]
        assert wrong.count == noop.count == 2 and len(cands) == 5

        behaviour = Behaviour.model_validate_json((run / "04_execution/behaviour.json").read_text())
        assert behaviour.informative and behaviour.unchanged == [noop.id]
        top = behaviour.clusters[0]
        assert set(top.candidates) == good and top.support == 3 and top.changed and behaviour.best == top.signature
        assert {k.support for k in behaviour.clusters} == {3, 2}
        assert not (run / f"06_reward/{noop.id}.json").exists()     # never selectable: not judged

        assert result.status == "selected", result.diagnosis
        assert result.candidate in good and hidden_test_passes(repo, result.final_diff, tmp_path)
        ranking = {r["candidate"]: r for r in json.loads((run / "07_selection/decision.json").read_text())["ranking"]}
        assert ranking[noop.id]["unchanged"] and ranking[noop.id]["score"] == 0

        # The same evidence without behaviour: text votes cannot pick the fix.
        matrix = ExecutionMatrix.model_validate_json((run / "04_execution/matrix.json").read_text())
        rewards = {p.stem: RewardScore.model_validate_json(p.read_text())
                   for p in (run / "06_reward").glob("c*.json") if "_sample_" not in p.name}
        plain = decide(list(cands.values()), matrix, rewards, abstain_below=cfg.select.abstain_below)
        assert plain.status == "abstained" or plain.candidate not in good

        # Resume: probes and their runs are on disk; nothing is asked or run again.
        runs = {p.name: p.read_text() for p in (run / "04_execution/probes").glob("*.json")}
        assert len(runs) == 2 + 5 and all(ProbeRun.model_validate_json(t).status == "ok" for t in runs.values())
        again = solve(issue_from_text(VAGUE), repo, run, cfg, progress=Progress(False))
        assert server.count("probe scripts") == 1 and server.count("strict code reviewer") == judged
    assert {p.name: p.read_text() for p in (run / "04_execution/probes").glob("*.json")} == runs
    assert again.candidate == result.candidate


@pytest.mark.docker
def test_issue_calls_probe_without_a_model_and_catch_a_no_op(docker_client, tmp_path):
    """With probes off for the model, the issue's own call still probes: the no-op is flagged."""
    repo = make_repo(tmp_path)
    run = tmp_path / "run"
    script = Script(patches=(GOOD_A, NOOP))
    cfg = config("", **{"patch.samples": 2, "test.samples": 1, "probe.samples": 0})
    with ScriptedOpenAI(script) as server:
        cfg.model.api_base = server.api_base
        result = solve(issue_from_text(ISSUE), repo, run, cfg, progress=Progress(False))
    probes = [Probe.model_validate(p) for p in json.loads((run / "05_probes/probes.json").read_text())]
    assert [p.origin for p in probes] == ["issue"]
    behaviour = Behaviour.model_validate_json((run / "04_execution/behaviour.json").read_text())
    assert len(behaviour.unchanged) == 1 and behaviour.unchanged[0] != result.candidate
    assert result.status == "selected" and "a + b" in result.final_diff
