#!/usr/bin/env python
"""Where a solve's time goes, on bundled examples: per stage, wall seconds split into model time,
sandbox time and our own (agent/timing.py), against a one-call baseline of the same model measured
in the same run (one greedy whole-file answer: the least a model-based fix can cost).

    python scripts/bench_solve.py --out bench/solve                   # tempconv, embedded model
    python scripts/bench_solve.py --out o --examples tempconv,wordfreq -c patch.samples=2
    python scripts/bench_solve.py --out o --model openai/qwen2.5-coder-1.5b --api-base http://127.0.0.1:8765/v1

Rerunning reads finished runs back (their result.json holds the measured times).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.config import load_config  # noqa: E402
from agent.examples import DEFAULT_EXAMPLE, list_examples, materialize  # noqa: E402
from agent.examples.baseline import one_call_diff  # noqa: E402
from agent.model.embedded import resolve as resolve_model  # noqa: E402
from agent.pipeline import solve  # noqa: E402
from agent.progress import Progress  # noqa: E402
from agent.repo_input import issue_from_file  # noqa: E402
from agent.runfolder import LOCATIONS, RunFolder  # noqa: E402
from agent.schema import Result  # noqa: E402
from agent.timing import time_line  # noqa: E402

STAGES = ("setup", "localize", "test", "patch", "execute", "probe", "reward", "select")


def table(name: str, res: Result, baseline_s: float) -> str:
    rows = [f"### {name}: {res.status}, {res.duration_s:.0f} s wall = {res.duration_s / baseline_s:.1f}x the one-call "
            f"baseline ({baseline_s:.1f} s); {time_line(res.time) if res.time else 'no time split recorded'}",
            "", "| stage | wall s | model s | sandbox s | ours s | ours % of wall |", "|---|---:|---:|---:|---:|---:|"]
    for stage in STAGES:
        t = res.stages.get(stage).time if stage in res.stages else None
        if t is None:
            continue
        share = f"{100 * t.other_s / t.wall_s:.1f}" if t.wall_s else "–"
        rows.append(f"| {stage} | {t.wall_s:.1f} | {t.model_s:.1f} | {t.sandbox_s:.1f} | {t.other_s:.1f} | {share} |")
    t = res.time
    if t is not None:
        rows.append(f"| **run** | {t.wall_s:.1f} | {t.model_s:.1f} | {t.sandbox_s:.1f} | {t.other_s:.1f} | "
                    f"{100 * t.other_s / max(t.wall_s, 1e-9):.1f} |")
    return "\n".join(rows)


def _fixed_file(ex) -> str:
    """The module the reference fix changes (solution/ holds it at its repository path)."""
    return next(str(f.relative_to(ex.solution)) for f in sorted(Path(ex.solution).rglob("*.py")))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True, help="run folders (rerun to read them back)")
    p.add_argument("--examples", default=DEFAULT_EXAMPLE, help="comma-separated bundled example names")
    p.add_argument("--model", help="litellm model string (default: the embedded local model)")
    p.add_argument("--api-base")
    p.add_argument("--config", type=Path, help="YAML run configuration")
    p.add_argument("-c", "--set", action="append", default=[], help="config override key=value")
    args = p.parse_args(argv)
    names = [n.strip() for n in args.examples.split(",") if n.strip()]
    unknown = sorted(set(names) - set(list_examples()))
    if unknown:
        p.error(f"unknown examples {unknown}; choose from {list_examples()}")
    cfg = load_config(args.config, args.set, **{"model.name": args.model, "model.api_base": args.api_base})
    print(f"load average before: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    with resolve_model(cfg.model) as model:
        cfg = cfg.model_copy(update={"model": model})
        for name in names:
            ex = materialize(name, args.out / name)
            issue = issue_from_file(ex.issue)
            run_dir = args.out / name / "run"
            res = RunFolder(run_dir).read_model_or_none("result.json", Result)
            if res is None or res.time is None:
                res = solve(issue, ex.repo, run_dir, cfg, progress=Progress(False))
            # The baseline rewrites the file localization ranked first (the bug's module when it has none).
            locs = RunFolder(run_dir).read_json(LOCATIONS) or [{"file": _fixed_file(ex)}]
            started = time.monotonic()
            one_call_diff(cfg.model, f"{issue.title}\n\n{issue.body}", ex.repo, locs[0]["file"])
            print(table(name, res, time.monotonic() - started) + "\n", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
