#!/usr/bin/env python
"""Model-free repair on the dev set: how many bugs do the one-token mutants of agent/mutate.py fix,
and how often is a mutant that passes the issue's checks and the project's tests wrong? With `--cloze N`
(and a model), the model's fills of hidden lines (agent/cloze.py) join the same search, and the table
compares them with the one-token mutants of the same run; `--regenerate N` adds the model's rewrites of
whole function bodies (agent/regenerate.py), asked before the line fills, reported on their own row.

    python scripts/bench_mutants.py --out bench/mutants --split train
    python scripts/bench_mutants.py --out bench/mutants --split test --localize-from bench/dev-test8
    python scripts/bench_mutants.py --out bench/cloze --split train --cloze 40 \
        --model openai/qwen2.5-coder-1.5b --api-base http://127.0.0.1:8765/v1

Per instance: localization (with --localize-from, the locations a model-backed run of the same
instance found; else the repository map + BM25 alone, no model), the issue's own checks (no model),
then the mutation search of the patch stage (`patch.mutants`, agent/stages/patch_mutants.py) and
no patch samples. Every kept mutant is judged by the example's hidden test (never shown to the
pipeline). Prints coverage (a correct mutant kept), precision of kept mutants, instances where a
wrong mutant was kept, and the seconds the search took. Rerunning resumes.
"""
from __future__ import annotations

import argparse
import difflib
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.config import load_config  # noqa: E402
from agent.examples import check_hidden, materialize  # noqa: E402
from agent.examples.devset_args import add_devset_args, chosen_examples  # noqa: E402
from agent.examples.split import split_of  # noqa: E402
from agent.pipeline import generate  # noqa: E402
from agent.progress import Progress  # noqa: E402
from agent.repo_input import issue_from_file  # noqa: E402
from agent.runfolder import LOCATIONS, MUTANTS, STAGE_DIRS, RunFolder  # noqa: E402
from agent.stages.patch_cloze import CLOZE, ClozeRecord, fills_as_mutants  # noqa: E402
from agent.stages.patch_mutants import MutationRecord  # noqa: E402


def _seed_localization(src: Path | None, name: str, dst: Path) -> bool:
    """Copy a saved run's localization (any run folder of `name` under src) into dst."""
    if src is None:
        return False
    for run in sorted(p for p in (src / "runs" / name).glob("*") if p.is_dir()):
        if RunFolder(run).exists(LOCATIONS):
            shutil.copytree(RunFolder(run).stage_dir("localize"), dst / STAGE_DIRS["localize"], dirs_exist_ok=True)
            return True
    return False


def run_instance(name: str, out: Path, cfg, localize_from: Path | None) -> dict:
    record = out / "instances" / f"{name}.json"
    if record.exists():
        return json.loads(record.read_text())
    ex = materialize(name, out / "examples" / name)
    run_dir = out / "runs" / name
    seeded = _seed_localization(localize_from, name, run_dir)
    t0 = time.monotonic()
    generate(issue_from_file(ex.issue), ex.repo, run_dir, cfg, progress=Progress(False))
    wall = time.monotonic() - t0
    mut = RunFolder(run_dir).read_model_or_none(MUTANTS, MutationRecord) or MutationRecord()
    kept = [{"rule": m.rule, "correct": check_hidden(None, ex, m.diff)} for m in mut.kept]
    # Error-gone checks only (--error-gone): the passing tries the agreement guard dropped, judged too.
    dropped = [{"rule": m.rule, "observed": m.observed[:120], "correct": check_hidden(None, ex, _diff(ex, m.files_after))}
               for m in mut.tried if m.outcome == "ambiguous"]
    cloze = RunFolder(run_dir).read_model_or_none(CLOZE, ClozeRecord)
    # What the fills could reach at all: each distinct changed fill judged by the hidden test, per round
    # (a fill equal to a one-token mutant is kept under the mutant's name in the search).
    reach: dict[str, list] = {}
    if cloze is not None:
        sources = {f.path: (ex.repo / f.path).read_text() for f in cloze.fills}
        passed = {text for t in mut.kept for text in t.files_after.values()}
        kinds = {f.sample: f.kind for f in cloze.fills}
        for rnd in sorted(kinds):
            for m in fills_as_mutants(cloze, sources, {rnd}):
                diff = _diff(ex, {m.path: m.text})
                reach.setdefault(f"{rnd} {kinds[rnd]}".strip(), []).append({"rule": m.rule, "correct": check_hidden(None, ex, diff),
                                                       "kept": m.text in passed})
    row = {"name": name, "split": split_of(name), "checks": len(mut.checks), "targets": mut.targets,
           "tried": len(mut.tried), "kept": kept, "ambiguous": dropped, "search_s": mut.duration_s, "wall_s": round(wall, 1),
           "model_localization": seeded,
           "cloze": None if cloze is None else {"mode": cloze.mode, "holes": cloze.holes + cloze.insert_points,
                                                 "asked_holes": None if cloze.asked is None else len(cloze.asked),
                                                 "fills": len(cloze.fills),
                                                 "changed": sum(f.changed for f in cloze.fills),
                                                 "tried": sum(t.rule.startswith("cloze") for t in mut.tried),
                                                 "model_s": cloze.duration_s, "reach": reach}}
    RunFolder(record.parent).write_json(record.name, row)
    return row


def _diff(ex, files_after: dict[str, str]) -> str:
    """The unified diff of files (path -> new text) against the example's originals."""
    return "".join("".join(difflib.unified_diff((ex.repo / path).read_text().splitlines(True), text.splitlines(True),
                                                f"a/{path}", f"b/{path}")) for path, text in files_after.items())


def _source_line(rows: list[dict], label: str, keep) -> str:
    """Coverage and precision of the kept candidates of one source (mutants, cloze fills or both)."""
    kept = [[k for k in r["kept"] if keep(k)] for r in rows]
    n = sum(len(k) for k in kept)
    right = sum(x["correct"] for k in kept for x in k)
    fixed = [r["name"] for r, k in zip(rows, kept) if any(x["correct"] for x in k)]
    wrong = sum(any(not x["correct"] for x in k) for k in kept)
    return (f"| {label} | {len(fixed)}/{len(rows)} ({', '.join(fixed) or '–'}) | {n} | {right} | "
            f"{right / n if n else 0:.2f} | {wrong} |")


def _body(k: dict) -> bool:
    return k["rule"].startswith("cloze body")


def table(rows: list[dict]) -> str:
    if any(r.get("cloze") for r in rows):
        model_s = sum((r.get("cloze") or {}).get("model_s", 0) for r in rows)
        fills = sum((r.get("cloze") or {}).get("fills", 0) for r in rows)
        changed = sum((r.get("cloze") or {}).get("changed", 0) for r in rows)
        holes = sum((r.get("cloze") or {}).get("holes", 0) for r in rows)
        asked = sum((r.get("cloze") or {}).get("asked_holes") or (r.get("cloze") or {}).get("holes", 0) for r in rows)
        head = ["| source | fixed (coverage) | kept | correct | precision | instances with a wrong kept one |",
                "|---|---|---:|---:|---:|---:|",
                _source_line(rows, "one-token mutants (baseline, same run)", lambda k: not k["rule"].startswith("cloze")),
                _source_line(rows, "cloze fills (lines)", lambda k: k["rule"].startswith("cloze") and not _body(k)),
                _source_line(rows, "regenerated bodies", _body),
                _source_line(rows, "both", lambda k: True), "",
                f"cloze: holes and insertion points {asked} asked of {holes} (the rest no check reaches), "
                f"{fills} fills asked, {changed} changed the code; model time {model_s:.0f} s "
                f"({model_s / max(1, len(rows)):.0f} s / instance)", "",
                "cloze reach (a fill the hidden test accepts, kept by the search or not), instances: " + ", ".join(
                    f"round {rnd} {sum(any(x['correct'] for x in (r.get('cloze') or {}).get('reach', {}).get(rnd, [])) for r in rows)}"
                    for rnd in sorted({k for r in rows for k in ((r.get("cloze") or {}).get("reach") or {})})) +
                f"; any round {sum(any(x['correct'] for v in ((r.get('cloze') or {}).get('reach') or {}).values() for x in v) for r in rows)}", ""]
    else:
        head = []
    have = [r for r in rows if r["checks"]]
    kept = [k for r in rows for k in r["kept"]]
    right = sum(k["correct"] for k in kept)
    fixed = sum(any(k["correct"] for k in r["kept"]) for r in rows)
    wrong = sum(any(not k["correct"] for k in r["kept"]) for r in rows)
    lines = head + [f"instances {len(rows)}, with issue checks {len(have)}; mutants tried {sum(r['tried'] for r in rows)}; "
             f"kept {len(kept)}, correct {right} (precision {right / len(kept) if kept else 0:.2f}); "
             f"coverage {fixed}/{len(rows)} = {fixed / max(1, len(rows)):.2f}; instances with a wrong kept mutant {wrong}; "
             f"search s/instance {sum(r['search_s'] for r in rows) / max(1, len(rows)):.1f}",
             "", "| example | checks | tried | kept (✓ correct, ✗ wrong) | search s |", "|---|---:|---:|---|---:|"]
    for r in rows:
        marks = " ".join(("✓ " if k["correct"] else "✗ ") + k["rule"] for k in r["kept"]) or "–"
        lines.append(f"| {r['name']} | {r['checks']} | {r['tried']} | {marks} | {r['search_s']:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_devset_args(p, "train")
    p.add_argument("--limit", type=int, default=60, help="patch.mutants: mutants tried per instance")
    p.add_argument("--localize-from", type=Path, help="a bench folder whose runs/<name>/*/ localization to reuse")
    p.add_argument("--sandbox", choices=["docker", "local"], default="docker")
    p.add_argument("--cloze", type=int, default=0, help="patch.cloze: model fills of hidden lines per instance "
                   "(needs --model); the one-token mutants run in the same search and are the baseline")
    p.add_argument("--regenerate", type=int, default=0, help="patch.regenerate: regenerated bodies of suspect "
                   "functions per instance (needs --model), asked before the line fills")
    p.add_argument("--cloze-mode", default="auto", choices=["auto", "mixed", "fim", "chat"])
    p.add_argument("--error-gone", nargs="?", const="all", choices=["off", "one_token", "all"],
                   help="patch.mutants_error_gone: error-gone checks drive the search too, tries kept only when they "
                   "agree on what the issue's calls return; the flag alone means all (mutants and cloze fills), "
                   "without it the pipeline's default (one_token since session 29; off before)")
    p.add_argument("--model", default="openai/none")
    p.add_argument("--api-base", default="http://127.0.0.1:9/v1")
    args = p.parse_args(argv)
    names = chosen_examples(p, args)
    # No model call is made but the cloze fills: localization without model samples, the issue's own checks only.
    cfg = load_config(None, [f"patch.mutants={args.limit}", "patch.samples=0", "localize.samples=0",
                             "test.samples=0", "test.value_calls=0", "test.traceback_calls=0", f"sandbox={args.sandbox}",
                             f"patch.cloze={args.cloze}", f"patch.cloze_mode={args.cloze_mode}",
                             f"patch.regenerate={args.regenerate}"]
                      + ([f"patch.mutants_error_gone={args.error_gone}"] if args.error_gone else []),
                      **{"model.name": args.model, "model.api_base": args.api_base})
    rows = []
    for name in names:
        rows.append(run_instance(name, args.out, cfg, args.localize_from))
        r = rows[-1]
        print(f"{name}: checks {r['checks']}, tried {r['tried']}, kept "
              f"{[('✓' if k['correct'] else '✗') + k['rule'] for k in r['kept']]} ({r['search_s']}s)"
              + (f", dropped as ambiguous {[('✓' if k['correct'] else '✗') + k['rule'] for k in r['ambiguous']]}"
                 if r.get("ambiguous") else ""), flush=True)
    text = table(rows)
    RunFolder(args.out).write_text("table.md", text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
