#!/usr/bin/env python
"""How many dev-set issues yield checks from their own text, and are those checks right?

    python scripts/bench_issue_checks.py --split train
    python scripts/bench_issue_checks.py --split test --examples colors,booking
    python scripts/bench_issue_checks.py --dataset ../shared/data/swebench/swebench_verified.jsonl.gz

Per example: the checks agent/issue_checks.py reads from issue.md (no model), each rendered as the test
stage renders it and run with this interpreter's pytest on the bundled repository (kept = fails for the
issue's reason) and on the reference fix (right = passes there). A kept check that fails on the fix
would veto a right patch. Baseline: "no checks" (what the pipeline has without the issue's text).

With --dataset (SWE-bench-format rows, e.g. real issues): the checks are only extracted, not run, and
counted per repository: "value" checks state an expected value or exception, "error gone" checks only
say a shown traceback must disappear, "values for a model call" are stated values that no shown call
could be tied to (`test.value_calls` asks the model for the call).
"""
from __future__ import annotations

import argparse
import collections
import gzip
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.examples import EXAMPLES_DIR  # noqa: E402
from agent.examples.check_verdicts import check_verdicts  # noqa: E402
from agent.examples.split import split_of  # noqa: E402
from agent.issue_checks import checks_needing_call, extract_checks  # noqa: E402


def dataset_main(path: Path) -> int:
    """Checks extracted (not run) from every row's problem statement, counted per repository."""
    with (gzip.open if path.suffix == ".gz" else open)(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    per: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for row in rows:
        text = row.get("problem_statement") or ""
        checks = extract_checks(text)
        c = per[row.get("repo", "?")]
        c["instances"] += 1
        c["any"] += bool(checks)
        c["value"] += any(k.kind != "not_raises" for k in checks)
        c["error_gone"] += bool(checks) and all(k.kind == "not_raises" for k in checks)
        c["model_call"] += bool(checks_needing_call(text))
    total = sum(per.values(), collections.Counter())
    print("| repository | instances | any check | value check | error gone only | values for a model call |")
    print("|---|---:|---:|---:|---:|---:|")
    for repo, c in sorted(per.items()) + [("all", total)]:
        print(f"| {repo} | {c['instances']} | {c['any']} | {c['value']} | {c['error_gone']} | {c['model_call']} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--split", choices=["train", "test", "all"], default="train")
    p.add_argument("--examples", default="", help="comma-separated names (default: every example of the split)")
    p.add_argument("--dataset", type=Path, help="SWE-bench-format rows (.jsonl[.gz]): count the checks read, run none")
    args = p.parse_args(argv)
    if args.dataset:
        return dataset_main(args.dataset)
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
