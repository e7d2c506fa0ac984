"""Exiting early (os._exit(0) in a conftest.py or the package) never makes a failing test pass, in a
real Docker sandbox (the flags and JUnit counts alone: unit/test_tamper.py)."""
from __future__ import annotations

from contextlib import ExitStack
from types import SimpleNamespace

import git
import pytest

from agent.schema import Candidate, TestCase
from tests.support.diffs import FIX, change, new_file


@pytest.mark.docker
def test_exiting_early_does_not_make_a_failing_test_pass(docker_client, tmp_path):
    from agent.config import load_config
    from agent.sandboxes import sandbox_factory
    from agent.stages.execute import _run_cell
    from tests.support.pipeline import make_repo

    repo = make_repo(tmp_path)
    commit = git.Repo(repo).head.commit.hexsha
    test = TestCase(id="t000", sample=0, path="test_swe_agent_repro_000.py", kept=True,
                    content="from calc.ops import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
                    command="python -m pytest -x -q --tb=short -p no:cacheprovider test_swe_agent_repro_000.py")
    exit_early = ["import os", "os._exit(0)"]
    candidates = {
        "fix": FIX,
        "conftest": new_file("conftest.py", *exit_early),                 # flagged as tampering
        "package": change("calc/__init__.py", "", "import os; os._exit(0)").replace("-\n", ""),  # not a test file
    }
    cfg = load_config(None, [], exec_timeout_s=60)
    with ExitStack() as stack:
        ctx = SimpleNamespace(config=cfg, new_sandbox=sandbox_factory(cfg, repo, commit, run_id="pytest-tamper",
                                                                      stack=stack))
        cells = {name: _run_cell(ctx, Candidate(id=name, diff=diff, key=name, samples=[0], files=[]), test,
                                 test.command, test.id)
                 for name, diff in candidates.items()}
        original = _run_cell(ctx, None, test, test.command, test.id)
    assert original.outcome == "fail" and original.junit and original.junit["failures"] == 1
    assert cells["fix"].outcome == "pass", cells["fix"].output_tail
    assert cells["fix"].junit == {"tests": 1, "failures": 0, "errors": 0, "skipped": 0}
    for name in ("conftest", "package"):
        cell = cells[name]
        assert cell.outcome not in ("pass", "apply_failed"), (name, cell.output_tail)
        assert cell.junit is None                 # pytest exited 0 before writing any report
    assert cells["conftest"].tampered == ["conftest.py"] and cells["package"].tampered == []
