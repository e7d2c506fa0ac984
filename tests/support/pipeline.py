"""A tiny real git repository with a real bug, and a scripted model that plays every stage."""
from __future__ import annotations

import itertools
import re
import subprocess
import sys
import threading
from pathlib import Path

import git

from agent.config import SolveConfig, load_config

OPS = '''def add(a, b):
    """Return the sum of a and b."""
    return a - b


def mul(a, b):
    return a * b
'''
TEST_OPS = '''from calc.ops import mul


def test_mul():
    assert mul(2, 3) == 6
'''
ISSUE = """add() returns the wrong result

`calc.ops.add(2, 3)` returns -1 but it should return 5.
"""
GOOD_TEST = "```python\nfrom calc.ops import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n```"
WEAK_TEST = "```python\nfrom calc.ops import add\n\n\ndef test_add_zero():\n    assert add(0, 0) == 0\n```"


def patch_reply(new_line: str) -> str:
    return ("calc/ops.py\n<<<<<<< SEARCH\n    return a - b\n=======\n" + new_line + "\n>>>>>>> REPLACE\n")


GOOD = patch_reply("    return a + b")
GOOD_VARIANT = patch_reply("    return a + b  # fixed: was a subtraction")
WRONG = patch_reply("    return a * b")
GARBAGE = "I am not sure what to do here."


def make_repo(root: Path, ops: str = OPS, test_ops: str = TEST_OPS) -> Path:
    """root/calc-repo: a committed package `calc` (ops.py) with its tests (tests/test_ops.py)."""
    repo_dir = root / "calc-repo"
    (repo_dir / "calc").mkdir(parents=True)
    (repo_dir / "tests").mkdir()
    (repo_dir / "calc" / "__init__.py").write_text("")
    (repo_dir / "calc" / "ops.py").write_text(ops)
    (repo_dir / "tests" / "test_ops.py").write_text(test_ops)
    return commit_tree(repo_dir)


def commit_tree(repo_dir: Path, files: dict[str, str] | None = None) -> Path:
    """Write `files` (relative path -> text) under repo_dir, then make it a git repository with one commit."""
    for rel, text in (files or {}).items():
        (repo_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo_dir / rel).write_text(text)
    repo = git.Repo.init(repo_dir)
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "test").set_value("user", "email", "test@example.com")
    repo.git.add(A=True)
    repo.index.commit("initial")
    return repo_dir


class Script:
    """Answers by stage (recognised from the system prompt); patch answers cycle in order."""

    def __init__(self, patches=(GOOD, GOOD_VARIANT, WRONG, GARBAGE), tests=(GOOD_TEST, WEAK_TEST),
                 localize="calc/ops.py:add", judge=None):
        self._patches = itertools.cycle(patches)
        self._tests = itertools.cycle(tests)
        self._lock = threading.Lock()
        self.localize = localize
        self.judge = judge or (lambda diff: "Score: 8/10" if "a + b" in diff else "Score: 2/10")

    def __call__(self, messages: list[dict]) -> str:
        system = messages[0]["content"]
        user = messages[1]["content"]
        with self._lock:
            if "find the code" in system:
                return self.localize
            if "fixes bugs" in system:
                first = len(messages) == 2 and "earlier answer" not in user    # not a fresh retry (retry_fresh)
                return next(self._patches) if first else GARBAGE
            if "reproduce bug reports" in system:
                return next(self._tests) if len(messages) == 2 else messages[-2]["content"]
            if "strict code reviewer" in system:
                return self.judge(user)
            if "choosing the best" in system:
                ids = re.findall(r"### (c[0-9a-f]+)", user)
                return f"ANSWER: {ids[0]}"
        return GARBAGE


def config(api_base: str, **over) -> SolveConfig:
    # One format, no revisions, no escalation: these tests count samples and candidates exactly
    # (revisions and escalation have their own tests in integration/test_patch_revisions.py).
    base = {"model.name": "openai/scripted", "model.api_base": api_base, "workers": 1, "exec_timeout_s": 30,
            "early_stop": False, "patch.edit_format": "search_replace", "patch.max_revisions": 0,
            "escalate.rounds": 0, "patch.mutants": 0, "patch.cloze": 0, "patch.pieces": 0}
    base.update(over)
    return load_config(None, [], **base)


def hidden_test_passes(repo: Path, diff: str, tmp_path: Path) -> bool:
    work = tmp_path / "judge"
    subprocess.run(["git", "clone", "-q", str(repo), str(work)], check=True)
    subprocess.run(["git", "apply", "-"], input=diff, text=True, cwd=work, check=True)
    test = "from calc.ops import add\n\ndef test_hidden():\n    assert add(2, 3) == 5\n    assert add(-1, 1) == 0\n"
    (work / "test_hidden.py").write_text(test)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "test_hidden.py"], cwd=work,
                          capture_output=True).returncode == 0


def total_repo(root: Path, docstring: str = ""):
    """A calc repository whose `total(items)` fails on None, and the issue's check for it (`total([1, None, 2]) == 3`):
    the shared fixture of the cloze and regeneration stage tests. Returns (repo, check)."""
    from agent.schema import TestCase
    doc = f'    """{docstring}"""\n' if docstring else ""
    ops = ("def add(a, b):\n    return a + b\n\n\ndef total(items):\n" + doc +
           "    out = 0\n    for x in items:\n        out += x\n    return out\n")
    repo = make_repo(root, ops=ops, test_ops="from calc.ops import total\n\n\ndef test_total():\n    assert total([1, 2]) == 3\n")
    check = TestCase(id="i000", sample=0, path="test_swe_agent_issue.py", kept=True, origin="issue", check_kind="equals",
                     content="from calc.ops import total\n\n\ndef test_issue():\n    assert total([1, None, 2]) == 3\n",
                     command="python -m pytest -q test_swe_agent_issue.py")
    return repo, check
