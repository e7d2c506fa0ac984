"""Which lines the issue's checks reach (agent/reach.py): the tracer run for real on a small project, the
decision as pure functions, and the cloze search asking only for reached holes (a real git repository, a
local sandbox, litellm's mock_response)."""
from __future__ import annotations

import subprocess
import sys

from agent.reach import parse_trace, reachable, reached_lines, trace_command

MOD = '''def sign(x):
    if x > 0:
        return 1
    if x == 0:
        return 0
    return 1


def unused():
    return 42
'''
CHECK = "from pkg.mod import sign\n\n\ndef test_negative():\n    assert sign(-5) == -1\n"


def _trace(tmp_path, check=CHECK):
    (tmp_path / "pkg").mkdir(exist_ok=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text(MOD)
    (tmp_path / "test_issue.py").write_text(check)
    cmd = trace_command(["pkg/mod.py"], "test_issue.py").replace("python", sys.executable, 1)
    out = subprocess.run(cmd, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    return parse_trace(out.stdout + out.stderr)


def test_the_tracer_reports_the_lines_a_failing_check_executes(tmp_path):
    code, lines = _trace(tmp_path)
    assert code == 1                                            # the check fails on the original
    got = lines["pkg/mod.py"]
    assert {1, 2, 4, 6, 9} <= got                               # defs at import, the path taken by sign(-5)
    assert not {3, 5, 10} & got                                 # the branches not taken, unused()'s body
    passing = "from pkg.mod import sign\n\n\ndef test_positive():\n    assert sign(5) == 1\n"
    code, lines = _trace(tmp_path, passing)
    assert code == 0 and 3 in lines["pkg/mod.py"]


def test_trace_output_that_did_not_finish_is_no_trace():
    assert parse_trace("") is None
    assert parse_trace("Killed") is None
    assert parse_trace("@@swe-agent-reach@@{not json") is None
    assert parse_trace('noise\n@@swe-agent-reach@@{"exit": 1, "lines": {"a.py": [3, 1]}}\n') == (1, {"a.py": {1, 3}})


SPANS = [("pkg/mod.py", (1, 6)), ("pkg/mod.py", (9, 10))]


def test_every_failing_check_must_reach_a_line():
    a = (1, {"pkg/mod.py": {1, 2, 4, 6, 9}})
    b = (1, {"pkg/mod.py": {1, 2, 3, 9}})
    assert reached_lines([a, b], SPANS) == {"pkg/mod.py": {1, 2, 9}}


def test_traces_that_say_nothing_reliable_are_left_out():
    failing = (1, {"pkg/mod.py": {1, 2, 4, 6, 9}})
    passing = (0, {"pkg/mod.py": {1, 2, 3, 9}})                 # constrains nothing
    elsewhere = (1, {"pkg/mod.py": {1, 9}})                     # import only: the code ran out of process
    assert reached_lines([failing, passing, elsewhere, None], SPANS) == {"pkg/mod.py": {1, 2, 4, 6, 9}}
    assert reached_lines([passing, elsewhere, None], SPANS) is None
    assert reached_lines([], SPANS) is None


def test_a_def_line_counts_as_reached_when_its_body_runs():
    reached = {"pkg/mod.py": {1, 2, 4, 6, 9}}
    assert reachable("pkg/mod.py", 1, (1, 6), reached)          # defaults and parameters shape the call
    assert not reachable("pkg/mod.py", 9, (9, 10), reached)     # executed at import, but never called
    assert reachable("pkg/mod.py", 4, (1, 6), reached) and not reachable("pkg/mod.py", 3, (1, 6), reached)
    assert not reachable("other.py", 4, (1, 6), reached)
    assert reachable("pkg/mod.py", 3, (1, 6), None)             # no usable trace: every line


def test_the_cloze_search_asks_only_for_the_lines_the_check_reaches(tmp_path):
    """`return b` (line 3) is never executed by the failing check add(2, 3) == 5: no fill is asked for it."""
    from agent.config import load_config
    from agent.pipeline import stage_context
    from agent.progress import Progress
    from agent.repo_input import issue_from_text
    from agent.runfolder import MUTANTS
    from agent.schema import Location, TestCase
    from agent.stages.patch import generate_patches
    from agent.stages.patch_cloze import CLOZE, ClozeRecord
    from agent.stages.patch_mutants import MutationRecord
    from tests.support.pipeline import ISSUE, make_repo

    ops = "def add(a, b):\n    if a is None:\n        return b\n    return a - b\n"
    repo = make_repo(tmp_path, ops=ops, test_ops="from calc.ops import add\n\n\ndef test_none():\n    assert add(None, 2) == 2\n")
    check = TestCase(id="i000", sample=0, path="test_swe_agent_issue.py", kept=True, origin="issue", check_kind="equals",
                     content="from calc.ops import add\n\n\ndef test_issue():\n    assert add(2, 3) == 5\n",
                     command="python -m pytest -q test_swe_agent_issue.py")
    replies = ["```python\ndef add(a, b):\n```", "```python\n    if a is None:\n```", "```python\n    return a + b\n```"]
    cfg = load_config(None, [], **{"sandbox": "local", "workers": 1, "model.mock_response": replies,
                                   "patch.samples": 0, "patch.mutants": 0, "patch.cloze": 3})
    with stage_context(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, None, Progress(False)) as ctx:
        _, cands = generate_patches(ctx, [Location(file="calc/ops.py", symbol="add")], [check])
    record = ClozeRecord.model_validate_json((tmp_path / "run" / CLOZE).read_text())
    assert record.holes == 4 and record.asked == ["calc/ops.py:1", "calc/ops.py:2", "calc/ops.py:4"]
    assert [f.line for f in record.fills] == [1, 2, 4]
    mutants = MutationRecord.model_validate_json((tmp_path / "run" / MUTANTS).read_text())
    assert 3 not in mutants.reach["calc/ops.py"] and {2, 4} <= set(mutants.reach["calc/ops.py"])
    [cand] = cands
    assert "+    return a + b" in cand.diff
