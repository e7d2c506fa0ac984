#!/usr/bin/env python
"""Scaling curve on the bundled examples: pass@1, coverage@N and selected@N for N = 1, 2, 4, … S.

    python scripts/bench_scaling.py --out bench-out                       # embedded model, S=8
    python scripts/bench_scaling.py --out o --examples wordfreq,stats --samples 2
    python scripts/bench_scaling.py --out o --model openai/gpt-4o-mini --api-key-env OPENAI_API_KEY
    python scripts/bench_scaling.py --out bench/dev-test --split test --report   # table of what finished

Per instance: one generation run with S patch samples; every sample is judged by the example's
hidden test (which the pipeline never sees); then one sub-run per N re-decides from the first N
samples (see agent/examples/scaling.py). Rerunning the same command resumes: finished instances
are read back, unfinished run folders are resumed by the pipeline itself.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.config import SolveConfig, load_config  # noqa: E402
from agent.examples import check_hidden, materialize  # noqa: E402
from agent.examples.baseline import one_call_diff  # noqa: E402
from agent.examples.scaling import (AtBudget, InstanceResult, aggregate, budgets, edits_of, markdown,  # noqa: E402
                                    prepare_subrun, summary, trajectories, upstream_spend)
from agent.examples.devset_args import add_devset_args, chosen_examples  # noqa: E402
from agent.model.embedded import resolve as resolve_model  # noqa: E402
from agent.pipeline import solve  # noqa: E402
from agent.progress import Progress  # noqa: E402
from agent.repo_input import issue_from_file  # noqa: E402
from agent.runfolder import RESULT, RunFolder  # noqa: E402
from agent.schema import Result  # noqa: E402


def bench_config(args) -> SolveConfig:
    # Fixed by the method: all S samples must exist (no early stop); 1 localization, 2 tests and
    # 1 reward sample keep the shared stages cheap. One worker makes per-sample durations honest
    # wall times (a local model server answers one request at a time anyway). -c overrides win.
    # No escalation: selected@N must see exactly N patch samples (escalation is measured on its own).
    fixed = [f"patch.samples={args.samples}", "test.samples=2", "localize.samples=1", "reward.samples=1",
             "patch.early_stop=false", "workers=1", "escalate.rounds=0"]
    return load_config(args.config, fixed + args.set, **{
        "model.name": args.model, "model.api_base": args.api_base, "model.api_key_env": args.api_key_env,
        "sandbox": args.sandbox})


def with_samples(cfg: SolveConfig, n: int) -> SolveConfig:
    return cfg.model_copy(update={"patch": cfg.patch.model_copy(update={"samples": n})})


def _solve_once(issue, repo: Path, run_dir: Path, cfg: SolveConfig) -> Result:
    """A finished run folder is read, not re-solved: its result.json holds the real duration."""
    done = RunFolder(run_dir).read_model_or_none(RESULT, Result)
    if done is not None and done.n_patch_samples == cfg.patch.samples:
        return done
    return solve(issue, repo, run_dir, cfg, progress=Progress(False))



def finished(out: Path, names: list[str], samples: int, ns: list[int]) -> list[InstanceResult]:
    """The records in out/instances/ that a run with these settings would read back instead of rerunning."""
    folder = RunFolder(out / "instances")
    records = [folder.read_model_or_none(f"{n}.json", InstanceResult) for n in names]
    return [r for r in records if r is not None and r.samples == samples and [a.n for a in r.at] == ns]


def run_instance(name: str, out: Path, cfg: SolveConfig, ns: list[int], baseline: bool = True) -> InstanceResult:
    record = out / "instances" / f"{name}.json"
    if old := finished(out, [name], cfg.patch.samples, ns):
        return old[0]
    ex = materialize(name, out / "examples" / name)
    issue = issue_from_file(ex.issue)
    runs = out / "runs" / name
    judged: dict[str, bool] = {}

    def correct(diff: str | None) -> bool:
        # Docker when the run used Docker (check_hidden falls back to the host if it cannot).
        if diff and diff not in judged:
            judged[diff] = check_hidden(None if cfg.sandbox == "docker" else ex.repo, ex, diff)
        return bool(diff) and judged[diff]

    gen_dir = runs / f"gen{cfg.patch.samples}"
    gen = _solve_once(issue, ex.repo, gen_dir, cfg)
    patches = {t.sample: t for t in trajectories(gen_dir, "patch", cfg.patch.samples)}
    # A sample is correct when any of its edits (first answer or a revision) is: each is a candidate.
    sample_ok = [any(correct(d) for d in edits_of(patches[i])) if i in patches else False
                 for i in range(cfg.patch.samples)]
    cand_ok = {c.id: correct(c.diff) for c in RunFolder(gen_dir).candidates()}

    at = []
    for n in ns:
        sub_dir = runs / f"n{n}"
        prepare_subrun(gen_dir, sub_dir, n)
        res = _solve_once(issue, ex.repo, sub_dir, with_samples(cfg, n))
        up_tokens, up_s = upstream_spend(gen_dir, n)
        at.append(AtBudget(n=n, status=res.status, correct=res.status == "selected" and correct(res.final_diff),
                           candidate=res.candidate, confidence=res.confidence, n_candidates=res.n_candidates,
                           candidates=[c.id for c in RunFolder(sub_dir).candidates()],
                           tokens=up_tokens + res.tokens, wall_s=round(up_s + res.duration_s, 1)))
    base_ok, base_tokens = None, 0
    if baseline:
        locs = RunFolder(gen_dir).locations()
        if locs:
            diff, base_tokens = one_call_diff(cfg.model, f"{issue.title}\n\n{issue.body}", ex.repo, locs[0].file)
            base_ok = correct(diff)
    result = InstanceResult(name=name, samples=cfg.patch.samples, sample_correct=sample_ok, candidates=cand_ok,
                            generation_status=gen.status, generation_wall_s=gen.duration_s, at=at,
                            funnel=gen.funnel, baseline_correct=base_ok, baseline_tokens=base_tokens)
    RunFolder(record.parent).write_json(record.name, result)
    return result


def report(out: Path, names: list[str], samples: int, ns: list[int]) -> int:
    results = finished(out, names, samples, ns)
    print(markdown(aggregate(results, ns), results, ns))
    missing = sorted(set(names) - {r.name for r in results})
    print(f"\n{len(results)} of {len(names)} instances finished" + (f"; not yet: {', '.join(missing)}" if missing else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_devset_args(p, "all")
    p.add_argument("--no-baseline", action="store_true", help="skip the one-call baseline")
    p.add_argument("--samples", type=int, default=8, help="patch samples S per instance")
    p.add_argument("--workers", type=int, default=1, help="instances in parallel (1 for the local model)")
    p.add_argument("--model", help="litellm model string (default: the embedded local model)")
    p.add_argument("--api-base")
    p.add_argument("--api-key-env", help="NAME of the env var holding the key")
    p.add_argument("--sandbox", choices=["docker", "local"], default=None)
    p.add_argument("--config", type=Path, help="YAML run configuration")
    p.add_argument("-c", "--set", action="append", default=[], help="config override key=value")
    p.add_argument("--report", action="store_true",
                   help="run nothing: print the table of the instances already finished in --out")
    args = p.parse_args(argv)

    names = chosen_examples(p, args)
    cfg, ns = bench_config(args), budgets(args.samples)
    if args.report:
        return report(args.out, names, args.samples, ns)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with resolve_model(cfg.model) as model:   # one embedded server for the whole benchmark
        cfg = cfg.model_copy(update={"model": model})

        def one(name: str) -> InstanceResult:
            t0 = time.monotonic()
            res = run_instance(name, args.out, cfg, ns, baseline=not args.no_baseline)
            print(f"[{time.monotonic() - started:7.0f}s] {name}: {sum(res.sample_correct)}/{res.samples} samples "
                  f"correct; selected@{ns[-1]}: {res.point(ns[-1]).status} "
                  f"{'correct' if res.point(ns[-1]).correct else 'not correct'} ({time.monotonic() - t0:.0f}s)",
                  file=sys.stderr, flush=True)
            return res

        with ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
            results = list(pool.map(one, names))
    rows = aggregate(results, ns)
    table = markdown(rows, results, ns)
    print(table)
    out = {"samples": args.samples, "budgets": ns, "model": cfg.model.name, "examples": names, "split": args.split,
           "aggregate": rows, "summary": summary(rows, results), "instances": [r.model_dump(mode="json") for r in results]}
    RunFolder(args.out).write_text("table.md", table + "\n")
    RunFolder(args.out).write_text("results.json", json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
