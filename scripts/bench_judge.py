#!/usr/bin/env python
"""Judges compared on labelled candidates, in the same run: AUC (right vs wrong), time and tokens.

    python scripts/bench_judge.py --out bench/judge --split train --model openai/qwen2.5-coder-1.5b \\
        --api-base http://127.0.0.1:8765/v1
    python scripts/bench_judge.py --out bench/judge-runs --runs bench/dev-train8 --split train ...

Candidates: with --runs, the candidates of saved scaling-benchmark folders (scripts/bench_scaling.py),
labelled by the hidden test, each judged with its execution evidence as in `solve`; without, per
dev-set example the reference fix and near misses (agent/examples/judge_set.py), judged without
evidence. Each verifier (`--verifier`, default: llm_judge, the baseline, and yes_no) scores every
candidate through the reward stage (one judgement each, greedy) in its own run folder under --out,
so a rerun resumes. Prints per verifier: AUC pooled and within instances, seconds and generated
tokens per candidate, and the time ratio against the first verifier.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.calibration import CandidateRow, signal_auc  # noqa: E402
from agent.config import load_config  # noqa: E402
from agent.examples import materialize  # noqa: E402
from agent.examples.devset_args import add_devset_args, chosen_examples  # noqa: E402
from agent.examples.judge_set import labelled_candidates  # noqa: E402
from agent.examples.split import split_of  # noqa: E402
from agent.patches import diff_files  # noqa: E402
from agent.pipeline import stage_context  # noqa: E402
from agent.progress import Progress  # noqa: E402
from agent.replay import load_bench  # noqa: E402
from agent.repo_input import issue_from_file  # noqa: E402
from agent.runfolder import RunFolder  # noqa: E402
from agent.schema import Candidate, ExecutionMatrix, Trajectory  # noqa: E402
from agent.stages.reward import score_candidates  # noqa: E402


class Case:
    def __init__(self, name: str, example, candidates: list[Candidate], labels: dict[str, bool], matrix: ExecutionMatrix):
        self.name, self.example, self.candidates, self.labels, self.matrix = name, example, candidates, labels, matrix


def example_cases(out: Path, names: list[str]) -> list[Case]:
    cases = []
    for name in names:
        ex = materialize(name, out / "examples" / name)
        rel = f"sets/{name}.json"
        if RunFolder(out).exists(rel):
            got = RunFolder(out).read_json(rel)
        else:
            got = [list(c) for c in labelled_candidates(ex)]
            RunFolder(out).write_json(rel, got)
        cands = [Candidate(id=i, diff=d, key=d, samples=[], files=diff_files(d)) for i, d, _ in got]
        cases.append(Case(name, ex, cands, {i: ok for i, _, ok in got},
                          ExecutionMatrix(candidates=[c.id for c in cands], tests=[], cells=[])))
    return cases


def run_cases(out: Path, runs: list[Path], names: set[str]) -> list[Case]:
    cases = []
    for bench in runs:
        for c in load_bench(bench):
            if c.name in names:
                ex = materialize(c.name, Path(bench) / "examples" / c.name)
                cases.append(Case(c.name, ex, c.candidates, c.labels, c.matrix))
    return cases


def judge(out: Path, case: Case, verifier: str, base: list[str]) -> tuple[dict[str, float], float, int]:
    """(candidate -> score, seconds, generated tokens) of one verifier on one case; resumed from its folder.
    Seconds and tokens are read from the judgement files, so a resumed case reports what it cost in all."""
    cfg = load_config(None, base + [f"reward.verifier={verifier}", "reward.samples=1"], sandbox="local")
    run_dir = out / verifier / case.name
    with stage_context(issue_from_file(case.example.issue), case.example.repo, run_dir, cfg, None, Progress(False)) as ctx:
        scores = score_candidates(ctx, case.candidates, case.matrix)
    trajs = [Trajectory.model_validate_json(f.read_text(encoding="utf-8"))
             for f in RunFolder(run_dir).stage_dir("reward").glob("*_sample_*.json")]
    return ({k: v.mean for k, v in scores.items()}, sum(t.duration_s for t in trajs),
            sum(t.spend.completion_tokens for t in trajs))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_devset_args(p, "train")
    p.add_argument("--runs", type=Path, nargs="*", default=[], help="scaling-benchmark folders to take candidates from")
    p.add_argument("--verifier", action="append", default=[], help="verifiers to compare (default: llm_judge yes_no)")
    p.add_argument("--model", required=True, help="litellm model string")
    p.add_argument("--api-base")
    p.add_argument("-c", "--set", action="append", default=[], help="config override key=value")
    args = p.parse_args(argv)
    names = chosen_examples(p, args)
    verifiers = args.verifier or ["llm_judge", "yes_no"]
    base = [f"model.name={args.model}"] + ([f"model.api_base={args.api_base}"] if args.api_base else []) + args.set
    cases = run_cases(args.out, args.runs, set(names)) if args.runs else example_cases(args.out, names)
    cases = [c for c in cases if len(c.candidates) > 0]
    rows = []
    for v in verifiers:
        scored, seconds, tokens = [], 0.0, 0
        for case in cases:
            scores, s, t = judge(args.out, case, v, base)
            seconds, tokens = seconds + s, tokens + t
            scored += [CandidateRow(instance=case.name, correct=case.labels.get(c.id, False), tests=None,
                                    reward=scores.get(c.id), votes=0.0) for c in case.candidates]
            print(f"{v} {case.name}: " + ", ".join(f"{c.id}{'✓' if case.labels.get(c.id) else '✗'} {scores.get(c.id)}"
                                                   for c in case.candidates), file=sys.stderr, flush=True)
        n = sum(r.reward is not None for r in scored) or 1
        rows.append({"verifier": v, "candidates": len(scored), "correct": sum(r.correct for r in scored),
                     "scored": sum(r.reward is not None for r in scored),
                     "auc": signal_auc(scored, "reward"), "auc_within": signal_auc(scored, "reward", within=True),
                     "s_per_candidate": seconds / n, "tokens_per_candidate": tokens / n})
    fmt = lambda x: "–" if x is None else f"{x:.2f}"  # noqa: E731
    print("| verifier | candidates (right) | scored | AUC | AUC within instances | s / candidate | generated tokens / candidate | time ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        ratio = r["s_per_candidate"] / rows[0]["s_per_candidate"] if rows[0]["s_per_candidate"] else None
        print(f"| {r['verifier']} | {r['candidates']} ({r['correct']}) | {r['scored']} | {fmt(r['auc'])} | "
              f"{fmt(r['auc_within'])} | {r['s_per_candidate']:.1f} | {r['tokens_per_candidate']:.0f} | {fmt(ratio)}x |")
    split = {split_of(n) for n in names}
    RunFolder(args.out).write_text("results.json", json.dumps({"split": sorted(split), "examples": names,
                                                               "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
