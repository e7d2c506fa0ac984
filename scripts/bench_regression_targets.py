#!/usr/bin/env python
"""Which of the repository's own tests does stage 4 run? `regression_targets` against SWE-bench's choice.

For every SWE-bench instance whose repository has a local mirror: the files the gold patch touches are the
"touched" modules, the repository's `*test*.py` files at the base commit are the listing (as stage 4 lists
them in the sandbox: the test patch is not applied), and the test files that the instance's test patch edits
and that exist at the base commit are the truth (the files the official harness runs). Prints, per split of
the instance id (agent/examples/split.py: tune on train, report test):

- hit: share of instances where some pick is a truth file (the picked tests exercise the touched code);
- clean: share of picks that pytest would collect as a test module (test_*.py / *_test.py; not a data file
  or a `testutils` helper, which only error alike for every candidate and so give no evidence);
- none: share of instances with no pick at all (no regression evidence);
- picks: mean number of files picked.

    python scripts/bench_regression_targets.py --dataset ../shared/data/swebench/swebench_verified.jsonl.gz \\
        --mirrors /work/.mirror [--split train] [--baseline REV] [--show N]

`--baseline REV` measures revision REV's `regression_targets` in the same run, and the table prints both. No model, no Docker: git only.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.evaluation.dataset import load_dataset  # noqa: E402
from agent.examples.split import split_of  # noqa: E402
from agent.patches import diff_files  # noqa: E402
from agent.covering_tests import is_pytest_module, regression_targets  # noqa: E402


def listing(repo: Path, commit: str) -> list[str] | None:
    """`git ls-files '*test*.py'` of `commit`, read from a bare mirror; None when the commit is missing."""
    res = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", commit],
                         capture_output=True, text=True)
    if res.returncode != 0:
        return None
    return [p for p in res.stdout.split("\n") if p.endswith(".py") and "test" in p]


def mirror_of(mirrors: Path, repo: str) -> Path | None:
    for cand in (mirrors / repo.replace("/", "+") / "repo", mirrors / repo.replace("/", "+"), mirrors / repo.split("/")[-1]):
        if cand.is_dir():
            return cand
    return None


def measure(rows: list[dict], lists: dict[str, list[str]], pick: Callable[[list[str], list[str]], list[str]]) -> dict:
    hit = none = picks = clean = 0
    for r in rows:
        chosen = pick(diff_files(r["patch"]), lists[r["instance_id"]])
        truth = set(diff_files(r["test_patch"])) & set(lists[r["instance_id"]])
        hit += bool(truth & set(chosen))
        none += not chosen
        picks += len(chosen)
        clean += sum(is_pytest_module(p) for p in chosen)
    n = len(rows) or 1
    return {"n": len(rows), "hit": hit / n, "clean": clean / picks if picks else None, "none": none / n,
            "picks": picks / n}


def load_function(rev: str) -> Callable:
    """`regression_targets` as revision `rev` of agent/stages/execute.py defines it (its imports resolve to today's
    package; the function itself is pure)."""
    root = Path(__file__).resolve().parents[1]
    source = subprocess.run(["git", "-C", str(root), "show", f"{rev}:agent/stages/execute.py"],
                            capture_output=True, text=True, check=True).stdout
    namespace: dict = {"__name__": f"execute_at_{rev}"}
    exec(compile(source, f"{rev}:agent/stages/execute.py", "exec"), namespace)
    return namespace["regression_targets"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", type=Path, required=True)
    p.add_argument("--mirrors", type=Path, required=True, help="folder of bare git mirrors (owner+name/repo)")
    p.add_argument("--split", choices=["train", "test", "all"], default="all")
    p.add_argument("--baseline", metavar="REV", help="a git revision: its regression_targets is measured beside today's")
    p.add_argument("--show", type=int, default=0, help="print this many misses of the current function")
    args = p.parse_args(argv)

    rows, lists, skipped = [], {}, {}
    for r in load_dataset(args.dataset):
        if args.split != "all" and split_of(r["instance_id"]) != args.split:
            continue
        repo = mirror_of(args.mirrors, r["repo"])
        files = listing(repo, r["base_commit"]) if repo else None
        if files is None:
            skipped[r["repo"]] = skipped.get(r["repo"], 0) + 1
            continue
        if not set(diff_files(r["test_patch"])) & set(files):   # every test file it runs is new: nothing to find
            skipped["(no existing test file)"] = skipped.get("(no existing test file)", 0) + 1
            continue
        rows.append(r)
        lists[r["instance_id"]] = files
    funcs = {"current": regression_targets}
    if args.baseline:
        funcs = {"baseline": load_function(args.baseline), **funcs}
    print(f"split {args.split}: {len(rows)} instances; left out: "
          + (", ".join(f"{k} {v}" for k, v in sorted(skipped.items())) or "none"))
    print("| function | repo | instances | hit | clean picks | no pick | picks / instance |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, fn in funcs.items():
        for repo in sorted({r["repo"] for r in rows}) + ["all"]:
            sub = [r for r in rows if repo in ("all", r["repo"])]
            m = measure(sub, lists, fn)
            clean = "–" if m["clean"] is None else f"{m['clean']:.2f}"
            print(f"| {name} | {repo} | {m['n']} | {m['hit']:.2f} | {clean} | {m['none']:.2f} | {m['picks']:.1f} |")
    shown = 0
    for r in rows:
        if shown >= args.show:
            break
        chosen = regression_targets(diff_files(r["patch"]), lists[r["instance_id"]])
        truth = set(diff_files(r["test_patch"])) & set(lists[r["instance_id"]])
        if not truth & set(chosen):
            shown += 1
            print(f"\n{r['instance_id']}: touched {diff_files(r['patch'])}\n  truth {sorted(truth)}\n  picked {chosen}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
