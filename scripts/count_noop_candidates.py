#!/usr/bin/env python
"""Count saved patch candidates that behave exactly like the original code (no model, no sandbox).

    python scripts/count_noop_candidates.py --runs RUNS [RUNS ...]

RUNS are folders holding `runs/<example>/<variant>/03_patches/candidates.json` of dev-set examples (the unpacked
`docs/reports/dev-*8/<commit>/folders/*.tar.gz`). Each candidate's diff is applied with `git apply` to a copy of
the example's original repository (agent/examples/<example>/repo) and every file it writes is compared with the
original by agent/editing.same_behaviour, the check the patch stage refuses such edits with. Printed: every such
candidate, the rule that sees it (`tree`: the same syntax tree; `docstrings`: the same once docstrings are set
aside; `imports`: the same once a repeated or reordered import is read as the names it binds) and the samples
behind it, then the totals per RUNS folder.
"""
from __future__ import annotations

import argparse
import ast
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))     # runnable from a checkout without install

from agent.editing import behaviour_tree, same_behaviour  # noqa: E402

EXAMPLES = ROOT / "agent" / "examples"


def rule(path: str, old: str, new: str) -> str | None:
    """Which comparison sees the file unchanged in behaviour, or None."""
    if not same_behaviour(path, old, new):
        return None
    if ast.dump(ast.parse(old)) == ast.dump(ast.parse(new)):
        return "tree"
    return "imports" if behaviour_tree(old, docs=True) == behaviour_tree(new, docs=True) else "docstrings"


def noop_rules(example: str, candidate: dict) -> list[str] | None:
    """The rule per written file when every file behaves like the original; None for a real change."""
    repo = EXAMPLES / example / "repo"
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(repo, copy)
        applied = subprocess.run(["git", "apply", "-"], input=candidate["diff"], text=True, cwd=copy,
                                 capture_output=True)
        if applied.returncode:
            return None
        rules = []
        for path in candidate["files"]:
            old = (repo / path).read_text() if (repo / path).exists() else ""
            new = (copy / path).read_text() if (copy / path).exists() else ""
            rules.append(rule(path, old, new))
    return None if None in rules else rules


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", nargs="+", required=True, type=Path)
    args = ap.parse_args(argv)
    for runs in args.runs:
        found = sorted(runs.glob("runs/*/*/03_patches/candidates.json"))
        if not found:
            print(f"error: no runs/<example>/<variant>/03_patches/candidates.json under {runs} (unpack the "
                  "docs/reports/dev-*8/<commit>/folders/*.tar.gz there)", file=sys.stderr)
            return 2
        total = noop = 0
        for cands in found:
            example = cands.parents[2].name
            for cand in json.loads(cands.read_text()):
                total += 1
                rules = noop_rules(example, cand)
                if rules is not None:
                    noop += 1
                    print(f"{runs} {example} {cand['id']} {','.join(rules)} samples {cand['samples']}")
        print(f"{runs}: {noop} of {total} candidates behave exactly like the original")
    return 0


if __name__ == "__main__":
    sys.exit(main())
