#!/usr/bin/env python
"""Model-written reproduction tests replayed with and without the import repair (agent/repro_imports.py), no model.

    python scripts/bench_repro_imports.py --runs bench/dev-train8/runs --split train

For every saved test-stage sample of a dev-set example (`<runs>/<example>/<variant>/02_tests/sample_*.json`, e.g.
the folders of scripts/bench_scaling.py), each of its replies is run as the test stage runs it (the reply's test
file in a local worktree of the example's original repository, the stage's own pytest command and keep rule),
twice in the same run: as the model wrote it (the baseline) and with its imports repaired from its own failures
as the stage now does. A kept test is then run on the reference fix too: "discriminates" = fails on the original
code and passes on the fix, the test that can tell a right candidate. Replies after the first answered the old
feedback, so this is the first-order effect only.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.cutoff import extract_test  # noqa: E402
from agent.examples import list_examples, materialize  # noqa: E402
from agent.examples.hidden_check import solution_diff  # noqa: E402
from agent.examples.split import split_of  # noqa: E402
from agent.parsing import FormatError, classify_pytest, issue_errors, repro_failure_reason  # noqa: E402
from agent.repomap import build_repo_map  # noqa: E402
from agent.repro_imports import repair_imports  # noqa: E402
from agent.stages.testgen import definitions, module_names, repro_command  # noqa: E402
from agent.stdlib_imports import stdlib_import  # noqa: E402
from sandbox.local_sandbox import LocalSandbox  # noqa: E402


def run_test(repo: Path, path: str, content: str, fix: str = ""):
    with LocalSandbox(repo) as sb:
        if fix and not sb.apply_patch(fix).ok:
            return None
        sb.write_file(path, content)
        return sb.run(repro_command(path), timeout=60)


def verdict(repo: Path, path: str, content: str, shown, repair, fix: str) -> tuple[bool, bool, int]:
    """(kept, discriminates, repairs made) for one test file."""
    res = run_test(repo, path, content)
    reason = repro_failure_reason(classify_pytest(res.exit_code, res.output, res.timed_out), res.output, path, shown)
    repairs = 0
    while repair and reason and repairs < 3:
        fixed = repair(content, res.output)
        if fixed is None:
            break
        content, repairs = fixed[0], repairs + 1
        res = run_test(repo, path, content)
        reason = repro_failure_reason(classify_pytest(res.exit_code, res.output, res.timed_out), res.output, path, shown)
    if reason:
        return False, False, repairs
    on_fix = run_test(repo, path, content, fix)
    return True, bool(on_fix) and classify_pytest(on_fix.exit_code, on_fix.output, on_fix.timed_out) == "pass", repairs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=Path, nargs="+", required=True, help="folders of <example>/<variant>/ run folders")
    ap.add_argument("--split", choices=["train", "test", "all"], default="train")
    ap.add_argument("--variant", default="gen8", help="run-folder name to read in each example (default gen8)")
    args = ap.parse_args()
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with tempfile.TemporaryDirectory() as tmp:
        for root in args.runs:
            for ex_dir in sorted(p for p in root.iterdir() if p.name in list_examples()):
                run = ex_dir / args.variant
                if (args.split != "all" and split_of(ex_dir.name) != args.split) or not (run / "02_tests").is_dir():
                    continue
                ex = materialize(ex_dir.name, Path(tmp) / f"{root.name}-{ex_dir.name}")
                fix = solution_diff(ex)
                repo_map = build_repo_map(ex.repo)
                defs, modules = definitions(repo_map), module_names(repo_map)
                repair = lambda c, out: repair_imports(c, out, defs, modules, stdlib_import)  # noqa: E731
                issue = json.loads((run / "issue.json").read_text())
                shown = issue_errors(f"{issue.get('title', '')}\n\n{issue.get('body', '')}")
                row = rows[ex_dir.name]
                for f in sorted((run / "02_tests").glob("sample_*.json")):
                    t = json.loads(f.read_text())
                    path = (t.get("output") or {}).get("path") or f"test_swe_agent_repro_{int(f.stem[-3:]):03d}.py"
                    replies = [m["content"] for m in t.get("messages") or [] if m["role"] == "assistant"]
                    row["samples"] += 1
                    got = {"sent": [], "repaired": []}
                    for reply in replies:
                        try:
                            content = extract_test(reply)
                        except FormatError:
                            continue
                        got["sent"].append(verdict(ex.repo, path, content, shown, None, fix))
                        got["repaired"].append(verdict(ex.repo, path, content, shown, repair, fix))
                    row["repairs"] += sum(r[2] for r in got["repaired"])
                    for tag, vs in got.items():
                        row[f"kept_{tag}"] += any(v[0] for v in vs)
                        row[f"disc_{tag}"] += any(v[1] for v in vs)
                print(f"{ex_dir.name}: {dict(row)}", file=sys.stderr)
    keys = ("samples", "repairs", "kept_sent", "kept_repaired", "disc_sent", "disc_repaired")
    print("Baseline: each reply's test as the model wrote it; repaired: its imports fixed from its own failures.\n")
    print("| example | test samples | imports repaired | samples with a kept test: sent / repaired "
          "| with a discriminating test: sent / repaired |")
    print("|---|---:|---:|---:|---:|")
    total = defaultdict(int)
    for name, r in sorted(rows.items()):
        print(f"| {name} | {r['samples']} | {r['repairs']} | {r['kept_sent']} / {r['kept_repaired']} "
              f"| {r['disc_sent']} / {r['disc_repaired']} |")
        for k in keys:
            total[k] += r[k]
        total["ex_disc_sent"] += r["disc_sent"] > 0
        total["ex_disc_repaired"] += r["disc_repaired"] > 0
    t = total
    print(f"| **all {len(rows)}** | {t['samples']} | {t['repairs']} | {t['kept_sent']} / {t['kept_repaired']} "
          f"| {t['disc_sent']} / {t['disc_repaired']} |")
    print(f"\nexamples with a discriminating model-written test: sent {t['ex_disc_sent']}, "
          f"repaired {t['ex_disc_repaired']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
