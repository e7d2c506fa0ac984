#!/usr/bin/env python
"""Model-free repair on the dev set: how many bugs do the one-token mutants of agent/mutate.py fix,
and how often is a mutant that passes the issue's checks and the project's tests wrong?

    python scripts/bench_mutants.py --out bench/mutants --split train
    python scripts/bench_mutants.py --out bench/mutants --split test --localize-from bench/dev-test8

Per instance: localization (with --localize-from, the locations a model-backed run of the same
instance found; else the repository map + BM25 alone, no model), the issue's own checks (no model),
then the mutation search of the patch stage (`patch.mutants`, agent/stages/patch_mutants.py) and
no patch samples. Every kept mutant is judged by the example's hidden test (never shown to the
pipeline). Prints coverage (a correct mutant kept), precision of kept mutants, instances where a
wrong mutant was kept, and the seconds the search took. Rerunning resumes.
"""
from __future__ import annotations

import argparse
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
    row = {"name": name, "split": split_of(name), "checks": len(mut.checks), "targets": mut.targets,
           "tried": len(mut.tried), "kept": kept, "search_s": mut.duration_s, "wall_s": round(wall, 1),
           "model_localization": seeded}
    RunFolder(record.parent).write_json(record.name, row)
    return row


def table(rows: list[dict]) -> str:
    have = [r for r in rows if r["checks"]]
    kept = [k for r in rows for k in r["kept"]]
    right = sum(k["correct"] for k in kept)
    fixed = sum(any(k["correct"] for k in r["kept"]) for r in rows)
    wrong = sum(any(not k["correct"] for k in r["kept"]) for r in rows)
    lines = [f"instances {len(rows)}, with issue checks {len(have)}; mutants tried {sum(r['tried'] for r in rows)}; "
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
    args = p.parse_args(argv)
    names = chosen_examples(p, args)
    # No model call is made: localization without model samples, the issue's own checks only.
    cfg = load_config(None, [f"patch.mutants={args.limit}", "patch.samples=0", "localize.samples=0",
                             "test.samples=0", "test.value_calls=0", f"sandbox={args.sandbox}"],
                      **{"model.name": "openai/none", "model.api_base": "http://127.0.0.1:9/v1"})
    rows = []
    for name in names:
        rows.append(run_instance(name, args.out, cfg, args.localize_from))
        r = rows[-1]
        print(f"{name}: checks {r['checks']}, tried {r['tried']}, kept "
              f"{[('✓' if k['correct'] else '✗') + k['rule'] for k in r['kept']]} ({r['search_s']}s)", flush=True)
    text = table(rows)
    RunFolder(args.out).write_text("table.md", text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
