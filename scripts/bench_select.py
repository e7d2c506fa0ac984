#!/usr/bin/env python
"""Replay selection offline over saved benchmark folders: no model calls, no sandboxes.

    python scripts/bench_select.py --runs /work/bench/dev-train /work/bench/dev-test --fit --split test
    python scripts/bench_select.py --runs bench-out --split all --calibration my.json

Reads each OUT/instances/<name>.json (the hidden-test label of every candidate) and the generation
run folder OUT/runs/<name>/gen<S>/ (candidates, execution matrix, judge scores, the run's own
decision), and prints, per selection variant on the chosen split: selected (share of instances
where a correct patch is submitted), precision of submitted patches, abstention rate, efficiency =
selected / coverage and the expected calibration error of the confidence. --fit fits weights,
confidence curve and abstain threshold on the train split (agent/calibration.py) and writes them
where agent/stages/select.py loads them (selection.calibration in the run config).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.calibration import PRESET, load_calibration  # noqa: E402
from agent.examples.split import split_of  # noqa: E402
from agent.replay import evaluate, fit, held_out_ece, judge_report, load_bench, variants  # noqa: E402


def fmt(v) -> str:
    return "–" if v is None else f"{v:.2f}"


def table(results: dict[str, dict]) -> str:
    out = ["| variant | selected | precision | abstain | efficiency | ECE |", "|---|---:|---:|---:|---:|---:|"]
    for name, r in results.items():
        out.append(f"| {name} | {fmt(r['selected'])} | {fmt(r['precision'])} | {fmt(r['abstain'])} | "
                   f"{fmt(r['efficiency'])} | {fmt(r['ece'])} |")
    return "\n".join(out)


LITE_CANDIDATES = Path("/work/shared/data/swebench/lite_candidates_acr_sweagent.jsonl.gz")


def predictions_main(args) -> int:
    """Selection accuracy of `swe-agent select` methods on labelled candidates, per fixed split."""
    from agent.ensemble.bench import load_selections, markdown, report
    from agent.ensemble.lite import labels, read_candidates
    sels = load_selections(args.predictions, args.seed)
    if not sels:
        print(f"bench_select.py: error: no `swe-agent select` instance folders (OUT/instances/*/run) under "
              f"{[str(o) for o in args.predictions]}", file=sys.stderr)
        return 2
    rep = report(sels, labels(read_candidates(args.labels)), executed_only=not args.unexecuted)
    if rep["skipped_not_executed"]:
        print(f"{len(rep['skipped_not_executed'])} instance(s) without an execution matrix left out", file=sys.stderr)
    print(markdown(rep))
    if args.json:
        args.json.write_text(json.dumps(rep, indent=2) + "\n", encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--runs", type=Path, nargs="+", help="scripts/bench_scaling.py --out folders")
    src.add_argument("--predictions", type=Path, nargs="+", metavar="OUT",
                     help="`swe-agent select` output folders: score its methods against --labels (issue 13)")
    p.add_argument("--unexecuted", action="store_true",
                   help="(with --predictions) every instance, on the methods that need no execution")
    p.add_argument("--labels", type=Path, default=LITE_CANDIDATES,
                   help="labelled candidates {instance_id, candidates:[{system, resolved}]} (with --predictions)")
    p.add_argument("--split", choices=["train", "test", "all"], default="all", help="report on this split")
    p.add_argument("--fit", action="store_true", help="fit on the train split and write --calibration")
    p.add_argument("--fit-scope", choices=["all", "confidence"], default="all",
                   help="all: weights, confidence curve and threshold; confidence: only the curve (the default "
                        "weights and threshold keep deciding, a confidence says how often such picks were right)")
    p.add_argument("--min-fit", type=int, default=10, help="--fit refuses fewer train instances with candidates")
    p.add_argument("--calibration", type=Path, default=PRESET, help="calibration JSON to write (--fit) or read")
    p.add_argument("--seed", type=int, default=0, help="seed of the random variant")
    p.add_argument("--json", type=Path, help="also write the numbers here")
    args = p.parse_args(argv)
    if args.predictions:
        return predictions_main(args)

    by_name = {}
    for out in args.runs:
        for c in load_bench(out):
            if c.name in by_name:
                print(f"{c.name}: in more than one folder, the one from {out} counts", file=sys.stderr)
            by_name[c.name] = c
    cases = list(by_name.values())
    if not cases:
        p.error(f"no OUT/instances/*.json under {[str(r) for r in args.runs]}")
    train = [c for c in cases if split_of(c.name) == "train"]
    report = [c for c in cases if args.split == "all" or split_of(c.name) == args.split]
    cal = None
    if args.fit:
        usable = [c for c in train if c.candidates]
        if len(usable) < args.min_fit:
            p.error(f"--fit needs at least {args.min_fit} train-split instances with candidates (docs/devset.md), "
                    f"got {len(usable)}: a curve and threshold from fewer would decide from noise "
                    "(--min-fit N lowers the floor)")
        cal = fit(train, scope=args.fit_scope)
        cal.fit["held_out_ece"] = held_out_ece(train, args.fit_scope)
        cal.fit["default_ece"] = evaluate(train, variants()["default"])["ece"]
        cal.fit["runs"] = [str(r) for r in args.runs]
        args.calibration.parent.mkdir(parents=True, exist_ok=True)
        args.calibration.write_text(cal.model_dump_json(indent=2) + "\n", encoding="utf-8")
        print(f"fitted on {len(train)} train instances -> {args.calibration}", file=sys.stderr)
    elif args.calibration.exists():
        cal = load_calibration(args.calibration)
    judge = judge_report(train)
    results = {name: evaluate(report, pick) for name, pick in variants(cal, args.seed).items()}

    cov = results["oracle"]["coverage"] if report else 0.0
    print(f"{len(report)} instance(s) of split {args.split!r} from {len(args.runs)} folder(s); coverage {cov:.2f}")
    print(f"judge AUC on train ({judge['candidates']} candidates, {judge['correct']} correct): "
          + ", ".join(f"{s} {fmt(judge['auc'][s])} (within instances {fmt(judge['auc_within'][s])})"
                      for s in judge["auc"]))
    if cal is not None:
        in_sample = " (in-sample: fitted on these)" if args.split in ("train", "all") else ""
        print(f"fitted ({cal.scope}): weights {cal.weights or 'default'}, confidence sigmoid({cal.platt.a}·x + "
              f"{cal.platt.b}), abstain below {cal.abstain_below}{in_sample}")
        if "held_out_ece" in cal.fit:
            print(f"train ECE, each instance decided by a fit on the others: {fmt(cal.fit['held_out_ece'])} "
                  f"(uncalibrated default: {fmt(cal.fit['default_ece'])})")
    print()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps({"split": args.split, "instances": [c.name for c in report],
                                         "judge_train": judge, "calibration": cal.model_dump() if cal else None,
                                         "variants": results}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
