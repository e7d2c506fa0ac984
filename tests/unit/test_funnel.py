"""The patch funnel and the presets: pure, no Docker, no model."""
from __future__ import annotations

import pytest

from agent.config import load_config
from agent.funnel import funnel_line, patch_funnel
from agent.schema import Cell, ExecutionMatrix, PatchAttempt, PatchOutput, Trajectory
from agent.stages.patch import attempts_of, candidates_of, feedback_tests, format_of
from agent.schema import TestCase


def traj(i, reached, attempts=(), fmt="whole_file"):
    done = [PatchAttempt(step=k, diff=d, files_after={"m.py": d}, rules=["whole_file"]) for k, d in enumerate(attempts)]
    final = {"diff": done[-1].diff, "files_after": done[-1].files_after} if done else {}
    return Trajectory(stage="patch", sample=i, variant={"format": fmt, "reached": list(reached)},
                      output=PatchOutput(attempts=done, **final))


def test_funnel_counts_each_step_and_the_revisions():
    full = ["parsed", "applied", "compiles", "changed"]
    trajs = [traj(0, full, ["+a\n", "+b\n"]), traj(1, full, ["+b\n"]), traj(2, ["parsed", "applied"]),
             traj(3, ["parsed"], fmt="function"), traj(4, [])]
    cands = candidates_of(trajs)
    by_diff = {c.diff: c for c in cands}
    assert by_diff["+b\n"].samples == [0, 1] and by_diff["+a\n"].samples == [0]
    matrix = ExecutionMatrix(candidates=[c.id for c in cands], tests=["t0"],
                             cells=[Cell(candidate=by_diff["+b\n"].id, test="t0", outcome="pass"),
                                    Cell(candidate=by_diff["+a\n"].id, test="t0", outcome="fail")])
    f = patch_funnel(trajs, cands, matrix)
    assert (f["samples"], f["parsed"], f["applied"], f["compiles"], f["changed"]) == (5, 4, 3, 2, 2)
    assert f["revised"] == 1 and f["unique_candidates"] == 2 and f["pass_kept_checks"] == 1
    assert f["rules"] == {"whole_file": 3} and f["formats"] == {"whole_file": 4, "function": 1}
    assert "5 samples → 4 parsed → 3 applied → 2 compile → 2 changed (1 revised)" in funnel_line(f)
    assert patch_funnel(trajs, cands, None)["pass_kept_checks"] is None
    assert f["mutants"] == 0 and "repairs" not in funnel_line(f)


def test_attempts_of_a_sample_without_an_edit_is_empty_and_an_old_folders_last_edit_counts():
    assert attempts_of(traj(4, [])) == []
    old = Trajectory(stage="patch", sample=1, output=PatchOutput(diff="+x\n", files_after={"m.py": "x"}))
    assert [(a.diff, a.files_after) for a in attempts_of(old)] == [("+x\n", {"m.py": "x"})]
    assert len(attempts_of(traj(0, ["parsed"], ["+a\n", "+b\n"]))) == 2


def test_funnel_counts_candidates_from_one_token_repairs_cloze_fills_and_pieces():
    from agent.stages.patch_mutants import MutantTry
    full = ["parsed", "applied", "compiles", "changed"]
    trajs = [traj(0, full, ["+b\n"])]
    kept = [MutantTry(rule="op - -> + (line 3)", path="m.py", outcome="kept", diff="+b\n", files_after={"m.py": "+b\n"}),
            MutantTry(rule="cmp < -> <= (line 9)", path="m.py", outcome="kept", diff="+c\n", files_after={"m.py": "+c\n"}),
            MutantTry(rule="cloze line 4: x = 2", path="m.py", outcome="kept", diff="+d\n", files_after={"m.py": "+d\n"}),
            MutantTry(rule="piece f of sample 0", path="m.py", outcome="kept", diff="+e\n", files_after={"m.py": "+e\n"}),
            MutantTry(rule="cloze body of f (lines 5-9, round 0)", path="m.py", outcome="kept", diff="+g\n",
                      files_after={"m.py": "+g\n"})]
    cands = candidates_of(trajs, kept)
    f = patch_funnel(trajs, cands, None)
    assert (f["unique_candidates"], f["mutants"], f["mutant_only"], f["cloze"], f["bodies"], f["pieces"]) == (5, 5, 4, 2, 1, 1)
    assert ("5 candidate(s) from repairs tried on the issue's checks (2 cloze fill(s), 1 of them regenerated bodies, "
            "1 piece(s) of samples' edits; 4 found by them alone)") in funnel_line(f)


def test_feedback_prefers_the_issues_own_checks_and_formats_rotate():
    model = TestCase(id="t000", sample=0, path="a.py", content="", command="", kept=True)
    issue = TestCase(id="i000", sample=0, path="b.py", content="", command="", kept=True, origin="issue")
    dropped = TestCase(id="t001", sample=1, path="c.py", content="", command="", kept=False)
    assert [t.id for t in feedback_tests([model, issue, dropped], "issue")] == ["i000"]
    assert [t.id for t in feedback_tests([model, dropped], "issue")] == ["t000"]
    assert [t.id for t in feedback_tests([model, issue], "all")] == ["t000", "i000"]
    assert feedback_tests([model, issue], "none") == []
    assert [format_of(["whole_file", "function"], i) for i in range(3)] == ["whole_file", "function", "whole_file"]
    assert format_of("auto", 5) == "auto"


def test_presets_layer_under_config_and_overrides():
    strong = load_config(None, ["patch.samples=3"], preset="strong")
    assert strong.patch.samples == 3 and strong.patch.max_steps > 1 and strong.patch.edit_format == "search_replace"
    small = load_config(None, [], preset="small")
    assert small.patch.max_steps == 1 and small.patch.edit_format == "auto"
    assert load_config().patch.max_revisions == small.patch.max_revisions   # the default is the small preset
    # Patch samples run hotter for the small model (docs/reports/temperature/); hosted models keep 0.8.
    assert (small.patch.temperature, small.patch.retry_temperature) == (1.2, 0.8)
    assert (load_config().patch.temperature, load_config().patch.retry_temperature) == (1.2, 0.8)
    assert (strong.patch.temperature, strong.patch.retry_temperature) == (0.8, None)
    assert load_config().test.temperature == 0.8     # other stages unchanged
    # The small model's selection trajectory is off (it only swapped right leaders for wrong near-ties on train).
    assert not small.use_selection_trajectory and not load_config().use_selection_trajectory
    assert strong.use_selection_trajectory
    with pytest.raises(ValueError, match="unknown preset"):
        load_config(None, [], preset="huge")


def test_an_unknown_edit_format_is_a_config_error():
    with pytest.raises(ValueError, match="edit_format"):
        load_config(None, ["patch.edit_format=diffy"])
    assert load_config(None, ["patch.edit_format=[whole_file, function]"]).patch.edit_format == ["whole_file", "function"]


def _error_of(fn, *args) -> str:
    try:
        fn(*args)
    except Exception as err:  # noqa: BLE001 - the real parsers' own feedback
        return str(err)
    raise AssertionError("no error")


def test_funnel_says_why_samples_left_no_candidate():
    from agent.funnel import loss_reason
    from agent.splice import parse_function_rewrite, parse_whole_file, splice_function
    from agent.whole_merge import merge_whole_file
    src = "def f(x):\n    return x + 1\n"
    errors = {
        "no_change": _error_of(splice_function, src, src, "m.py"),
        "syntax": _error_of(splice_function, src, "def f(x)\n    return x\n", "m.py"),
        "no_code": _error_of(parse_function_rewrite, "I think the bug is in f."),
        "cut_off": _error_of(parse_whole_file, "```python\nimport os\n# ... rest unchanged ...\n```", "m.py", 10),
        "issue_example": "Your code block repeats the example from the issue: that shows the bug, it is not a fix.",
        "demo_only": _error_of(merge_whole_file, src, src + "\nprint(f(1))\n", "m.py"),
        "other": "Something new went wrong.",
    }
    trajs = []
    for i, (reason, error) in enumerate(errors.items()):
        t = traj(i, ["parsed"])
        t.status, t.error = "no_output", error
        trajs.append(t)
        assert loss_reason(t) == reason, (reason, error)
    quoted = traj(8, ["parsed"])      # the quoted code must not decide: it mentions a syntax error
    quoted.status, quoted.error = "no_output", ("The SEARCH lines were not found in m.py; the closest lines are:\n"
                                                "    raise ValueError('syntax error')")
    assert loss_reason(quoted) == "not_found"
    revised = traj(11, ["parsed", "applied", "compiles", "changed"], ["+c\n"])
    revised.output = PatchOutput(attempts=revised.patch.attempts)   # an attempt, then the revision's call failed
    revised.status, revised.error = "error", "APIConnectionError: refused"
    assert loss_reason(revised) is None
    crashed = traj(9, [])
    crashed.status, crashed.error = "error", "APIConnectionError: refused"
    ok = traj(10, ["parsed", "applied", "compiles", "changed"], ["+a\n"])
    assert loss_reason(crashed) == "error" and loss_reason(ok) is None
    f = patch_funnel(trajs + [crashed, ok], candidates_of([ok]), None)
    assert f["lost"] == {**{r: 1 for r in errors}, "error": 1}
    assert "samples lost to: cut_off 1, demo_only 1, error 1, issue_example 1, no_change 1, no_code 1, other 1, syntax 1" in funnel_line(f)
