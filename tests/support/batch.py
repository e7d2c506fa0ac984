"""A tiny local "SWE-bench" for batch tests: real git repositories with a real bug, a hidden test
patch, and a scripted model server whose answers depend on which instance is asking."""
from __future__ import annotations

import json
import re
from pathlib import Path

import git

from tests.support.pipeline import GOOD, GOOD_TEST, ISSUE, WRONG, Script, make_repo

HIDDEN_TEST = "from calc.ops import add\n\n\ndef test_hidden():\n    assert add(2, 3) == 5\n    assert add(-1, 1) == 0\n"
MARK = re.compile(r"\[instance (inst-\w+)\]")

# inst-a and inst-c get a right and a wrong patch (the right one is chosen); inst-b only ever gets
# the wrong one, so it abstains and no candidate resolves it.
PLANS = {"inst-a": (GOOD, WRONG), "inst-b": (WRONG,), "inst-c": (WRONG, GOOD)}

# Per instance: fast settings (the pipeline's own behaviour is tested in integration/test_pipeline.py).
FAST = ["-c", "patch.samples=2", "-c", "test.samples=1", "-c", "reward.samples=1", "-c", "workers=1",
        "-c", "early_stop=false", "-c", "use_selection_trajectory=false", "-c", "exec_timeout_s=60",
        # the scripted answers are SEARCH/REPLACE blocks; revisions and escalation have their own tests
        "-c", "patch.edit_format=search_replace", "-c", "patch.max_revisions=0", "-c", "escalate.rounds=0",
        "-c", "patch.mutants=0"]


def hidden_test_patch(repo: Path) -> str:
    r = git.Repo(repo)
    (repo / "tests" / "test_hidden.py").write_text(HIDDEN_TEST)
    r.git.add("tests/test_hidden.py")
    diff = r.git.diff("--cached") + "\n"
    r.git.reset("-q", "HEAD", "tests/test_hidden.py")
    (repo / "tests" / "test_hidden.py").unlink()
    return diff


def make_dataset(root: Path, ids=tuple(PLANS)) -> Path:
    """dataset.jsonl next to one repository that every instance shares (as SWE-bench instances of one
    project do: one repository image serves them all); repo_path is relative to the file."""
    rows = []
    repo = make_repo(root)
    hidden = hidden_test_patch(repo)
    for iid in ids:
        rows.append({
            "instance_id": iid, "repo": "local/calc", "version": "0",
            "repo_path": str(repo.relative_to(root)),
            "base_commit": git.Repo(repo).head.commit.hexsha,
            "problem_statement": f"{ISSUE}\nSeen in production [instance {iid}].\n",
            "test_patch": hidden,
            "FAIL_TO_PASS": json.dumps(["tests/test_hidden.py::test_hidden"]),
            "PASS_TO_PASS": json.dumps(["tests/test_ops.py::test_mul"]),
        })
    path = root / "dataset.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


class Router:
    """One Script per instance, chosen by the marker the issue text carries into every prompt."""

    def __init__(self):
        self.scripts = {iid: Script(patches=plan, tests=(GOOD_TEST,),
                                    judge=lambda d: "Score: 8/10" if "a + b" in d else "Score: 1/10")
                        for iid, plan in PLANS.items()}

    def __call__(self, messages: list[dict]) -> str:
        found = MARK.search(" ".join(str(m.get("content", "")) for m in messages))
        return self.scripts[found.group(1)](messages)


def requests_for(server, iid: str) -> int:
    return sum(1 for msgs in server.requests if f"[instance {iid}]" in " ".join(str(m.get("content")) for m in msgs))
