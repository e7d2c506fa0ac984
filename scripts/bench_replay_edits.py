#!/usr/bin/env python
"""Replay saved patch replies through today's edit parsing (no model): which replies land an edit now?

    python scripts/bench_replay_edits.py --runs bench/excerpt-ab/runs --split train

For every run folder `<runs>/<example>/<variant>/03_patches/sample_*.json` of a dev-set example, each turn's
reply is parsed in its sample's format and landed on the example's original files, as the patch stage does
(tolerant parsing and splicing, compile check, no-op check); every edit that lands is judged by the example's
hidden test. Printed per variant: samples, samples whose saved trajectory produced an edit (the code that ran),
samples with a reply that lands now, and how many of those edits the hidden test accepts. Replies after the
first were written to feedback the code that ran gave, so "lands now" is a lower bound on what a rerun gets.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.editing import compiles, same_behaviour  # noqa: E402
from agent.examples import check_hidden, list_examples, materialize  # noqa: E402
from agent.examples.split import split_of  # noqa: E402
from agent.parsing import FormatError  # noqa: E402
from agent.stages.patch_edits import parser_for  # noqa: E402


def land(reply: str, fmt: str, repo: Path, top: str) -> str | None:
    """The git diff the reply's edit makes on the original repo, or None (not parsed / not landed / no-op)."""
    files = {p: (repo / p).read_text() for p in subprocess.run(["git", "-C", str(repo), "ls-files", "*.py"],
                                                                capture_output=True, text=True).stdout.split()}
    try:
        changes = parser_for(fmt, top, len(files.get(top, "")))(reply)
        new = dict(files)
        for ch in changes:
            if ch.path not in new:
                return None
            new[ch.path], _ = ch.land(new[ch.path])
    except (FormatError, SyntaxError, ValueError, RecursionError):
        return None
    changed = {p: t for p, t in new.items() if t != files[p]}
    if not changed or any(compiles(p, t) for p, t in changed.items()) \
            or all(same_behaviour(p, files[p], t) for p, t in changed.items()):
        return None
    for p, t in changed.items():
        (repo / p).write_text(t)
    diff = subprocess.run(["git", "-C", str(repo), "diff"], capture_output=True, text=True).stdout
    subprocess.run(["git", "-C", str(repo), "checkout", "--", "."], capture_output=True)
    return diff or None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=Path, required=True, help="folder of <example>/<variant>/ run folders")
    ap.add_argument("--split", choices=["train", "test", "all"], default="train")
    args = ap.parse_args()
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with tempfile.TemporaryDirectory() as tmp:
        for ex_dir in sorted(p for p in args.runs.iterdir() if p.name in list_examples()):
            if args.split != "all" and split_of(ex_dir.name) != args.split:
                continue
            ex = materialize(ex_dir.name, Path(tmp) / ex_dir.name)
            judged: dict[str, bool] = {}
            for var in sorted(p for p in ex_dir.iterdir() if (p / "03_patches").is_dir()):
                locs = json.loads((var / "01_localize" / "locations.json").read_text())
                top = locs[0]["file"] if locs else ""
                for f in sorted((var / "03_patches").glob("sample_*.json")):
                    t = json.loads(f.read_text())
                    fmt = (t.get("variant") or {}).get("format") or "search_replace"
                    row = rows[f"{ex_dir.name}/{var.name}"]
                    row["samples"] += 1
                    row["edit_then"] += bool((t.get("output") or {}).get("attempts") or (t.get("output") or {}).get("diff"))
                    diffs = [d for d in (land(s.get("reply") or "", fmt, ex.repo, top) for s in t.get("steps") or []) if d]
                    row["lands_now"] += bool(diffs)
                    for d in diffs:
                        if d not in judged:
                            judged[d] = check_hidden(None, ex, d)
                    row["correct_now"] += any(judged[d] for d in diffs)
    print("| example/variant | samples | edit then | lands now | hidden test accepts (now) |")
    print("|---|---:|---:|---:|---:|")
    for k, r in sorted(rows.items()):
        print(f"| {k} | {r['samples']} | {r['edit_then']} | {r['lands_now']} | {r['correct_now']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
