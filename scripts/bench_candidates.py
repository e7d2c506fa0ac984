#!/usr/bin/env python
"""Candidate generation A/B on the dev set: which patch-sampling variant covers more bugs?

    python scripts/bench_candidates.py --out o --split train --samples 4              # focus none vs alternate
    python scripts/bench_candidates.py --out o --variant fmt=patch.edit_format=function --variant ...

Per instance and variant: localization, the issue's checks (the tests that drive revisions; no model-
written tests: -c test.samples=N adds them) and S patch samples, each judged by the example's hidden
test (never shown to the pipeline). No execution matrix, judge or selection: this measures the
candidates only (coverage@N, applicable share), for tuning the patch stage on the train split.
All variants share the first variant's localization and tests; a sample whose request is identical
under both is copied, not drawn again (unfocused samples of focus variants; the greedy sample 0 of
variants that differ only in `patch.temperature` when `patch.retry_temperature` is set, so that its
retries are alike too). `--no-share-free` draws every sample.
Rerunning resumes: finished instances are read back, run folders resume.
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
from agent.examples.scaling import budgets, edits_of, trajectories  # noqa: E402
from agent.examples.devset_args import add_devset_args, chosen_examples  # noqa: E402
from agent.focus import chooses_freely  # noqa: E402
from agent.model.embedded import resolve as resolve_model  # noqa: E402
from agent.pipeline import generate  # noqa: E402
from agent.progress import Progress  # noqa: E402
from agent.repo_input import issue_from_file  # noqa: E402
from agent.runfolder import STAGE_DIRS, RunFolder  # noqa: E402
from agent.sampling import sample_file  # noqa: E402

DEFAULT_VARIANTS = ["none=patch.focus=none", "alternate=patch.focus=alternate"]


def parse_variant(text: str) -> tuple[str, list[str]]:
    name, _, sets = text.partition("=")
    return name, [s for s in sets.split(";") if s]



def _seed_from(first: Path, dst: Path, cfg, samples: int, shared) -> None:
    """The first variant's localization and tests (and the samples `shared(i)` says are identical) into dst."""
    src, out = RunFolder(first), RunFolder(dst)    # first is read where it is; dst is written in the new layout
    dst.mkdir(parents=True, exist_ok=True)
    out.migrate()
    for f in ("issue.json", "meta.json"):
        if (first / f).exists():
            shutil.copyfile(first / f, dst / f)
    for stage in ("localize", "test"):
        if src.stage_dir(stage).is_dir():
            shutil.copytree(src.stage_dir(stage), dst / STAGE_DIRS[stage], dirs_exist_ok=True)
    for i in range(samples):
        rel = sample_file(STAGE_DIRS["patch"], i)
        if shared(i) and src.exists(rel) and not out.exists(rel):
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src.path(rel), dst / rel)


def run_instance(name: str, out: Path, variants: list[tuple[str, object]], samples: int, share_free: bool) -> dict:
    record = out / "instances" / f"{name}.json"
    if record.exists():
        old = json.loads(record.read_text())
        if old.get("samples") == samples and set(old.get("variants", {})) == {v for v, _ in variants}:
            return old
    ex = materialize(name, out / "examples" / name)
    issue = issue_from_file(ex.issue)
    judged: dict[str, bool] = {}

    def correct(diff: str | None) -> bool:
        if diff and diff not in judged:
            judged[diff] = check_hidden(None, ex, diff)
        return bool(diff) and judged[diff]

    row = {"name": name, "samples": samples, "variants": {}}
    first = None
    for vname, cfg in variants:
        run_dir = out / "runs" / name / vname
        if first is not None:
            _seed_from(first, run_dir, cfg, samples, _identical_samples(variants[0][1], cfg, share_free))
        t0 = time.monotonic()
        generate(issue, ex.repo, run_dir, cfg, progress=Progress(False))
        first = first or run_dir
        trajs = {t.sample: t for t in trajectories(run_dir, "patch", samples)}
        per = []
        for i in range(samples):
            t = trajs.get(i)
            edits = edits_of(t) if t else []
            per.append({"focus": (t.variant or {}).get("focus") if t else None,
                        "format": (t.variant or {}).get("format") if t else None,
                        "edits": len(edits), "correct": any(correct(d) for d in edits),
                        "seconds": round(t.duration_s, 1) if t else 0.0,
                        "tokens": (t.spend.prompt_tokens + t.spend.completion_tokens) if t else 0})
        row["variants"][vname] = {"per_sample": per, "wall_s": round(time.monotonic() - t0, 1)}
    RunFolder(record.parent).write_json(record.name, row)
    return row


def _differ_only(a, b, key: str) -> bool:
    """True when two configs differ in patch.<key> at most."""
    da, db = a.model_dump(mode="json"), b.model_dump(mode="json")
    da["patch"].pop(key), db["patch"].pop(key)
    return da == db


def _identical_samples(a, b, share_free: bool):
    """Which patch samples are the same request under configs a and b (pure): unfocused samples when only
    patch.focus differs; sample 0 (greedy, its stuck turns at the fixed retry_temperature) when only
    patch.temperature does."""
    if share_free and _differ_only(a, b, "focus"):
        return lambda i: chooses_freely(i, b.patch.focus)
    if share_free and _differ_only(a, b, "temperature") and b.patch.retry_temperature is not None:
        return lambda i: i == 0
    return lambda i: False


def table(rows: list[dict], names: list[str], samples: int) -> str:
    ns = budgets(samples)
    head = "| variant | " + " | ".join(f"coverage@{n}" for n in ns) + \
        " | applicable | correct samples | s/sample | tokens/sample |"
    lines = [head, "|---" + "|---:" * (len(ns) + 4) + "|"]
    for v in names:
        cov = [sum(any(s["correct"] for s in r["variants"][v]["per_sample"][:n]) for r in rows) / max(1, len(rows))
               for n in ns]
        per = [s for r in rows for s in r["variants"][v]["per_sample"]]
        app = sum(s["edits"] > 0 for s in per) / max(1, len(per))
        ok = sum(s["correct"] for s in per)
        secs = sum(s["seconds"] for s in per) / max(1, len(per))
        toks = sum(s["tokens"] for s in per) / max(1, len(per))
        lines.append(f"| {v} | " + " | ".join(f"{c:.2f}" for c in cov) +
                     f" | {app:.2f} | {ok}/{len(per)} | {secs:.0f} | {toks:.0f} |")
    lines += ["", "| example | " + " | ".join(names) + " |", "|---" + "|---" * len(names) + "|"]
    for r in rows:
        cells = []
        for v in names:
            per = r["variants"][v]["per_sample"]
            cells.append("".join("✓" if s["correct"] else ("·" if s["edits"] else "∅") for s in per))
        lines.append(f"| {r['name']} | " + " | ".join(cells) + " |")
    lines.append("\n✓ a correct edit, · edits but none correct, ∅ no usable edit (per sample, in order).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_devset_args(p, "train")
    p.add_argument("--samples", type=int, default=4, help="patch samples per instance and variant")
    p.add_argument("--variant", action="append", default=[],
                   help="NAME=key=value;key=value (config overrides); default: focus none vs alternate")
    p.add_argument("--no-share-free", action="store_true", help="draw every sample of every variant")
    p.add_argument("--model", help="litellm model string (default: the embedded local model)")
    p.add_argument("--api-base")
    p.add_argument("--config", type=Path, help="YAML run configuration")
    p.add_argument("-c", "--set", action="append", default=[], help="config override for every variant")
    args = p.parse_args(argv)

    names = chosen_examples(p, args)
    fixed = [f"patch.samples={args.samples}", "localize.samples=1", "test.samples=0", "workers=1",
             "patch.early_stop=false", "escalate.rounds=0"] + args.set
    specs = [parse_variant(v) for v in (args.variant or DEFAULT_VARIANTS)]
    base = load_config(args.config, fixed, **{"model.name": args.model, "model.api_base": args.api_base})
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    rows = []
    with resolve_model(base.model) as model:
        variants = [(n, load_config(args.config, fixed + sets, **{"model.name": args.model,
                                                                   "model.api_base": args.api_base})
                     .model_copy(update={"model": model})) for n, sets in specs]
        for name in names:
            row = run_instance(name, args.out, variants, args.samples, not args.no_share_free)
            marks = {v: "".join("✓" if s["correct"] else "·" for s in row["variants"][v]["per_sample"])
                     for v, _ in variants}
            print(f"[{time.monotonic() - started:7.0f}s] {name}: {marks}", file=sys.stderr, flush=True)
            rows.append(row)
    text = table(rows, [n for n, _ in specs], args.samples)
    print(text)
    RunFolder(args.out).write_text("table.md", text + "\n")
    RunFolder(args.out).write_text("results.json", json.dumps({"samples": args.samples, "variants": specs,
                                                               "examples": names, "instances": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
