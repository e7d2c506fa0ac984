#!/usr/bin/env python
"""How many dev-set issues yield checks from their own text, and are those checks right?

    python scripts/bench_issue_checks.py --split train
    python scripts/bench_issue_checks.py --split test --examples colors,booking

Per example: the checks agent/issue_checks.py reads from issue.md (no model), each rendered as the test
stage renders it and run with this interpreter's pytest on the bundled repository (kept = fails for the
issue's reason) and on the reference fix (right = passes there). A kept check that fails on the fix
would veto a right patch. Baseline: "no checks" (what the pipeline has without the issue's text).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.examples import EXAMPLES_DIR  # noqa: E402
from agent.examples.split import split_of  # noqa: E402
from agent.issue_checks import extract_checks  # noqa: E402
from agent.issue_names import with_imports  # noqa: E402
from agent.issue_render import reproduced_reason, render_check_test  # noqa: E402
from agent.repomap import build_repo_map  # noqa: E402
from agent.stages.testgen import definitions  # noqa: E402


def _run(folder: Path, content: str) -> subprocess.CompletedProcess:
    (folder / "test_swe_agent_issue.py").write_text(content)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_swe_agent_issue.py"],
                          cwd=folder, capture_output=True, text=True, timeout=120)


def judge(example: str, work: Path) -> tuple[int, int, int]:
    """(checks, kept, kept and right) for one example."""
    src = EXAMPLES_DIR / example
    checks = extract_checks((src / "issue.md").read_text())
    bug, fix = work / f"{example}-bug", work / f"{example}-fix"
    shutil.copytree(src / "repo", bug)
    shutil.copytree(src / "repo", fix)
    shutil.copytree(src / "solution", fix, dirs_exist_ok=True)
    defs = definitions(build_repo_map(bug))
    kept = right = 0
    for check in checks:
        content = render_check_test([with_imports(check, defs)])
        res = _run(bug, content)
        if reproduced_reason("fail" if res.returncode == 1 else "other", res.stdout) is None:
            kept += 1
            right += _run(fix, content).returncode == 0
    return len(checks), kept, right


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--split", choices=["train", "test", "all"], default="train")
    p.add_argument("--examples", default="", help="comma-separated names (default: every example of the split)")
    args = p.parse_args(argv)
    names = [n for n in args.examples.split(",") if n] or sorted(
        d.name for d in EXAMPLES_DIR.iterdir() if (d / "issue.md").exists()
        and (args.split == "all" or split_of(d.name) == args.split))
    rows, with_checks, wrong = [], 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            n, kept, right = judge(name, Path(tmp))
            rows.append(f"| {name} | {n} | {kept} | {right} |")
            with_checks += kept > 0
            wrong += kept - right
    print("| example | checks read | kept (fail on the bug) | right (pass on the fix) |\n|---|---:|---:|---:|")
    print("\n".join(rows))
    print(f"\n{args.split}: {with_checks}/{len(names)} examples with a kept check "
          f"(baseline without the issue's text: 0/{len(names)}); kept checks that veto the reference fix: {wrong}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
