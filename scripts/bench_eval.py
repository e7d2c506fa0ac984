"""Evaluation cost: our per-instance overhead vs swebench's own run_instance, and throughput.

Both run the gold patch on the same locally built image in the same process: our image is also
tagged with the names the official harness expects (instance + env key), so its build step finds
them and skips. Overhead = wall time minus the eval script's own runtime (tests are the same work).

    python scripts/bench_eval.py --dataset D.jsonl.gz --repo-mirror DIR -i psf__requests-1142 -i ...
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from swebench.harness.run_evaluation import run_instance

from agent.evaluation import build, spec as specs
from agent.evaluation.run_all import EvalOptions, docker_client, prepare
from agent.evaluation.dataset import gold_predictions, load_dataset
from agent.evaluation.run import evaluate, log_dir_for


def official(client, ts, pred, run_id: str, workdir: Path, timeout: int) -> tuple[float, float]:
    """(wall, tests) of swebench's run_instance; it writes logs relative to the cwd."""
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        start = time.monotonic()
        out = run_instance(ts, pred, rm_image=False, force_rebuild=False, client=client, run_id=run_id,
                           timeout=timeout)
        wall = time.monotonic() - start
    finally:
        os.chdir(cwd)
    log = (workdir / "logs/run_evaluation" / run_id / "gold" / ts.instance_id / "run_instance.log").read_text()
    tests = float(re.search(r"Test runtime: ([\d_.]+) seconds", log).group(1).replace("_", ""))
    assert out["completed"], f"official run_instance did not complete {ts.instance_id}"
    return wall, tests


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--repo-mirror", required=True, type=Path)
    ap.add_argument("-i", "--instances", action="append", required=True)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--copies", type=int, default=4, help="Evaluations of each instance per throughput point.")
    ap.add_argument("--timeout", type=int, default=900)
    args = ap.parse_args()

    rows = load_dataset(args.dataset, args.instances)
    client = docker_client(args.timeout)
    work = Path(tempfile.mkdtemp(prefix="bench-eval-"))
    opts = EvalOptions(run_id="bench", report_dir=work, mirror_root=args.repo_mirror, timeout=args.timeout)
    prepared = prepare(client, rows, opts)
    print(f"load average at start: {_load()} ({os.cpu_count()} cores)")
    preds = gold_predictions(rows)
    print(f"{'instance':28} {'ours wall':>9} {'ours ovh':>8} {'swebench wall':>13} {'swebench ovh':>12} {'ratio':>6}")
    ratios = []
    for row in rows:
        iid, p = row["instance_id"], prepared[row["instance_id"]]
        if p.error:
            print(f"{iid:28} skipped: {p.error[:80]}")
            continue
        ts = specs.offline_test_spec(row, env_script=[p.image])
        client.images.get(p.image).tag(*ts.instance_image_key.split(":"))   # what build_container looks up
        client.images.get(p.image).tag(*ts.env_image_key.split(":"))        # what build_instance_image checks
        ours, theirs = [], []
        for k in range(args.repeats):  # alternate the order so a warm cache favours neither
            for who in (("ours", "theirs") if k % 2 == 0 else ("theirs", "ours")):
                run_id = f"bench{k}{who}"
                if who == "ours":
                    r = evaluate(client, p.spec, preds[iid], p.image,
                                 log_dir_for(work, run_id, preds[iid]), run_id, timeout=args.timeout)
                    assert r.status == "resolved", r
                    ours.append((r.eval_s, r.tests_s))
                else:
                    theirs.append(official(client, ts, preds[iid], run_id, work, args.timeout))
        ow, oo = statistics.median(w for w, _ in ours), statistics.median(w - t for w, t in ours)
        tw, to = statistics.median(w for w, _ in theirs), statistics.median(w - t for w, t in theirs)
        ratios.append(oo / to)
        print(f"{iid:28} {ow:9.2f} {oo:8.2f} {tw:13.2f} {to:12.2f} {oo / to:6.2f}")
    if ratios:
        print(f"median overhead ratio ours/swebench: {statistics.median(ratios):.2f} (target <= 1.0)")

    # Throughput: every instance `--copies` times (distinct run ids, so no report is reused).
    ok = {i: p for i, p in prepared.items() if not p.error}
    jobs = [(iid, c) for c in range(args.copies) for iid in ok]
    for n in [int(x) for x in args.workers.split(",")]:
        def one(job, n=n):
            iid, c = job
            run_id = f"tput{n}-{c}"
            return evaluate(client, ok[iid].spec, preds[iid], ok[iid].image,
                            log_dir_for(work, run_id, preds[iid]), run_id, timeout=args.timeout)
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=n) as pool:
            res = list(pool.map(one, jobs))
        wall = time.monotonic() - start
        print(f"workers={n}: {len(res)} evaluations in {wall:.1f}s = {len(res) / wall * 60:.1f}/min "
              f"({sum(r.status == 'resolved' for r in res)} resolved; load avg {_load()})")
    print(f"load average at end: {_load()}; logs: {work}; disk: {build.disk_usage(client)}")


if __name__ == "__main__":
    main()
