#!/usr/bin/env python
"""Check that every bundled example is a fair benchmark instance (host Python, no Docker, no model).

    python scripts/check_examples.py                  # all examples
    python scripts/check_examples.py calc tags        # some of them
    python scripts/check_examples.py --jobs 2         # in parallel

Per example, in a temporary directory:
  1. the issue has a title and a fenced block (what the pipeline's issue reader expects);
  2. the repository's own tests PASS on the buggy code (its suite misses the bug);
  3. the hidden test FAILS on the buggy code (with assertion failures, not collection errors);
  4. with solution/ copied over (every file must replace an existing module), own + hidden tests PASS;
  5. the project's judge agrees: check_hidden(repo, example, solution_diff(example)) is True and an
     empty diff is not accepted.
Prints one line per example and exits 1 if any check failed.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # runnable from a checkout without install

from agent.examples import check_hidden, list_examples, materialize, solution_diff  # noqa: E402
from agent.examples.hidden_check import HIDDEN_NAME  # noqa: E402
from agent.repo_input import issue_from_file  # noqa: E402


@dataclass
class Report:
    name: str
    package_lines: int = 0
    modules: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def pytest(cwd: Path, *args: str, timeout: float = 120) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=cwd,
                              env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, "timeout"
    return proc.returncode, proc.stdout + proc.stderr


def _tail(out: str, lines: int = 15) -> str:
    return "\n      ".join(out.strip().splitlines()[-lines:])


def check(name: str) -> Report:
    report = Report(name)
    with tempfile.TemporaryDirectory(prefix=f"check-{name}-") as tmp:
        tmp = Path(tmp)
        ex = materialize(name, tmp / "example")
        sources = [p for p in ex.repo.rglob("*.py") if "tests" not in p.relative_to(ex.repo).parts]
        report.modules = sum(1 for p in sources if p.name != "__init__.py")
        report.package_lines = sum(len(p.read_text().splitlines()) for p in sources)

        issue = issue_from_file(ex.issue)
        if not issue.title or "```" not in ex.issue.read_text():
            report.problems.append("issue needs a '# title' line and a fenced block")

        bug = tmp / "bug"
        shutil.copytree(ex.repo, bug, ignore=shutil.ignore_patterns(".git"))
        shutil.copy(ex.hidden_test, bug / HIDDEN_NAME)
        code, out = pytest(bug, "tests")
        if code != 0:
            report.problems.append(f"own tests must pass on the bug (exit {code}):\n      {_tail(out)}")
        code, out = pytest(bug, HIDDEN_NAME)
        if code != 1 or " failed" not in out:
            report.problems.append(f"hidden test must FAIL on the bug (exit {code}):\n      {_tail(out)}")

        fixed = tmp / "fixed"
        shutil.copytree(bug, fixed)
        solution_files = [f for f in ex.solution.rglob("*.py") if "__pycache__" not in f.parts]
        if not solution_files:
            report.problems.append("solution/ is empty")
        for f in solution_files:
            rel = f.relative_to(ex.solution)
            if not (ex.repo / rel).is_file():
                report.problems.append(f"solution/{rel} does not replace a module of repo/")
            shutil.copy(f, fixed / rel)
        code, out = pytest(fixed, "tests", HIDDEN_NAME)
        if code != 0:
            report.problems.append(f"own + hidden tests must pass on the solution (exit {code}):\n      {_tail(out)}")

        diff = solution_diff(ex)
        if not check_hidden(ex.repo, ex, diff):
            report.problems.append("judge: check_hidden rejects the solution diff")
        if check_hidden(ex.repo, ex, ""):
            report.problems.append("judge: an empty diff was accepted")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="examples to check (default: all)")
    parser.add_argument("--jobs", type=int, default=1, help="examples checked in parallel")
    args = parser.parse_args(argv)
    names = args.names or list_examples()
    unknown = sorted(set(names) - set(list_examples()))
    if unknown:
        parser.error(f"no such example(s): {', '.join(unknown)}")

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        reports = list(pool.map(check, names))
    for r in reports:
        print(f"{'ok  ' if r.ok else 'FAIL'} {r.name:<14} {r.modules} module(s), {r.package_lines:>3} package lines")
        for problem in r.problems:
            print(f"    - {problem}")
    failed = [r.name for r in reports if not r.ok]
    print(f"\n{len(reports) - len(failed)}/{len(reports)} examples pass every check"
          + (f"; failing: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
