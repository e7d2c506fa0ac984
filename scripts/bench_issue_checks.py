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
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.examples import EXAMPLES_DIR  # noqa: E402
from agent.examples.check_verdicts import check_verdicts  # noqa: E402
from agent.examples.split import split_of  # noqa: E402


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
            verdicts = check_verdicts(name, Path(tmp))
            n, kept, right = len(verdicts), sum(k for k, _ in verdicts), sum(k and r for k, r in verdicts)
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
