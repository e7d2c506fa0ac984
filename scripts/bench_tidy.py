#!/usr/bin/env python
"""How much noise agent/tidy.py takes out of landed edits (no model, no sandbox).

    python scripts/bench_tidy.py --runs RUNS [RUNS ...] [--split train|test|all]

RUNS are folders holding `runs/<example>/<variant>/03_patches/sample_*.json` of dev-set examples (the unpacked
`docs/reports/dev-*8/<commit>/folders/*.tar.gz`). Every landed file of every attempt is compared with the example's
original file: the baseline, in the same run, is the attempt as it landed then; against it, the same file tidied
(the original's comments and layout back where the code is the same). Printed per example and in all: changed
lines before and after, the ratio, and files that shrank. The syntax tree of every tidied file is checked equal
to the attempt's (a failure is printed and counted).
"""
from __future__ import annotations

import argparse
import ast
import difflib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.examples.split import split_of  # noqa: E402
from agent.patches import changed_lines  # noqa: E402
from agent.schema import Trajectory  # noqa: E402
from agent.stages.patch import attempts_of  # noqa: E402
from agent.tidy import tidy  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "agent" / "examples"


def changed(a: str, b: str) -> int:
    return changed_lines("\n".join(difflib.unified_diff(a.split("\n"), b.split("\n"), lineterm="", n=0)))


def _same_tree(a: str, b: str) -> bool:
    try:
        return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))
    except SyntaxError:
        return a == b


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", nargs="+", required=True)
    ap.add_argument("--split", default="all", choices=["train", "test", "all"])
    args = ap.parse_args(argv)
    rows: dict[str, list[int]] = {}
    broken = 0
    for root in args.runs:
        for folder in sorted(Path(root).glob("runs/*/*/03_patches")):
            ex = folder.parents[1].name
            if args.split != "all" and split_of(ex) != args.split:
                continue
            for f in sorted(folder.glob("sample_*.json")):
                for attempt in attempts_of(Trajectory.model_validate(json.loads(f.read_text()))):
                    for path, new in (attempt.files_after or {}).items():
                        orig_path = EXAMPLES / ex / "repo" / path
                        if new is None or not path.endswith(".py") or not orig_path.is_file():
                            continue
                        orig = orig_path.read_text()
                        tidied = tidy(orig, new)
                        broken += not _same_tree(tidied, new)
                        row = rows.setdefault(ex, [0, 0, 0, 0])
                        b, a = changed(orig, new), changed(orig, tidied)
                        row[0] += 1; row[1] += b; row[2] += a; row[3] += a < b     # noqa: E702
    print(f"| example | landed files | changed lines as landed | tidied | ratio | files shrunk |")
    print("|---|---:|---:|---:|---:|---:|")
    for ex, (n, b, a, s) in sorted(rows.items()):
        print(f"| {ex} | {n} | {b} | {a} | {a / b if b else 1:.2f} | {s} |")
    n, b, a, s = (sum(r[k] for r in rows.values()) for k in range(4))
    print(f"| all | {n} | {b} | {a} | {a / b if b else 1:.2f} | {s} |")
    print(f"tidied files whose syntax tree differs from the attempt's: {broken}")
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
