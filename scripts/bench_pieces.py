#!/usr/bin/env python
"""Smaller candidates inside saved edits (no model): how many examples gain an accepted edit?

    python scripts/bench_pieces.py --runs bench/dev-train8/runs --split train [--json OUT]

For every run folder `<runs>/<example>/<variant>/03_patches/sample_*.json` of a dev-set example, each turn's
reply is landed by today's patch-stage parsing (scripts/bench_replay_edits.py `land`, merged whole files): the
baseline, measured in the same run, is those edits as they land. Each landed edit then gives its derived
candidates (agent/pieces.py): the edit with the names it loads but no longer binds restored (`names`), and
one candidate per changed top-level unit with the other changed units put back (`pieces`). Every edit is
judged by the example's hidden test (the host's pytest in a worktree). Printed per example and in all:
distinct edits, accepted ones, and examples with an accepted edit, baseline against baseline + derived.
"""
from __future__ import annotations

import argparse
import ast
import difflib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_replay_edits import land, saved_samples  # noqa: E402

from agent.examples import check_hidden, list_examples, materialize  # noqa: E402
from agent.examples.hidden_check import _git, run_pytest, worktree  # noqa: E402
from agent.issue_checks import extract_checks  # noqa: E402
from agent.issue_names import with_imports  # noqa: E402
from agent.issue_render import render_check_test, reproduced_reason  # noqa: E402
from agent.repomap import build_repo_map  # noqa: E402
from agent.stages.testgen import definitions, module_names  # noqa: E402
from agent.stdlib_imports import stdlib_import  # noqa: E402
from agent.examples.split import split_of  # noqa: E402
from agent.pieces import pieces, restore_names  # noqa: E402


HUNKS = False


def hunks(original: str, edited: str, limit: int = 12) -> list[tuple[str, str]]:
    """(label, module) for each changed run of lines of an edit with two or more such runs, applied alone to
    the original (names restored); [] past `limit` runs or when a module does not parse. Measured on train
    (--hunks) and left out of the pipeline: it kept 4 right hunks and covered no example the pieces do not."""
    old, new = original.split("\n"), edited.split("\n")
    runs = [op for op in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes() if op[0] != "equal"]
    if not 2 <= len(runs) <= limit:
        return []
    out = []
    for tag, i1, i2, j1, j2 in runs:
        module = "\n".join(old[:i1] + new[j1:j2] + old[i2:])
        try:
            ast.parse(module)
        except SyntaxError:
            continue
        module = restore_names(original, module)
        if module not in (original, edited):
            out.append((f"lines {i1 + 1}-{max(i2, i1 + 1)}", module))
    return out


def derived(repo: Path, diff: str) -> list[tuple[str, str]]:
    """(kind, diff) of the candidates agent/pieces.py derives from one landed edit."""
    out: list[tuple[str, str]] = []
    with worktree(repo) as wt:
        if _git(wt, "apply", "--whitespace=nowarn", "-", stdin=diff).returncode != 0:
            return out
        files = [f for f in _git(wt, "diff", "--name-only").stdout.split() if f.endswith(".py")]
        edited = {f: (wt / f).read_text(encoding="utf-8") for f in files}
        originals = {f: _git(wt, "show", f"HEAD:{f}").stdout for f in files}
        variants = []
        for f in files:
            fixed = restore_names(originals[f], edited[f])
            if fixed != edited[f]:
                variants.append(("names", {f: fixed}))
            variants += [("pieces", {f: module}) for _unit, module in pieces(originals[f], edited[f])]
            if HUNKS:
                variants += [("hunks", {f: module}) for _unit, module in hunks(originals[f], edited[f])]
        for kind, change in variants:
            for f, text in change.items():
                (wt / f).write_text(text, encoding="utf-8")
            out.append((kind, _git(wt, "diff").stdout))
            for f in change:
                (wt / f).write_text(edited[f], encoding="utf-8")
    return out


def issue_checks(ex) -> str | None:
    """One test file of the issue's own checks that fail on the original code for the issue's reason (as the
    test stage keeps them), or None: what the patch stage's mutation search tries pieces against."""
    repo_map = build_repo_map(ex.repo)
    defs, modules = definitions(repo_map), module_names(repo_map)
    kept = []
    with worktree(ex.repo) as wt:
        for check in extract_checks(Path(ex.issue).read_text()):
            content = render_check_test([with_imports(check, defs, modules, stdlib_import)])
            (wt / "test_issue.py").write_text(content)
            res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_issue.py"],
                                 cwd=wt, capture_output=True, text=True, timeout=120)
            if reproduced_reason("fail" if res.returncode == 1 else "other", res.stdout) is None:
                kept.append(check)
    return render_check_test([with_imports(c, defs, modules, stdlib_import) for c in kept]) if kept else None


def passes_checks(repo: Path, checks: str, diff: str) -> bool:
    """The diff applies, the issue's checks pass and so do the project's own tests (host pytest)."""
    with worktree(repo) as wt:
        if _git(wt, "apply", "--whitespace=nowarn", "-", stdin=diff).returncode != 0:
            return False
        (wt / "test_zz_issue.py").write_text(checks)
        return run_pytest(wt, ["-q", "-p", "no:cacheprovider", "test_zz_issue.py", "tests"], 120) == 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=Path, required=True, help="folder of <example>/<variant>/ run folders")
    ap.add_argument("--split", choices=["train", "test", "all"], default="train")
    ap.add_argument("--examples", default="", help="comma-separated subset")
    ap.add_argument("--json", type=Path, help="write the per-example rows here")
    ap.add_argument("--hunks", action="store_true", help="also each changed run of lines alone (agent/pieces.py hunks)")
    args = ap.parse_args()
    if not args.runs.is_dir():
        ap.error(f"--runs {args.runs}: no such folder (expected <example>/<variant>/03_patches/ inside)")
    only = set(filter(None, args.examples.split(",")))
    global HUNKS
    HUNKS = args.hunks
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for ex_dir in sorted(p for p in args.runs.iterdir() if p.name in list_examples()):
            if (args.split != "all" and split_of(ex_dir.name) != args.split) or (only and ex_dir.name not in only):
                continue
            ex = materialize(ex_dir.name, Path(tmp) / ex_dir.name)
            checks = issue_checks(ex)
            base: dict[str, bool] = {}
            more: dict[str, tuple[str, bool]] = {}
            for _var, top, shown, t, fmt in saved_samples(ex_dir):
                for step in t.get("steps") or []:
                    d = land(step.get("reply") or "", fmt, ex.repo, top, shown)
                    if not d or d in base:
                        continue
                    base[d] = check_hidden(ex.repo, ex, d)
                    for kind, dd in derived(ex.repo, d):
                        if dd not in base and dd not in more:
                            more[dd] = (kind, check_hidden(ex.repo, ex, dd),
                                        bool(checks) and passes_checks(ex.repo, checks, dd))
            more = {d: v for d, v in more.items() if d not in base}
            rows[ex_dir.name] = {
                "edits": len(base), "accepted": sum(base.values()),
                "issue_checks": bool(checks),
                "names": sum(k == "names" for k, _, _ in more.values()),
                "names_accepted": sum(k == "names" and ok for k, ok, _ in more.values()),
                "pieces": sum(k == "pieces" for k, _, _ in more.values()),
                "pieces_accepted": sum(k == "pieces" and ok for k, ok, _ in more.values()),
                "pieces_kept": sum(k == "pieces" and kept for k, _, kept in more.values()),
                "pieces_kept_right": sum(k == "pieces" and kept and ok for k, ok, kept in more.values()),
                "hunks": sum(k == "hunks" for k, _, _ in more.values()),
                "hunks_accepted": sum(k == "hunks" and ok for k, ok, _ in more.values()),
                "hunks_kept": sum(k == "hunks" and kept for k, _, kept in more.values()),
                "hunks_kept_right": sum(k == "hunks" and kept and ok for k, ok, kept in more.values()),
            }
            print(ex_dir.name, rows[ex_dir.name], flush=True)
    print("\nBaseline: the saved replies' edits as today's parsing lands them; derived: agent/pieces.py. A piece is")
    print("kept when the issue's own checks and the project's tests pass (the patch stage's mutation search).\n")
    print("| example | issue checks | edits | accepted | + names-restored (accepted) | + pieces (accepted) "
          "| pieces kept (right) | covered before → all pieces → kept pieces |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    keys = ("edits", "accepted", "names", "names_accepted", "pieces", "pieces_accepted", "pieces_kept",
            "pieces_kept_right")
    tot = dict.fromkeys(keys, 0)
    cov = [0, 0, 0]
    for name, r in rows.items():
        flags = (r["accepted"] > 0, r["accepted"] + r["names_accepted"] + r["pieces_accepted"] > 0,
                 r["accepted"] + r["pieces_kept_right"] > 0)
        cov = [c + f for c, f in zip(cov, flags)]
        print(f"| {name} | {'yes' if r['issue_checks'] else 'no'} | {r['edits']} | {r['accepted']} "
              f"| {r['names']} ({r['names_accepted']}) | {r['pieces']} ({r['pieces_accepted']}) "
              f"| {r['pieces_kept']} ({r['pieces_kept_right']}) | {' → '.join('✓' if f else '–' for f in flags)} |")
        for k in tot:
            tot[k] += r[k]
    print(f"| **all {len(rows)}** | | {tot['edits']} | {tot['accepted']} | {tot['names']} ({tot['names_accepted']}) "
          f"| {tot['pieces']} ({tot['pieces_accepted']}) | {tot['pieces_kept']} ({tot['pieces_kept_right']}) "
          f"| {' → '.join(map(str, cov))} |")
    if args.hunks:
        h = {k: sum(r[k] for r in rows.values()) for k in ("hunks", "hunks_accepted", "hunks_kept", "hunks_kept_right")}
        gained = [n for n, r in rows.items() if not r["accepted"] and not r["pieces_kept_right"] and r["hunks_kept_right"]]
        wrong = [n for n, r in rows.items() if r["hunks_kept"] > r["hunks_kept_right"]]
        print(f"\nhunks: {h['hunks']} derived, {h['hunks_accepted']} accepted, {h['hunks_kept']} kept "
              f"({h['hunks_kept_right']} right); examples covered only by a kept hunk: {gained or 'none'}; "
              f"with a wrong kept hunk: {wrong or 'none'}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
