"""Cloze repair's pure parts (agent/cloze.py) and its stage on a real git repository with a scripted model
(litellm's mock_response for the chat form, a real HTTP server on 127.0.0.1 for fill-in-the-middle)."""
from __future__ import annotations

from agent.cloze import (FIM_FORMATS, Hole, fill_insert, fill_line, filled, fim_format, fim_prompt, holes,
                         insert_points, issue_comment_lines, masked_function)
from agent.mutate import function_span
from agent.stages.patch_cloze import ROUNDS, ClozeRecord, fills_as_mutants, schedule, suspect_holes

SOURCE = '''import os

LIMIT = 3


def parse(text, sep="="):
    """Split KEY=VALUE lines."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):   # comments and blank lines
            continue
        if line.startswith("!"): continue
        key, value = line.split(sep)
        total = (len(key) +
                 len(value))
        pass
        out[key] = value
    return out
'''


def _holes(source=SOURCE, name="parse"):
    return holes("pkg/mod.py", source, function_span(source, name))


def test_holes_are_one_line_statements_and_headers_in_order():
    lines = {h.line: h.text for h in _holes()}
    assert lines == {6: 'def parse(text, sep="="):', 8: "out = {}", 9: "for line in text.splitlines():",
                     10: 'if not line or line.startswith("#"):   # comments and blank lines', 11: "continue",
                     13: "key, value = line.split(sep)", 17: "out[key] = value", 18: "return out"}
    # the docstring (7), a line with two statements (12), a statement over two lines (14-15) and `pass` are left out
    h = next(h for h in _holes() if h.line == 11)
    assert h.indent == " " * 12 and (h.start, h.end) == (6, 18)


def test_holes_of_a_method_and_of_source_that_does_not_parse():
    src = "class A:\n    def m(self, x):\n        if x > 1:\n            return x\n        return 0\n"
    assert [h.line for h in holes("a.py", src, function_span(src, "A.m"))] == [2, 3, 4, 5]
    assert holes("a.py", "def f(:\n", (1, 1)) == []
    assert holes("a.py", src, (40, 41)) == []


def test_fim_format_only_for_code_models_served_raw():
    assert fim_format("openai/qwen2.5-coder-1.5b", "http://127.0.0.1:8765/v1") == FIM_FORMATS[0][1]
    assert "<fim_prefix>" in fim_format("openai/bigcode/starcoder2-3b", "http://gpu:8000/v1")
    assert "fim▁hole" in fim_format("hosted_vllm/deepseek-ai/deepseek-coder-6.7b-base", "http://h/v1")
    assert fim_format("openai/qwen2.5-coder-1.5b", None) is None          # a hosted API: no raw prompts
    assert fim_format("gpt-4o-mini", "https://api.example.com/v1") is None  # not a code-model family
    assert fim_format(None, "http://x") is None


def test_fim_prompt_holds_the_issue_the_file_around_the_hole_and_the_hint():
    fmt = FIM_FORMATS[0][1]
    hole = next(h for h in _holes() if h.line == 13)
    header = "# Bug report:\n# values with '=' lose their tail\n"
    prompt = fim_prompt(fmt, SOURCE, hole, header)
    prefix, rest = prompt.split("<|fim_suffix|>")
    assert prefix.startswith("<|fim_prefix|># Bug report:") and prefix.endswith("\n" + " " * 8)
    assert "key, value = line.split(sep)" not in prompt                  # the hidden line is hidden
    assert rest.startswith("\n        total = (len(key) +") and rest.endswith("<|fim_middle|>")
    hinted = fim_prompt(fmt, SOURCE, hole, header, hint=True)
    assert hinted.split("<|fim_suffix|>")[0].endswith("# suspect (maybe wrong): key, value = line.split(sep)\n" + " " * 8)
    long_source = "X = 1\n" * 3000 + SOURCE
    far = next(h for h in holes("m.py", long_source, function_span(long_source, "parse")) if h.line == 3013)
    trimmed = fim_prompt(fmt, long_source, far, "", max_prefix=200)
    assert len(trimmed.split("<|fim_suffix|>")[0]) < 260 and trimmed.split("<|fim_suffix|>")[0].count("X = 1") < 40


def test_fill_line_takes_the_new_line_from_fim_and_chat_replies():
    hole = next(h for h in _holes() if h.line == 13)
    assert fill_line('key, value = line.split(sep, 1)\n', hole, SOURCE, chat=False) == "key, value = line.split(sep, 1)"
    whole = "```python\n" + masked_function(SOURCE, hole).replace("<FILL ME>", "key, value = line.split(sep, 1)") + "\n```"
    assert fill_line("Here it is:\n" + whole, hole, SOURCE, chat=True) == "key, value = line.split(sep, 1)"
    assert fill_line("```python\n        key, value = line.split(sep, maxsplit=1)\n```", hole, SOURCE, chat=True) \
        == "key, value = line.split(sep, maxsplit=1)"
    assert fill_line("The hidden line should be `key, value = line.split(sep, 1)`.", hole, SOURCE, chat=True) \
        == "key, value = line.split(sep, 1)"
    for useless in ("", "# split once", '"""Split the line."""', "<|fim_middle|>x = 1", "<FILL ME>"):
        assert fill_line(useless, hole, SOURCE, chat=False) is None, useless


def test_filled_keeps_only_edits_that_parse_and_change_the_code():
    hole = next(h for h in _holes() if h.line == 13)
    new = filled(SOURCE, hole, "key, value = line.split(sep, 1)")
    assert new is not None and "        key, value = line.split(sep, 1)\n" in new
    assert new.count("\n") == SOURCE.count("\n")
    assert filled(SOURCE, hole, "key, value = line.split(sep)") is None          # the same line
    assert filled(SOURCE, hole, "key,value = line.split( sep )") is None         # layout only
    assert filled(SOURCE, hole, "key, value = line.split(sep") is None           # does not parse
    assert filled(SOURCE, hole, None) is None


def test_schedule_asks_every_hole_greedy_before_any_second_round():
    hs = [Hole("m.py", n, "    ", f"x = {n}", 1, 9) for n in (2, 3, 4)]
    assert [(h.line, r, k, g) for h, r, k, g in schedule(hs, 5)] == \
        [(2, 0, "chat", True), (3, 0, "chat", True), (4, 0, "chat", True), (2, 1, "chat", False), (3, 1, "chat", False)]
    assert schedule(hs, 0) == [] and len(schedule(hs, 100)) == 12
    ins = [Hole("m.py", 3, "    ", "", 1, 9, True)]
    mixed = schedule(hs, 100, ROUNDS["mixed"], ins)
    assert [(r, k, g) for h, r, k, g in mixed if h.line == 2] == \
        [(0, "fim", True), (1, "chat", True), (2, "fim_hint", True), (3, "chat", False)]
    assert [(h.line, r, k, g) for h, r, k, g in mixed if h.insert] == [(3, 4, "fim_insert", True)]
    assert len(mixed) == 13 and not any(h.insert for h, *_ in schedule(hs, 100, ROUNDS["mixed"]))


def test_suspect_holes_skip_tests_and_put_located_functions_before_callees():
    from agent.focus import Target
    sources = {"pkg/mod.py": SOURCE, "tests/test_mod.py": "def test_x():\n    assert 1\n",
               "pkg/util.py": "def helper(x):\n    return x + 1\n"}
    targets = [Target("pkg/util.py", "helper", called_by="parse"), Target("tests/test_mod.py", "test_x"),
               Target("pkg/mod.py", "parse")]
    got = suspect_holes(sources, targets)
    assert [h.path for h in got] == ["pkg/mod.py"] * 8 + ["pkg/util.py"] * 2


def test_saved_fills_become_mutants_again_without_the_model():
    record = ClozeRecord.model_validate({"mode": "fim", "holes": 8, "fills": [
        {"path": "pkg/mod.py", "line": 13, "function": [6, 18], "sample": 0, "proposed": "key, value = line.split(sep)"},
        {"path": "pkg/mod.py", "line": 13, "function": [6, 18], "sample": 1, "proposed": "key, value = line.split(sep, 1)",
         "changed": True},
        {"path": "pkg/mod.py", "line": 18, "function": [6, 18], "sample": 1, "proposed": "return dict(out)", "changed": True},
        {"path": "pkg/mod.py", "line": 18, "function": [6, 18], "sample": 2, "proposed": "return dict(out)", "changed": True}]})
    got = fills_as_mutants(record, {"pkg/mod.py": SOURCE})
    assert [m.rule for m in got] == ["cloze line 13: key, value = line.split(sep, 1)", "cloze line 18: return dict(out)"]
    assert fills_as_mutants(record, {"pkg/mod.py": SOURCE}, rounds={2})[0].line == 18
    more = ClozeRecord.model_validate({"mode": "fim", "fills": [
        {"path": "pkg/mod.py", "line": 18, "function": [6, 18], "sample": 0, "changed": True,
         "proposed": "return dict(sorted(out.items(), key=itemgetter(0)))"},
        {"path": "pkg/mod.py", "line": 17, "function": [6, 18], "sample": 4, "kind": "fim_insert", "changed": True,
         "proposed": "if not key:\n            continue"}]})
    rules = [m.rule for m in fills_as_mutants(more, {"pkg/mod.py": SOURCE})]
    assert rules == ["cloze line 18: return dict(sorted(out.items(), key=itemgetter(0))) (+1 import)",
                     "cloze insert before line 17: if not key:\n            continue"]


def test_issue_comment_lines_are_capped():
    lines = issue_comment_lines("a\r\nb\n" + "c" * 5000, max_chars=100)
    assert lines[:2] == ["a", "b"] and sum(len(x) for x in lines) <= 100


def _check():
    from agent.schema import TestCase
    return TestCase(id="i000", sample=0, path="test_swe_agent_issue.py", kept=True, origin="issue", check_kind="equals",
                    content="from calc.ops import add\n\n\ndef test_issue():\n    assert add(2, 3) == 5\n",
                    command="python -m pytest -q test_swe_agent_issue.py")


def test_the_patch_stage_keeps_a_chat_fill_that_passes_the_issue_check_and_resumes_without_the_model(tmp_path):
    """Chat form (a model that is not a code model served raw), scripted with litellm's mock_response, in a
    local sandbox: the fill of `return a - b` passes the issue's check and becomes a candidate; a rerun reads
    the saved fills back and asks nothing."""
    from agent.config import load_config
    from agent.pipeline import stage_context
    from agent.progress import Progress
    from agent.repo_input import issue_from_text
    from agent.schema import Location
    from agent.stages.patch import generate_patches
    from agent.stages.patch_cloze import CLOZE
    from tests.support.pipeline import ISSUE, make_repo

    replies = ["```python\ndef add(a, b):\n```", "The line is:\n```python\n    return a + b\n```", "I do not know."]
    repo = make_repo(tmp_path)
    # The rerun's model would answer differently: the same record and candidate prove it was not asked.
    for mock in (replies, "```python\n    return a * b\n```"):
        cfg = load_config(None, [], **{"sandbox": "local", "workers": 1, "model.mock_response": mock,
                                       "patch.samples": 0, "patch.mutants": 0, "patch.cloze": 3})
        with stage_context(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, None, Progress(False)) as ctx:
            _, cands = generate_patches(ctx, [Location(file="calc/ops.py", symbol="add")], [_check()])
        record = ClozeRecord.model_validate_json((tmp_path / "run" / CLOZE).read_text())
        assert record.mode == "chat" and [(f.line, f.sample, f.changed) for f in record.fills] == \
            [(1, 0, False), (3, 0, True), (1, 1, False)]
        [cand] = cands
        assert "+    return a + b" in cand.diff and cand.samples == [] and cand.mutants


def test_the_cloze_search_is_skipped_when_a_sample_already_passes_the_checks():
    from agent.schema import PatchAttempt, PatchOutput, Trajectory
    from agent.stages.patch_cloze import samples_pass

    def traj(*outcomes):
        out = PatchOutput(attempts=[PatchAttempt(step=i, diff="d", checks=o) for i, o in enumerate(outcomes)])
        return Trajectory(stage="patch", sample=0, model="m", output=out.model_dump())

    failing, passing = {"i000": "fail", "i001": "pass"}, {"i000": "pass", "i001": "pass"}
    assert samples_pass([traj(failing), traj(failing, passing)], ["i000", "i001"])
    assert not samples_pass([traj(failing), traj()], ["i000", "i001"])
    assert not samples_pass([traj(passing)], [])            # no checks: nothing says a sample is right


def test_a_killed_cloze_search_resumes_after_the_fills_it_saved(tmp_path):
    """The record is saved after every fill: a run killed after the first fill asks only the rest."""
    from agent.config import load_config
    from agent.pipeline import stage_context
    from agent.progress import Progress
    from agent.repo_input import issue_from_text
    from agent.schema import Location
    from agent.stages.patch import generate_patches
    from agent.stages.patch_cloze import CLOZE
    from tests.support.pipeline import ISSUE, make_repo

    repo = make_repo(tmp_path)
    killed = ClozeRecord(mode="chat", holes=2, done=False, fills=[
        {"path": "calc/ops.py", "line": 1, "function": [1, 3], "sample": 0, "kind": "chat", "reply": "x"}])
    (tmp_path / "run" / "03_patches").mkdir(parents=True)
    (tmp_path / "run" / CLOZE).write_text(killed.model_dump_json())
    # Had the saved fill been asked again, it would take the fix and line 3 would get "I do not know."
    cfg = load_config(None, [], **{"sandbox": "local", "workers": 1, "patch.samples": 0, "patch.mutants": 0,
                                   "patch.cloze": 2, "model.mock_response": ["```python\n    return a + b\n```",
                                                                             "I do not know."]})
    with stage_context(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, None, Progress(False)) as ctx:
        _, cands = generate_patches(ctx, [Location(file="calc/ops.py", symbol="add")], [_check()])
    record = ClozeRecord.model_validate_json((tmp_path / "run" / CLOZE).read_text())
    assert record.done and [(f.line, f.reply[:1]) for f in record.fills] == [(1, "x"), (3, "`")]
    [cand] = cands
    assert "+    return a + b" in cand.diff


def test_fills_a_model_outage_failed_before_the_run_stopped_are_asked_again_on_resume(tmp_path):
    """The run stopped (the model failed call after call) right after a fill whose call failed: that fill is at
    the record's tail with its error; the resume asks it again instead of keeping the failure."""
    from agent.config import load_config
    from agent.pipeline import stage_context
    from agent.progress import Progress
    from agent.repo_input import issue_from_text
    from agent.schema import Location
    from agent.stages.patch import generate_patches
    from agent.stages.patch_cloze import CLOZE
    from tests.support.pipeline import ISSUE, make_repo

    repo = make_repo(tmp_path)
    stopped = ClozeRecord(mode="chat", holes=2, done=False, fills=[
        {"path": "calc/ops.py", "line": 1, "function": [1, 3], "sample": 0, "kind": "chat", "reply": "x"},
        {"path": "calc/ops.py", "line": 3, "function": [1, 3], "sample": 0, "kind": "chat",
         "error": "model call to openai/mock failed 5 times"}])
    (tmp_path / "run" / "03_patches").mkdir(parents=True)
    (tmp_path / "run" / CLOZE).write_text(stopped.model_dump_json())
    cfg = load_config(None, [], **{"sandbox": "local", "workers": 1, "patch.samples": 0, "patch.mutants": 0,
                                   "patch.cloze": 2, "model.mock_response": ["```python\n    return a + b\n```"]})
    with stage_context(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, None, Progress(False)) as ctx:
        _, cands = generate_patches(ctx, [Location(file="calc/ops.py", symbol="add")], [_check()])
    record = ClozeRecord.model_validate_json((tmp_path / "run" / CLOZE).read_text())
    assert record.done and [(f.line, f.error) for f in record.fills] == [(1, ""), (3, "")]
    [cand] = cands
    assert "+    return a + b" in cand.diff


def test_insertion_points_are_before_each_statement_of_the_body():
    points = insert_points("pkg/mod.py", SOURCE, function_span(SOURCE, "parse"))
    # Not before the docstring (line 7) or the `def`; not before a line holding two statements (12).
    assert [(h.line, h.indent) for h in points] == [(8, "    "), (9, "    "), (10, "        "), (11, "            "),
                                                    (13, "        "), (14, "        "), (16, "        "),
                                                    (17, "        "), (18, "    ")]
    assert all(h.insert and h.text == "" for h in points)


def test_an_insertion_is_a_statement_or_a_guard_never_a_copy_or_a_bare_jump():
    [h] = [p for p in insert_points("pkg/mod.py", SOURCE, function_span(SOURCE, "parse")) if p.line == 14]
    assert fill_insert("if not value:", h, SOURCE) is None                               # a header without its body
    guard = fill_insert("if not value:\n            continue\n        total = 0", h, SOURCE)
    assert guard == "if not value:\n            continue"
    assert fill_insert("if not value:\n        continue", h, SOURCE) is None             # the body is not inside
    assert fill_insert("key, value = line.split(sep)", h, SOURCE) is None                # the line before, again
    assert fill_insert("return out", h, SOURCE) is None and fill_insert("# note", h, SOURCE) is None
    assert fill_insert("value = value.strip()", h, SOURCE) == "value = value.strip()"
    out = filled(SOURCE, h, guard).split("\n")
    assert out[12:16] == ['        key, value = line.split(sep)', "        if not value:", "            continue",
                          "        total = (len(key) +"]


def test_the_fim_prompt_of_an_insertion_keeps_the_line_it_goes_before():
    [h] = [p for p in insert_points("pkg/mod.py", SOURCE, function_span(SOURCE, "parse")) if p.line == 14]
    prompt = fim_prompt("<P>{prefix}<S>{suffix}<M>", SOURCE, h, "# issue\n", hint=True)
    assert prompt.split("<S>")[0].endswith("key, value = line.split(sep)\n        ")
    assert prompt.split("<S>")[1].startswith("\n        total = (len(key) +") and "suspect" not in prompt


def test_a_missing_guard_is_inserted_by_fill_in_the_middle_and_kept(tmp_path):
    """A code model served raw (a real HTTP server on 127.0.0.1): the insertion round (the last) asks for a
    new statement before each reached line; the guard before `out += x` passes the issue's check in a local
    sandbox and becomes the candidate. Replace fills answer nothing usable here."""
    from agent.config import load_config
    from agent.pipeline import stage_context
    from agent.progress import Progress
    from agent.repo_input import issue_from_text
    from agent.schema import Location
    from agent.stages.patch import generate_patches
    from agent.stages.patch_cloze import CLOZE
    from tests.support.openai_server import ScriptedOpenAI
    from tests.support.pipeline import total_repo

    repo, check = total_repo(tmp_path)
    asked = []

    def respond(messages):
        prompt = messages[0]["content"]
        if "<|fim_prefix|>" not in prompt:
            return "I do not know."
        suffix = prompt.split("<|fim_suffix|>")[1]
        asked.append(suffix.split("\n")[1].strip())
        if suffix.startswith("\n        out += x"):              # the point before `out += x`
            return "if x is None:\n            continue\n        out += x"
        return "#"

    with ScriptedOpenAI(respond) as server:
        cfg = load_config(None, [], **{"sandbox": "local", "workers": 1, "model.name": "openai/qwen2.5-coder-scripted",
                                       "model.api_base": server.api_base, "patch.samples": 0, "patch.mutants": 0,
                                       "patch.cloze": 19})     # 4 reached holes x 4 rounds, then 3 insertions
        issue = issue_from_text("total() fails on None\n\n`total([1, None, 2])` raises TypeError, expected 3.")
        with stage_context(issue, repo, tmp_path / "run", cfg, None, Progress(False)) as ctx:
            _, cands = generate_patches(ctx, [Location(file="calc/ops.py", symbol="total")], [check])
    record = ClozeRecord.model_validate_json((tmp_path / "run" / CLOZE).read_text())
    inserts = [f for f in record.fills if f.kind == "fim_insert"]
    # Not before `return out` (line 9): the check raises before it, so nothing put there can run.
    assert [f.line for f in inserts] == [6, 7, 8] and [f.changed for f in inserts] == [False, False, True]
    assert any(b.get("stop") == ["\n\n"] for b in server.bodies)
    [cand] = cands
    assert "+        if x is None:\n+            continue" in cand.diff and cand.mutants == [
        "cloze insert before line 8: if x is None:\n            continue"]
