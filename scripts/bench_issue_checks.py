#!/usr/bin/env python
"""How many dev-set issues yield checks from their own text, and are those checks right?

    python scripts/bench_issue_checks.py --split train
    python scripts/bench_issue_checks.py --split test --examples colors,booking
    python scripts/bench_issue_checks.py --dataset ../shared/data/swebench/swebench_verified.jsonl.gz
    python scripts/bench_issue_checks.py --dataset agent/examples/synth/train.jsonl.gz --run-mirrors MIRRORS
    python scripts/bench_issue_checks.py --split all --traceback-calls --model M --api-base URL

Per example: the checks agent/issue_checks.py reads from issue.md (no model), each rendered as the test
stage renders it and run with this interpreter's pytest on the bundled repository (kept = fails for the
issue's reason) and on the reference fix (right = passes there). A kept check that fails on the fix
would veto a right patch. Baseline: "no checks" (what the pipeline has without the issue's text).

With --dataset (SWE-bench-format rows, e.g. real issues): the checks are only extracted, not run, and
counted per repository: "value" checks state an expected value or exception, "error gone" checks only
say a shown traceback must disappear, "values for a model call" are stated values that no shown call
could be tied to (`test.value_calls` asks the model for the call).

With --traceback-calls (and a model): every example whose issue shows a traceback gets the test stage's
traceback call (`test.traceback_calls`, agent/issue_traceback.py), asked whether or not the pipeline would ask
(it asks only where no issue check is kept); the check is run on the bug (kept?) and on the reference fix (right?).
"""
from __future__ import annotations

import argparse
import collections
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.examples import EXAMPLES_DIR  # noqa: E402
from agent.examples.check_verdicts import check_verdicts  # noqa: E402
from agent.examples.split import split_of  # noqa: E402
from agent.issue_checks import checks_needing_call, extract_checks  # noqa: E402
from agent.issue_traceback import shown_errors  # noqa: E402


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
        c["traceback_call"] += not checks and bool(shown_errors(text))
    total = sum(per.values(), collections.Counter())
    print("| repository | instances | any check | value check | error gone only | values for a model call "
          "| traceback, no check (traceback call) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for repo, c in sorted(per.items()) + [("all", total)]:
        print(f"| {repo} | {c['instances']} | {c['any']} | {c['value']} | {c['error_gone']} | {c['model_call']} "
              f"| {c['traceback_call']} |")
    return 0


def _checkout(mirror: Path, commit: str, dest: Path, patch: str = "") -> Path:
    subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", str(mirror), str(dest)], check=True)
    subprocess.run(["git", "-C", str(dest), "checkout", "-q", commit], check=True)
    if patch:
        subprocess.run(["git", "-C", str(dest), "apply", "-"], input=patch, text=True, check=True)
    return dest


def _unique_definitions(check, defs: dict[str, list[str]]):
    """The import rule before 49e3ad1 (the baseline): a name from the one repository module defining it, nothing else."""
    from dataclasses import replace
    from agent.issue_names import unbound_names
    extra = tuple(f"from {mods[0]} import {name}" for name in unbound_names(check)
                  if len(mods := sorted(set(defs.get(name, [])))) == 1)
    return replace(check, setup=extra + check.setup) if extra else check


def run_dataset_main(path: Path, mirrors: Path, limit: int) -> int:
    """Rows of pure-Python repositories (e.g. the synthesized dev set): every check read from the problem
    statement, rendered as the test stage renders it and run with this interpreter's pytest at the base commit
    (kept = fails for the issue's reason) and with the gold patch (right = passes). Two import rules in the same
    run: names from the one module defining them only (before 49e3ad1), and today's `with_imports` (now)."""
    from agent.examples.check_verdicts import run_pytest
    from agent.issue_names import with_imports
    from agent.stdlib_imports import stdlib_import
    from agent.issue_render import render_check_test, reproduced_reason
    from agent.repomap import build_repo_map
    from agent.stages.testgen import definitions, module_names
    with (gzip.open if path.suffix == ".gz" else open)(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()][:limit or None]
    count = {rule: collections.Counter() for rule in ("before", "now")}
    vetoes: list[str] = []
    per_row: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, row in enumerate(rows):
            mirror = mirrors / row["repo"].replace("/", "+")
            bug = _checkout(mirror, row["base_commit"], Path(tmp) / f"{i}-bug")
            fix = _checkout(mirror, row["base_commit"], Path(tmp) / f"{i}-fix", row["patch"])
            repo_map = build_repo_map(bug)
            defs, modules = definitions(repo_map), module_names(repo_map)
            checks = extract_checks(row.get("problem_statement") or "")
            for rule in ("before", "now"):
                kept = right = 0
                for check in checks:
                    resolved = with_imports(check, defs, modules, stdlib_import) if rule == "now" else _unique_definitions(check, defs)
                    content = render_check_test([resolved])
                    res = run_pytest(bug, content)
                    k = reproduced_reason("fail" if res.returncode == 1 else "other", res.stdout) is None
                    ok = k and run_pytest(fix, content).returncode == 0
                    kept += k
                    right += ok
                    if rule == "now" and k and not ok:
                        vetoes.append(f"{row['instance_id']}: `{check.call}` {check.kind} {check.expected or check.raised}")
                c = count[rule]
                if rule == "now":     # right: a kept check passes on the fix; read: checks read, none kept
                    per_row.append(f"| {row['instance_id']} | {'right' if right else 'kept-wrong' if kept else 'read' if checks else 'none'} |")
                c["rows"] += 1
                c["read"] += bool(checks)
                c["kept"] += kept > 0
                c["right"] += right > 0
                c["wrong"] += kept - right
    print("| import rule | rows | a check read | a check kept (fails on the bug) | a kept check right (passes on the fix) "
          "| kept checks that veto the fix |")
    print("|---|---:|---:|---:|---:|---:|")
    for rule, c in count.items():
        print(f"| {rule} | {c['rows']} | {c['read']} | {c['kept']} | {c['right']} | {c['wrong']} |")
    if vetoes:
        print("\nkept checks that fail on the fix (now):\n" + "\n".join(f"- {v}" for v in vetoes))
    print("\n| row | now |\n|---|---|\n" + "\n".join(per_row))
    return 1 if count["now"]["wrong"] else 0


def traceback_main(names: list[str], model: str, api_base: str) -> int:
    """Every example whose issue shows a traceback: the test stage's traceback call (one greedy answer, local
    sandbox, BM25 localization), kept or not on the bug, and right or not on the reference fix."""
    from agent.config import load_config
    from agent.examples import materialize
    from agent.examples.check_verdicts import run_pytest
    from agent.pipeline import stage_context
    from agent.progress import Progress
    from agent.repo_input import issue_from_file
    from agent.repomap import code_context
    from agent.stages.localize import localize
    from agent.stages.testgen import traceback_tests

    cfg = load_config(None, ["sandbox=local", "workers=1", "localize.samples=0"],
                      **{"model.name": model, "model.api_base": api_base})
    print("| example | split | pipeline asks (no kept issue check) | call kept (raises the shown error) | right (passes on the fix) | call |")
    print("|---|---|---|---|---|---|")
    kept = wrong = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            text = (EXAMPLES_DIR / name / "issue.md").read_text()
            if not shown_errors(text):
                continue
            ex = materialize(name, Path(tmp) / name)
            with stage_context(issue_from_file(ex.issue), ex.repo, Path(tmp) / name / "run", cfg, None,
                               Progress(False)) as ctx:
                code = code_context(ctx.repo_path, localize(ctx), max_chars=5000)
                [case] = traceback_tests(ctx, ctx.make_model("test", cfg.test), code, limit=1)
            right = None
            if case.kept:
                fix = Path(tmp) / f"{name}-fix"
                shutil.copytree(ex.repo, fix)
                shutil.copytree(EXAMPLES_DIR / name / "solution", fix, dirs_exist_ok=True)
                right = run_pytest(fix, case.content).returncode == 0
            kept += case.kept
            wrong += case.kept and not right
            call = next((ln.split("lambda: ", 1)[1].split(", shown=")[0] for ln in case.content.splitlines()
                         if "_run(lambda: " in ln), case.reason)
            asks = not any(k for k, _ in check_verdicts(name, Path(tmp) / "plain"))
            print(f"| {name} | {split_of(name)} | {'yes' if asks else 'no'} | {'yes' if case.kept else 'no: ' + case.reason[:60]} "
                  f"| {'–' if right is None else 'yes' if right else '**no**'} | `{call[:70]}` |", flush=True)
    print(f"\nkept {kept}; kept calls that fail on the reference fix (a wrong veto-free check): {wrong}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--split", choices=["train", "test", "all"], default="train")
    p.add_argument("--examples", default="", help="comma-separated names (default: every example of the split)")
    p.add_argument("--dataset", type=Path, help="SWE-bench-format rows (.jsonl[.gz]): count the checks read, run none")
    p.add_argument("--run-mirrors", type=Path, help="with --dataset of pure-Python rows (the synthesized dev set): bare "
                   "mirrors (owner+name) to check out; run every check at the base commit and with the gold patch")
    p.add_argument("--limit", type=int, default=0, help="with --run-mirrors: the first N rows only")
    p.add_argument("--traceback-calls", action="store_true", help="with --model: the model's call for each shown "
                   "traceback (test.traceback_calls), run on the bug and on the reference fix")
    p.add_argument("--model", default="openai/qwen2.5-coder-1.5b")
    p.add_argument("--api-base", default="http://127.0.0.1:8765/v1")
    args = p.parse_args(argv)
    if args.dataset and args.run_mirrors:
        return run_dataset_main(args.dataset, args.run_mirrors, args.limit)
    if args.dataset:
        return dataset_main(args.dataset)
    names = [n for n in args.examples.split(",") if n] or sorted(
        d.name for d in EXAMPLES_DIR.iterdir() if (d / "issue.md").exists()
        and (args.split == "all" or split_of(d.name) == args.split))
    if args.traceback_calls:
        return traceback_main(names, args.model, args.api_base)
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
