"""scripts/bench_judge.py end to end on one dev-set example: the labelled set (reference fix + near
misses, labelled by the hidden test on the host), both judges through the reward stage against a
scripted OpenAI-compatible server on 127.0.0.1, the AUC table, and a rerun that asks nothing again."""
from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

from agent.examples import materialize
from agent.examples.judge_set import function_spans, labelled_candidates, touched_lines
from tests.support.openai_server import ScriptedOpenAI

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_judge.py"
FIX = "(total_items + per_page - 1) // per_page"


def test_touched_lines_and_their_functions():
    diff = ("diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -3,3 +3,3 @@ def f():\n     a = 1\n"
            "-    return a\n+    return a + 1\n \n")
    assert touched_lines(diff) == {"m.py": [4, 5]}
    source = "import os\n\ndef f():\n    a = 1\n    return a\n\n\ndef g():\n    pass\n"
    assert function_spans(source, [4, 5, 1]) == [(3, 5)]


def test_near_misses_edit_the_buggy_line_and_fail_the_hidden_test(tmp_path):
    got = labelled_candidates(materialize("paginate", tmp_path / "paginate"))
    assert [(i, ok) for i, _, ok in got] == [("ref", True), ("m0", False), ("m1", False)]
    assert all("-    return total_items // per_page + 1" in d for _, d, _ in got)


def test_bench_judge_compares_both_judges_and_resumes(tmp_path):
    def respond(messages):
        right = FIX in messages[-1]["content"]
        if "Yes or No" in messages[-1]["content"]:
            return ("Yes", {"Yes": math.log(0.9), "No": math.log(0.1)}) if right else \
                   ("No", {"Yes": math.log(0.3), "No": math.log(0.7)})
        return "Looks right.\nScore: 9/10" if right else "Score: 9/10"     # the long judge cannot tell

    cmd = [sys.executable, str(SCRIPT), "--out", str(tmp_path / "out"), "--examples", "paginate",
           "--model", "openai/judge"]
    with ScriptedOpenAI(respond) as server:
        run = subprocess.run(cmd + ["--api-base", server.api_base], capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        assert len(server.requests) == 6          # 3 candidates x 2 judges
        assert "| llm_judge | 3 (1) | 3 | 0.50 | 0.50 |" in run.stdout
        assert "| yes_no | 3 (1) | 3 | 1.00 | 1.00 |" in run.stdout
        again = subprocess.run(cmd + ["--api-base", server.api_base], capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr
        assert len(server.requests) == 6 and "| yes_no | 3 (1) | 3 | 1.00 | 1.00 |" in again.stdout
