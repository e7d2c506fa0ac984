"""Probe scripts run for real in a local interpreter: exceptions, recursion and endless loops are
observed behaviours (behaviour voting in the whole pipeline, Docker: integration/test_probe_docker.py)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from agent.behaviour import PROBE_FILE, Probe, parse_outputs, render_script, run_command
from agent.parsing import FormatError
from agent.repo_input import issue_from_text
from agent.stages.probe import issue_probes, parse_probe
from tests.support.pipeline import ISSUE, make_repo

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


def test_parse_probe_takes_statements_and_rejects_scripts_without_calls():
    reply = "Here:\n```python\nfrom calc.ops import add\nfor x in (1, 2):\n    print(repr(add(x, 1)))\n```"
    assert parse_probe(reply) == ["from calc.ops import add", "for x in (1, 2):\n    print(repr(add(x, 1)))"]
    for bad in ("no code at all", "```python\nx = 1\n```", "```python\ndef (:\n```"):
        with pytest.raises(FormatError):
            parse_probe(bad)


def test_issue_probes_come_from_the_issue_calls(tmp_path):
    class Ctx:     # only what issue_probes reads
        issue = issue_from_text(ISSUE)
        repo_path = make_repo(tmp_path)

        class run:
            @staticmethod
            def read_model_or_none(rel, model):
                return None

    probes = issue_probes(Ctx)
    assert [(p.id, p.origin, p.statements) for p in probes] == [("i000", "issue", ["import calc.ops", "calc.ops.add(2, 3)"])]
