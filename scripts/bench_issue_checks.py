#!/usr/bin/env python
"""How often real issues state something the issue parser can check (agent/issue_checks.py), per repository.

    python scripts/bench_issue_checks.py                       # SWE-bench Verified (../shared/data/swebench)
    python scripts/bench_issue_checks.py --dataset rows.jsonl.gz --show 5

No model, no sandbox: the checks are only extracted, not run (a check is kept in a run only if it also fails
on the original code). "value" checks state an expected value or exception; "error gone" checks only say a
shown traceback must disappear; "values for a model call" are stated values no shown call could be tied to
(`test.value_calls` asks the model for the call).
"""
from __future__ import annotations

import argparse
import collections
import gzip
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.issue_checks import checks_needing_call, extract_checks  # noqa: E402

VERIFIED = Path("/work/shared/data/swebench/swebench_verified.jsonl.gz")


def rows_of(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", type=Path, default=VERIFIED, help="SWE-bench-format rows (.jsonl or .jsonl.gz)")
    p.add_argument("--show", type=int, default=0, help="print the checks of this many instances that have any")
    args = p.parse_args(argv)
    per: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    shown = 0
    for row in rows_of(args.dataset):
        text = row.get("problem_statement") or ""
        checks = extract_checks(text)
        c = per[row.get("repo", "?")]
        c["instances"] += 1
        c["any"] += bool(checks)
        c["value"] += any(k.kind != "not_raises" for k in checks)
        c["error_gone"] += bool(checks) and all(k.kind == "not_raises" for k in checks)
        c["model_call"] += bool(checks_needing_call(text))
        if checks and shown < args.show:
            shown += 1
            print(row["instance_id"], [(k.kind, k.call, k.expected or k.raised) for k in checks], file=sys.stderr)
    total = sum(per.values(), collections.Counter())
    print("| repository | instances | any check | value check | error gone only | values for a model call |")
    print("|---|---:|---:|---:|---:|---:|")
    for repo, c in sorted(per.items()) + [("all", total)]:
        print(f"| {repo} | {c['instances']} | {c['any']} | {c['value']} | {c['error_gone']} | {c['model_call']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
