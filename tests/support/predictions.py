"""One SWE-bench-format instance for `swe-agent select`: a real git repository and prediction files
of three systems (two submit the same wrong fix, one the right one)."""
from __future__ import annotations

import json
from pathlib import Path

import git

from tests.support.pipeline import make_repo

OPS = 'def add(a, b):\n    """Sum."""\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n'
TEST_OPS = "from calc.ops import add, mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n\n\ndef test_add_zero():\n    assert add(0, 0) == 0\n"
ISSUE = "add() returns the wrong result\n\n`calc.ops.add(2, 3)` returns -1 but it should return 5.\n"
HIDDEN = "from calc.ops import add\n\n\ndef test_hidden_secret_f2p():\n    assert add(2, 3) == 5\n"


def _diff(repo: Path, new_ops: str) -> str:
    (repo / "calc" / "ops.py").write_text(new_ops)
    diff = git.Repo(repo).git.diff() + "\n"
    git.Repo(repo).git.checkout("--", "calc/ops.py")
    return diff


def make_instance(root: Path) -> tuple[Path, list[Path], dict]:
    """A SWE-bench-format row, its repository, and prediction files of three systems: two submit the
    same wrong fix (it breaks mul; their diffs differ only in whitespace), one the right fix."""
    repo = make_repo(root, ops=OPS, test_ops=TEST_OPS)
    r = git.Repo(repo)
    right = _diff(repo, OPS.replace("a - b", "a + b"))
    wrong = _diff(repo, OPS.replace("a - b", "a + b").replace("a * b", "a + b"))
    wrong2 = _diff(repo, OPS.replace("a - b", "a + b").replace("return a * b", "return a  +  b"))
    hidden = ("diff --git a/tests/test_hidden.py b/tests/test_hidden.py\nnew file mode 100644\n--- /dev/null\n"
              "+++ b/tests/test_hidden.py\n@@ -0,0 +1,5 @@\n" + "".join("+" + ln + "\n" for ln in HIDDEN.splitlines()))
    row = {"instance_id": "local__calc-1", "repo": "local/calc", "version": "0", "repo_path": str(repo),
           "base_commit": r.head.commit.hexsha, "problem_statement": ISSUE, "test_patch": hidden,
           "patch": right, "FAIL_TO_PASS": json.dumps(["tests/test_hidden.py::test_hidden_secret_f2p"]),
           "PASS_TO_PASS": json.dumps(["tests/test_ops.py::test_mul_secret_p2p"])}
    files = []
    for name, diff in (("sys-a", wrong), ("sys-b", wrong2), ("sys-c", right)):
        f = root / f"{name}.jsonl"
        f.write_text(json.dumps({"instance_id": row["instance_id"], "model_name_or_path": name,
                                 "model_patch": diff}) + "\n")
        files.append(f)
    return repo, files, row
