"""Patch trajectories that see execution: a revision turn after a failing reproduction check,
escalation rounds before abstaining, the function / whole-file formats, per-sample seeds and the
strong preset's multi-step trajectory — scripted answers over real HTTP, real Docker sandboxes."""
from __future__ import annotations

import json

import pytest

from agent.config import load_config
from agent.pipeline import solve
from agent.progress import Progress
from agent.repo_input import issue_from_text
from agent.schema import Candidate, Trajectory
from tests.support.openai_server import ScriptedOpenAI
from tests.support.pipeline import (GARBAGE, GOOD, GOOD_TEST, ISSUE, OPS, WRONG, hidden_test_passes, make_repo,
                                    patch_reply)

pytestmark = pytest.mark.docker

FUNCTION_GOOD = "calc/ops.py\n```python\ndef add(a, b):\n    \"\"\"Return the sum of a and b.\"\"\"\n    return a + b\n```"
WHOLE_FILE_GOOD = ("```python\ndef add(a, b):\n    \"\"\"Return the sum of a and b.\"\"\"\n    return a + b\n\n\n"
                   "def mul(a, b):\n    return a * b\n```")


def cfg(api_base: str, **over):
    base = {"model.name": "openai/scripted", "model.api_base": api_base, "workers": 1, "exec_timeout_s": 30,
            "early_stop": False, "patch.samples": 1, "test.samples": 1, "reward.samples": 1,
            "patch.edit_format": "search_replace", "patch.revise_with": "all", "escalate.rounds": 0,
            "patch.mutants": 0, "patch.cloze": 0}
    base.update(over)
    return load_config(None, [], **base)


def respond_with(first_patch, revision=GARBAGE, judge=lambda user: "Score: 2/10"):
    def respond(messages):
        system, user = messages[0]["content"], messages[1]["content"]
        if "find the code" in system:
            return "calc/ops.py:add"
        if "fixes bugs" in system:
            if len(messages) == 2 and "earlier answer" not in user:     # not a fresh retry (retry_fresh)
                return first_patch(messages) if callable(first_patch) else first_patch
            return revision(messages) if callable(revision) else revision
        if "reproduce bug reports" in system:
            return GOOD_TEST
        if "strict code reviewer" in system:
            return judge(user)
        return GARBAGE
    return respond


def sample(run, i=0) -> Trajectory:
    return Trajectory.model_validate_json((run / f"03_patches/sample_{i:03d}.json").read_text())


def test_failing_check_drives_a_revision_and_both_edits_are_candidates(docker_client, tmp_path):
    repo = make_repo(tmp_path)
    # The first edit is wrong; the revision turn must show the failure, and the model then fixes it.
    revision = lambda messages: GOOD if "still fails" in messages[-1]["content"] else GARBAGE
    with ScriptedOpenAI(respond_with(WRONG, revision)) as server:
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run", cfg(server.api_base, **{"patch.max_revisions": 2}),
                       progress=Progress(False))
    run = tmp_path / "run"
    traj = sample(run)
    assert [set(a.checks.values()) for a in traj.patch.attempts] == [{"fail"}, {"pass"}]
    assert "a * b" in traj.patch.attempts[0].diff and "a + b" in traj.patch.attempts[1].diff
    feedback = traj.messages[3]["content"]
    assert "still fails" in feedback and "FAILED" in feedback          # the real pytest failure went back
    assert traj.patch.diff == traj.patch.attempts[1].diff
    cands = [Candidate.model_validate(c) for c in json.loads((run / "03_patches/candidates.json").read_text())]
    assert len(cands) == 2 and all(c.samples == [0] for c in cands)
    assert result.status == "selected" and hidden_test_passes(repo, result.final_diff, tmp_path)
    assert result.funnel["revised"] == 1 and result.funnel["pass_kept_checks"] == 1


def test_revisions_run_out_and_the_last_edit_is_kept(docker_client, tmp_path):
    repo = make_repo(tmp_path)
    wrong2 = WRONG.replace("a * b", "a - b - 0")
    with ScriptedOpenAI(respond_with(WRONG, wrong2)) as server:
        solve(issue_from_text(ISSUE), repo, tmp_path / "run", cfg(server.api_base, **{"patch.max_revisions": 1}),
              progress=Progress(False))
        patch_calls = server.count("fixes bugs")
    traj = sample(tmp_path / "run")
    assert traj.status == "ok" and len(traj.patch.attempts) == 2 and "revisions exhausted" in traj.error
    assert patch_calls == 2                     # one answer + exactly max_revisions revision turns


def test_a_revision_that_takes_the_change_back_is_no_candidate(docker_client, tmp_path):
    # The 1.5B model's revisions sometimes restore the original line with a comment on it: that behaves exactly
    # like the original code, so it gets a feedback turn and never becomes a candidate to run and judge.
    repo = make_repo(tmp_path)
    doc = '    """Return the sum of a and b."""\n'
    back = (f"calc/ops.py\n<<<<<<< SEARCH\n{doc}    return a * b\n=======\n{doc}    return a - b  # the original was right\n"
            ">>>>>>> REPLACE\n")

    def revision(messages):
        return GOOD if "takes the earlier change back" in messages[-1]["content"] else back
    with ScriptedOpenAI(respond_with(WRONG, revision)) as server:
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run", cfg(server.api_base, **{"patch.max_revisions": 2}),
                       progress=Progress(False))
    traj = sample(tmp_path / "run")
    assert ["a * b" in a.diff for a in traj.patch.attempts] == [True, False]
    assert all("original was right" not in a.diff for a in traj.patch.attempts)
    assert any("takes the earlier change back" in m["content"] for m in traj.messages if m["role"] == "user")
    assert result.status == "selected" and hidden_test_passes(repo, result.final_diff, tmp_path)


def test_escalation_samples_more_before_abstaining(docker_client, tmp_path):
    repo = make_repo(tmp_path)
    answers = iter([WRONG, GOOD])
    respond = respond_with(lambda m: next(answers), judge=lambda u: "Score: 9/10" if "a + b" in u else "Score: 1/10")
    over = {"patch.max_revisions": 0, "escalate.rounds": 2, "escalate.patch_samples": 1}
    with ScriptedOpenAI(respond) as server:
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run", cfg(server.api_base, **over),
                       progress=Progress(False))
    rounds = json.loads((tmp_path / "run/07_selection/rounds.json").read_text())
    assert [(r["round"], r["patch_samples"], r["status"]) for r in rounds] == [(0, 1, "abstained"), (1, 2, "selected")]
    assert result.rounds == rounds and result.status == "selected"
    assert hidden_test_passes(repo, result.final_diff, tmp_path)


@pytest.mark.parametrize("fmt,answer,rule", [("function", FUNCTION_GOOD, "function:add"),
                                             ("whole_file", WHOLE_FILE_GOOD, "whole_file")])
def test_function_and_whole_file_formats_land(docker_client, tmp_path, fmt, answer, rule):
    repo = make_repo(tmp_path)
    with ScriptedOpenAI(respond_with(answer)) as server:
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run", cfg(server.api_base, **{"patch.edit_format": fmt}),
                       progress=Progress(False))
        prompt = next(m for m in server.requests if "fixes bugs" in m[0]["content"])[1]["content"]
    traj = sample(tmp_path / "run")
    assert traj.variant["format"] == fmt and traj.patch.attempts[0].rules == [rule]
    assert result.status == "selected" and hidden_test_passes(repo, result.final_diff, tmp_path)
    if fmt == "whole_file":
        assert "def mul(a, b)" in prompt       # the whole file was shown


def test_odd_samples_are_pointed_at_a_suspect_function(docker_client, tmp_path):
    repo = make_repo(tmp_path)
    with ScriptedOpenAI(respond_with(GOOD)) as server:
        solve(issue_from_text(ISSUE), repo, tmp_path / "run", cfg(server.api_base, **{"patch.samples": 2}),
              progress=Progress(False))
        prompts = [m[1]["content"] for m in server.requests if "fixes bugs" in m[0]["content"]]
    assert sorted("Suspect: `add` in calc/ops.py" in p for p in prompts) == [False, True]
    assert "focus" not in sample(tmp_path / "run", 0).variant
    assert sample(tmp_path / "run", 1).variant["focus"] == "add"


@pytest.mark.parametrize("pointer", [True, False])
def test_a_copied_module_is_told_which_function_to_rewrite(docker_client, tmp_path, pointer):
    """A small model asked for one function copies the whole module unchanged; the feedback names the
    suspect (`add`) and the next turn rewrites it. Without the pointer the copy comes back again."""
    from tests.support.pipeline import OPS
    repo = make_repo(tmp_path)
    copy = "calc/ops.py\n```python\n" + OPS + "```"
    revision = lambda messages: FUNCTION_GOOD if "`def add(...)`" in messages[-1]["content"] else copy
    with ScriptedOpenAI(respond_with(copy, revision)) as server:
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run",
                       cfg(server.api_base, **{"patch.edit_format": "function", "patch.pointer": pointer}),
                       progress=Progress(False))
    traj = sample(tmp_path / "run")
    feedback = traj.messages[3]["content"]
    assert feedback.startswith("Your function is identical to the current code in calc/ops.py")
    assert traj.steps[1].fresh        # asked afresh: the first prompt with the feedback as a note, not the copy
    if pointer:
        assert "For example, answer with calc/ops.py and the whole corrected `def add(...)`." in feedback
        assert traj.variant["pointer"] == "add" and traj.patch.attempts[0].rules == ["function:add"]
        assert result.status == "selected" and hidden_test_passes(repo, result.final_diff, tmp_path)
    else:
        assert "`def add(...)`" not in feedback and "pointer" not in traj.variant
        assert not traj.patch.attempts and result.status == "abstained"


def test_sample_zero_is_greedy_and_seeds_reproduce(docker_client, tmp_path):
    repo = make_repo(tmp_path)
    seeds = []
    for k in range(2):
        with ScriptedOpenAI(respond_with(GOOD)) as server:
            solve(issue_from_text(ISSUE), repo, tmp_path / f"run{k}",
                  cfg(server.api_base, **{"patch.samples": 3, "seed": 7}), progress=Progress(False))
            patch = [b for b in server.bodies if "fixes bugs" in b["messages"][0]["content"]]
        seeds.append(sorted((b.get("temperature"), b.get("seed")) for b in patch))
    assert seeds[0] == seeds[1]                                 # same seed, same requests
    temps = [t for t, _ in seeds[0]]
    assert temps.count(0.0) == 1 and len({s for _, s in seeds[0]}) == 3


def test_strong_preset_runs_commands_in_the_sandbox_before_answering(docker_client, tmp_path):
    repo = make_repo(tmp_path)

    def patch(messages):
        return "Let me look first.\n```bash\ncat calc/ops.py\n```"

    def later(messages):
        return GOOD if "return a - b" in messages[-1]["content"] else GARBAGE

    over = {"patch.samples": 1, "test.samples": 1, "reward.samples": 1, "localize.samples": 1,
            "escalate.rounds": 0, "workers": 1, "select.max_steps": 1, "patch.mutants": 0, "patch.cloze": 0}
    config = load_config(None, [f"{k}={v}" for k, v in over.items()], preset="strong", **{
        "model.name": "openai/scripted", "exec_timeout_s": 30, "early_stop": False})
    assert config.patch.max_steps > 1 and config.patch.edit_format == "search_replace"
    with ScriptedOpenAI(respond_with(patch, later)) as server:
        config.model.api_base = server.api_base
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run", config, progress=Progress(False))
    traj = sample(tmp_path / "run")
    assert traj.steps[0].command == "cat calc/ops.py" and "return a - b" in traj.steps[0].observation
    assert result.status == "selected" and hidden_test_passes(repo, result.final_diff, tmp_path)


VALUE_ISSUE = """add() gives wrong sums

```python
>>> from calc.ops import add, mul
>>> add(2, 3)
-1
>>> mul(2, 3)
6
>>> add(1, 1)
0
```
I expected `5` and `2`.
"""


def test_prose_values_get_a_model_written_call_and_keep_the_issues_value(docker_client, tmp_path):
    """Three shown results, two stated values: no value can be tied to a call by the text alone, so
    the model writes only the call for each value; the expected value stays the issue's."""
    repo = make_repo(tmp_path)
    calls = {"5": "```python\nfrom calc.ops import add\nadd(2, 3)\n```",
             "2": "```python\nfrom calc.ops import mul\nmul(1, 2)\n```"}     # a call that already gives 2

    def respond(messages):
        user = messages[-1]["content"]
        if "the correct result is" in user:
            return calls[user.split("the correct result is ", 1)[1].split(":", 1)[0]]
        return respond_with(GOOD)(messages)

    with ScriptedOpenAI(respond) as server:
        result = solve(issue_from_text(VALUE_ISSUE), repo, tmp_path / "run",
                       cfg(server.api_base, **{"test.samples": 0}), progress=Progress(False))
    tests = {t["id"]: t for t in json.loads((tmp_path / "run/02_tests/tests.json").read_text())}
    assert tests["v000"]["origin"] == "issue_value" and tests["v000"]["kept"]
    assert "add(2, 3)" in tests["v000"]["content"] and "5" in tests["v000"]["content"]
    assert not tests["v001"]["kept"]          # mul(1, 2) == 2 already: it does not reproduce the issue
    assert result.status == "selected" and hidden_test_passes(repo, result.final_diff, tmp_path)


def test_a_sample_pointed_at_a_helper_module_rewrites_that_module(docker_client, tmp_path):
    """The bug sits in a module the issue never names (`calc/arith.py`, imported by the located
    `calc/ops.py`): the pointed sample is shown that module whole and its rewrite lands there."""
    from tests.support.pipeline import commit_tree
    ops = ("from .arith import combine\n\n\ndef add(a, b):\n    \"\"\"Return the sum of a and b.\"\"\"\n"
                        "    return combine(a, b)\n\n\ndef mul(a, b):\n    return a * b\n")
    repo = commit_tree(tmp_path / "calc-repo", {"calc/__init__.py": "", "calc/ops.py": ops,
                                                "calc/arith.py": "def combine(a, b):\n    return a - b\n",
                                                "tests/test_ops.py": "from calc.ops import mul\n\n\ndef test_mul():\n"
                                                                     "    assert mul(2, 3) == 6\n"})
    fixed = "```python\ndef combine(a, b):\n    return a + b\n```"
    answer = lambda messages: fixed if "The file `calc/arith.py`" in messages[1]["content"] else f"```python\n{ops}```"
    with ScriptedOpenAI(respond_with(answer)) as server:
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run",
                       cfg(server.api_base, **{"patch.samples": 2, "patch.edit_format": "whole_file"}),
                       progress=Progress(False))
        prompts = [m[1]["content"] for m in server.requests if "fixes bugs" in m[0]["content"] and len(m) == 2
                   and "earlier answer" not in m[1]["content"]]
    pointed = sample(tmp_path / "run", 1)
    assert pointed.variant["focus"] == "combine" and pointed.variant["format"] == "whole_file"
    assert "Suspect: `combine` in calc/arith.py (it is called by `add`)" in prompts[1]
    assert "def combine(a, b)" in prompts[0]                 # the helper is shown beside its caller to all
    assert "+++ b/calc/arith.py" in pointed.patch.diff and sample(tmp_path / "run", 0).patch.diff is None
    assert result.status == "selected" and hidden_test_passes(repo, result.final_diff, tmp_path)


def test_a_whole_file_answer_begun_at_the_suspect_lands_its_continuation(docker_client, tmp_path):
    # patch.prefill=focus: the module's lines above the suspect are sent as the answer's start; the scripted
    # server (as a provider that does not repeat them) sends only the rest, and the two land as one file.
    ops = '"""Arithmetic."""\n\n\ndef mul(a, b):\n    return a * b\n\n\n' + OPS.split("\n\n\n")[0] + "\n"
    repo = make_repo(tmp_path, ops=ops)
    fixed = ops.replace("a - b", "a + b")

    def rest(messages):    # the continuation of whatever start was sent
        begun = messages[-1]["content"] if messages[-1]["role"] == "assistant" else ""
        return fixed[len(begun) - len("```python\n"):] + "```" if begun else GARBAGE
    with ScriptedOpenAI(respond_with(rest, rest)) as server:
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run",
                       cfg(server.api_base, **{"patch.edit_format": "whole_file", "patch.prefill": "focus",
                                               "patch.samples": 2}), progress=Progress(False))
    sent = [m[-1]["content"] for m in server.requests if "fixes bugs" in m[0]["content"]]
    # sample 0 chooses freely: up to the earliest located function (mul); sample 1's suspect is add
    assert sorted(sent) == sorted("```python\n" + ops.split(name)[0] for name in ("def mul", "def add"))
    for i in (0, 1):
        traj = sample(tmp_path / "run", i)
        assert traj.variant["prefill"] == "focus" and traj.steps[0].reply == f"```python\n{fixed}```"  # all of it
    assert result.status == "selected" and hidden_test_passes(repo, result.final_diff, tmp_path)
    changed = [line for line in result.final_diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ["-    return a - b", "+    return a + b"]
