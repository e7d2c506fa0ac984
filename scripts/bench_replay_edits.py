#!/usr/bin/env python
"""Replay saved patch replies through today's edit parsing (no model): which replies land an edit now?

    python scripts/bench_replay_edits.py --runs bench/excerpt-ab/runs --split train

For every run folder `<runs>/<example>/<variant>/03_patches/sample_*.json` of a dev-set example, each turn's
reply is parsed in its sample's format and landed on the example's original files by the patch stage's own
`land_changes` in a local sandbox (tolerant parsing and splicing, path redirect, compile check, no-op check);
every edit that lands is judged by the example's hidden test. Printed per variant: samples, samples whose
saved trajectory produced an edit (the code that ran), replies whose landing the whole-file merge changes, and
twice in the same run, samples with a reply that lands now and samples with an edit the hidden test accepts:
baseline "as sent" (a whole-file reply landed as the model wrote it) and "merged" (today's default: one that
drops parts of the original lands as its definitions, agent/whole_merge.py). Replies after the first were
written to feedback the code that ran gave, so "lands now" is a lower bound on what a rerun gets.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.examples import check_hidden, list_examples, materialize  # noqa: E402
from agent.examples.split import split_of  # noqa: E402
from agent.parsing import FormatError  # noqa: E402
from agent.repo_input import tracked_files  # noqa: E402
from agent.stages.patch_edits import land_changes, parser_for  # noqa: E402
from sandbox.local_sandbox import LocalSandbox  # noqa: E402


def land(reply: str, fmt: str, repo: Path, top: str, shown: list[str], merge: bool = True) -> str | None:
    """The diff the reply's edit makes on the original repo, or None: parsed and landed exactly as the patch
    stage does it (`land_changes` in a local sandbox: path redirect, compile check, no-op check)."""
    with LocalSandbox(repo) as sandbox:
        known = set(tracked_files(repo, sandbox.base_commit))
        sources = {f: sandbox.read_file(f) for f in shown if f in known}
        try:
            changes = parser_for(fmt, top, len(sources.get(top, "")), merge=merge)(reply)
            diff, _, _ = land_changes(changes, sandbox, known, sources=sources)
        except (FormatError, SyntaxError, ValueError, RecursionError):
            return None
    return diff


def saved_samples(ex_dir: Path):
    """(variant folder, top file, shown files, sample record, edit format) of every saved patch sample under
    <example>/<variant>/03_patches/; a variant killed before localization ended is skipped (said on stderr)."""
    for var in sorted(p for p in ex_dir.iterdir() if (p / "03_patches").is_dir()):
        loc_file = var / "01_localize" / "locations.json"
        if not loc_file.exists():
            print(f"skipped {var}: no {loc_file.relative_to(var)} (a run killed before localization ended)",
                  file=sys.stderr)
            continue
        locs = json.loads(loc_file.read_text())
        top = locs[0]["file"] if locs else ""
        shown = list(dict.fromkeys(loc["file"] for loc in locs))
        for f in sorted((var / "03_patches").glob("sample_*.json")):
            t = json.loads(f.read_text())
            yield var, top, shown, t, (t.get("variant") or {}).get("format") or "search_replace"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=Path, required=True, help="folder of <example>/<variant>/ run folders")
    ap.add_argument("--split", choices=["train", "test", "all"], default="train")
    args = ap.parse_args()
    if not args.runs.is_dir():
        ap.error(f"--runs {args.runs}: no such folder (expected <example>/<variant>/03_patches/ inside)")
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with tempfile.TemporaryDirectory() as tmp:
        for ex_dir in sorted(p for p in args.runs.iterdir() if p.name in list_examples()):
            if args.split != "all" and split_of(ex_dir.name) != args.split:
                continue
            ex = materialize(ex_dir.name, Path(tmp) / ex_dir.name)
            judged: dict[str, bool] = {}
            for var, top, shown, t, fmt in saved_samples(ex_dir):
                row = rows[f"{ex_dir.name}/{var.name}"]
                row["samples"] += 1
                row["edit_then"] += bool((t.get("output") or {}).get("attempts") or (t.get("output") or {}).get("diff"))
                replies = [s.get("reply") or "" for s in t.get("steps") or []]
                landed = {tag: [land(r, fmt, ex.repo, top, shown, merge) for r in replies]
                          for tag, merge in (("sent", False), ("merged", True))}
                row["differs"] += sum(a != b for a, b in zip(landed["sent"], landed["merged"]))
                for tag, got in landed.items():
                    diffs = [d for d in got if d]
                    row[f"lands_{tag}"] += bool(diffs)
                    for d in diffs:
                        if d not in judged:
                            judged[d] = check_hidden(None, ex, d)
                    row[f"correct_{tag}"] += any(judged[d] for d in diffs)
    print("Baseline: each reply landed as sent (a whole file as the model wrote it); merged: today's default, a")
    print("whole file that drops parts of the original lands as its definitions (agent/whole_merge.py).\n")
    print("| example/variant | samples | edit then | replies landed differently | lands (as sent) "
          "| hidden test accepts (as sent) | lands (merged) | hidden test accepts (merged) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    total: dict[str, int] = defaultdict(int)
    for k, r in sorted(rows.items()):
        print(f"| {k} | {r['samples']} | {r['edit_then']} | {r['differs']} | {r['lands_sent']} | {r['correct_sent']} "
              f"| {r['lands_merged']} | {r['correct_merged']} |")
        for key in ("samples", "edit_then", "differs", "lands_sent", "correct_sent", "lands_merged", "correct_merged"):
            total[key] += r[key]
        total["covered_sent"] += r["correct_sent"] > 0
        total["covered_merged"] += r["correct_merged"] > 0
    t = total
    print(f"| **all {len(rows)}** | {t['samples']} | {t['edit_then']} | {t['differs']} | {t['lands_sent']} | {t['correct_sent']} "
          f"| {t['lands_merged']} | {t['correct_merged']} |")
    print(f"\nexamples with an accepted edit: as sent {t['covered_sent']}, merged {t['covered_merged']}; "
          f"samples with an accepted edit, merged / as sent: {t['correct_merged']} / {t['correct_sent']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
