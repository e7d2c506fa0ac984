"""Are the checks read from a dev-set issue right? (pure of models and Docker: this interpreter's pytest)

Each check agent/issue_checks.py reads from an example's issue.md is rendered as the test stage renders
it and run on the example's repository (kept = fails for the issue's reason) and on its reference fix
(right = passes there). A kept check that fails on the fix would veto a right patch."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from agent.examples import EXAMPLES_DIR
from agent.issue_checks import extract_checks
from agent.issue_names import with_imports
from agent.stdlib_imports import stdlib_import
from agent.issue_render import render_check_test, reproduced_reason
from agent.repomap import build_repo_map
from agent.stages.testgen import definitions, module_names


def run_pytest(folder: Path, content: str) -> subprocess.CompletedProcess:
    (folder / "test_issue.py").write_text(content)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_issue.py"],
                          cwd=folder, capture_output=True, text=True, timeout=120)


def check_verdicts(example: str, work: Path) -> list[tuple[bool, bool]]:
    """(kept on the original code, passes on the reference fix) for each check of a bundled example."""
    src = EXAMPLES_DIR / example
    bug, fix = work / f"{example}-bug", work / f"{example}-fix"
    shutil.copytree(src / "repo", bug)
    shutil.copytree(src / "repo", fix)
    shutil.copytree(src / "solution", fix, dirs_exist_ok=True)
    repo_map = build_repo_map(bug)
    defs, modules = definitions(repo_map), module_names(repo_map)
    out = []
    for check in extract_checks((src / "issue.md").read_text()):
        content = render_check_test([with_imports(check, defs, modules, stdlib_import)])
        res = run_pytest(bug, content)
        kept = reproduced_reason("fail" if res.returncode == 1 else "other", res.stdout) is None
        out.append((kept, run_pytest(fix, content).returncode == 0))
    return out
