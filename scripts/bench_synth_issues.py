#!/usr/bin/env python
"""Does today's synth issue writer give the solver better evidence than the issues shipped with the dev set?

    python scripts/bench_synth_issues.py --dataset agent/examples/synth/train.jsonl.gz --mirrors MIRRORS

Per row (SWE-bench format, pure-Python repositories: the synthesized dev set): its FAIL_TO_PASS tests are run with
this interpreter's pytest at the bug commit, and today's writer (`agent/synth/issue.py` describe + issue_text, with
the test module read as `synth` reads it) writes the report again from that log. Both reports — the shipped one (the
baseline: the writer of the day the set was made) and today's — go through the same reader: the issue checks of
agent/issue_checks.py, each run on the bug (kept = fails for the issue's reason) and on the gold fix (right = passes).
Also counted: snippets that parse as Python. MIRRORS: `swe-agent synth-mirrors agent/examples/synth -o MIRRORS`.
"""
from __future__ import annotations

import argparse
import ast
import gzip
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_issue_checks import _checkout  # noqa: E402

from agent.examples.check_verdicts import run_pytest  # noqa: E402
from agent.issue_checks import extract_checks  # noqa: E402
from agent.issue_names import with_imports  # noqa: E402
from agent.issue_render import render_check_test, reproduced_reason  # noqa: E402
from agent.repomap import build_repo_map  # noqa: E402
from agent.stages.testgen import definitions, module_names  # noqa: E402
from agent.stdlib_imports import stdlib_import  # noqa: E402
from agent.synth import issue  # noqa: E402


def parses(text: str) -> bool:
    m = re.search(r"```python\n(.*?)```", text, re.S)
    if not m:
        return False
    try:
        ast.parse(m.group(1))
        return True
    except SyntaxError:
        return False


def verdict(text: str, bug: Path, fix: Path, defs, modules) -> str:
    """right (a kept check passes on the fix) | kept-wrong | read (checks, none kept) | none."""
    checks = extract_checks(text)
    kept = right = 0
    for check in checks:
        content = render_check_test([with_imports(check, defs, modules, stdlib_import)])
        res = run_pytest(bug, content)
        k = reproduced_reason("fail" if res.returncode == 1 else "other", res.stdout) is None
        kept += k
        right += k and run_pytest(fix, content).returncode == 0
    return "right" if right else "kept-wrong" if kept else "read" if checks else "none"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", type=Path, required=True)
    p.add_argument("--mirrors", type=Path, required=True)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--show", action="store_true", help="print today's report of every row that changed")
    args = p.parse_args(argv)
    if not args.dataset.is_file():
        p.error(f"no dataset {args.dataset}")
    with gzip.open(args.dataset, "rt") if args.dataset.suffix == ".gz" else open(args.dataset) as f:
        rows = [json.loads(ln) for ln in f if ln.strip()][:args.limit or None]
    missing = sorted({r["repo"] for r in rows if not (args.mirrors / r["repo"].replace("/", "+")).is_dir()})
    if missing:
        p.error(f"no mirror of {', '.join(missing)} under {args.mirrors} "
                "(make them: swe-agent synth-mirrors agent/examples/synth -o MIRRORS)")
    table, totals = [], {arm: {"parses": 0, "right": 0, "kept-wrong": 0} for arm in ("shipped", "today")}
    with tempfile.TemporaryDirectory() as tmp:
        for i, row in enumerate(rows):
            mirror = args.mirrors / row["repo"].replace("/", "+")
            bug = _checkout(mirror, row["base_commit"], Path(tmp) / f"{i}-bug")
            fix = _checkout(mirror, row["base_commit"], Path(tmp) / f"{i}-fix", row["patch"])
            f2p = json.loads(row["FAIL_TO_PASS"])
            files = sorted({t.split("::")[0] for t in f2p})      # ids are cut at spaces (SWE-bench's lists)
            log = subprocess.run([sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", *files], cwd=bug,
                                 capture_output=True, text=True, timeout=600,
                                 env={"PYTHONPATH": str(bug), "PATH": "/usr/bin:/bin"}).stdout
            failure = issue.describe(f2p, log, read=lambda path: (bug / path).read_text())
            today = issue.issue_text(failure, row["repo"].split("/")[1], len(f2p))
            rm = build_repo_map(bug)
            defs, modules = definitions(rm), module_names(rm)
            got = {}
            for arm, text in (("shipped", row["problem_statement"]), ("today", today)):
                got[arm] = (parses(text), verdict(text, bug, fix, defs, modules))
                totals[arm]["parses"] += got[arm][0]
                totals[arm][got[arm][1]] = totals[arm].get(got[arm][1], 0) + 1
            table.append(f"| {row['instance_id']} | {row['synth']['kind']} | {got['shipped'][1]} | {got['today'][1]} "
                         f"| {'yes' if got['shipped'][0] else 'no'} → {'yes' if got['today'][0] else 'no'} |")
            if args.show and got["shipped"] != got["today"]:
                print(f"--- {row['instance_id']} (today's report)\n{today}", file=sys.stderr)
    n = len(rows)
    print("| report | rows | snippet parses | a kept check right | kept checks that veto the fix (rows) |")
    print("|---|---:|---:|---:|---:|")
    for arm, c in totals.items():
        print(f"| {arm} | {n} | {c['parses']} | {c['right']} | {c['kept-wrong']} |")
    print("\n| row | kind | shipped | today | snippet parses |\n|---|---|---|---|---|\n" + "\n".join(table))
    return 1 if totals["today"]["kept-wrong"] else 0


if __name__ == "__main__":
    sys.exit(main())
