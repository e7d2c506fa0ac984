"""Grading parity: grade real SWE-bench Lite candidate patches with our offline `eval` and compare with
their official resolved labels. Resumable: every candidate's verdict is a JSON file under --out, and
the official-format report.json of each graded patch is reused, so rerunning continues where a killed
or time-boxed run (--max-minutes) stopped; identical patches are graded once.

    nice -n 15 python scripts/bench_parity.py \
        --candidates /work/shared/data/swebench/lite_candidates_acr_sweagent.jsonl.gz \
        --dataset /work/shared/data/swebench/swebench_lite.jsonl.gz --repo-mirror /work/.mirror \
        --out /work/parity --per-repo 20 --max-minutes 60 --table docs/reports/parity.md
"""
from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from pathlib import Path

from agent.evaluation import mirror, parity
from agent.evaluation.validate import needs_internet
from agent.evaluation.run_all import EvalOptions, docker_client, prepare
from agent.evaluation.dataset import load_dataset
from agent.evaluation.run import evaluate, log_dir_for

RUN_ID = "parity"
BEGIN, END = "<!-- parity:begin -->", "<!-- parity:end -->"
REPOS = ["sympy/sympy", "pytest-dev/pytest", "psf/requests", "sphinx-doc/sphinx", "pylint-dev/pylint",
         "pydata/xarray", "mwaskom/seaborn", "pallets/flask", "astropy/astropy"]


def grade_instance(client, row: dict, cands: list[parity.Candidate], args) -> None:
    iid = row["instance_id"]
    opts = EvalOptions(run_id=RUN_ID, report_dir=args.out / "eval", mirror_root=args.repo_mirror, timeout=args.timeout)
    [prep] = prepare(client, [row], opts).values()
    graded: dict[str, tuple[str, str, bool]] = {}     # patch id -> (ours, reason, needs_internet)
    for c in cands:
        if c.patch_id not in graded:
            if not c.patch.strip():
                graded[c.patch_id] = ("unresolved", "empty patch (the official harness counts it unresolved)", False)
            elif prep.error:
                graded[c.patch_id] = ("error", prep.error, False)
            else:
                pred = {"instance_id": iid, "model_name_or_path": c.patch_id, "model_patch": c.patch}
                logs = log_dir_for(opts.report_dir, RUN_ID, pred)
                res = evaluate(client, prep.spec, pred, prep.image, logs, RUN_ID, timeout=args.timeout)
                out = logs / "test_output.txt"
                graded[c.patch_id] = (res.status, res.reason,
                                      out.exists() and needs_internet(out.read_text(errors="replace")))
        parity.save(parity.Verdict(iid, c.repo, c.system, c.patch_id, c.official, *graded[c.patch_id]),
                    args.out / "verdicts")
    print(f"{iid}: {len(cands)} candidates, {len(graded)} unique patches, build {prep.build_s:.0f}s "
          f"{prep.error[:120]}", flush=True)


def write_table(path: Path, verdicts: list[parity.Verdict], note: str) -> None:
    block = f"{BEGIN}\n{note}\n\n{parity.table(verdicts)}\n**Disagreements**\n\n{parity.disagreements(verdicts)}{END}"
    text = path.read_text() if path.exists() else f"# Grading parity with the official harness\n\n{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(head + block + tail)
    tmp.replace(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--candidates", required=True, type=Path)
    ap.add_argument("--dataset", required=True, type=Path, help="The rows the labels were graded on (Lite).")
    ap.add_argument("--repo-mirror", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--repos", default=",".join(REPOS), help="Comma-separated, in interleaving order.")
    ap.add_argument("--per-repo", type=int, default=20, help="Candidates wanted per repository (whole instances).")
    ap.add_argument("--max-minutes", type=float, default=0, help="Stop starting new instances after this long.")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--retry-errors", action="store_true", help="Regrade candidates whose verdict is an error.")
    ap.add_argument("--table", type=Path, help="Markdown file whose parity block is rewritten.")
    args = ap.parse_args()

    rows = {r["instance_id"]: r for r in load_dataset(args.candidates)}
    lite = {r["instance_id"]: r for r in load_dataset(args.dataset)}
    repos = [r for r in args.repos.split(",") if mirror.find_mirror(args.repo_mirror, r)]
    cands = parity.load_candidates(list(rows.values()), {i: r["repo"] for i, r in lite.items()})
    by_instance = defaultdict(list)
    for c in cands:
        by_instance[c.instance_id].append(c)
    order = parity.plan(cands, repos, args.per_repo)
    print(f"plan: {len(order)} instances, {sum(len(by_instance[i]) for i in order)} candidates over {repos}", flush=True)
    if args.retry_errors:
        for path, v in parity.load_all(args.out / "verdicts").items():
            if v.ours == "error":
                path.unlink()
    start, client = time.monotonic(), docker_client(args.timeout)
    for iid in order:
        done = {v.system for v in parity.load_all(args.out / "verdicts").values() if v.instance_id == iid}
        if done >= {c.system for c in by_instance[iid]}:
            continue
        if args.max_minutes and time.monotonic() - start > args.max_minutes * 60:
            print("time box reached: rerun the same command to continue", flush=True)
            break
        grade_instance(client, lite[iid], by_instance[iid], args)
    verdicts = list(parity.load_all(args.out / "verdicts").values())   # everything graded so far, by any invocation
    print(parity.table(verdicts))
    if args.table:
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        write_table(args.table, verdicts, f"Generated by `scripts/bench_parity.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} "
                    f"(load average at the end {load}, 2 cores); {len(verdicts)} of {sum(len(by_instance[i]) for i in order)} "
                    f"planned candidates graded.")


if __name__ == "__main__":
    main()
