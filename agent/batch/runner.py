"""The batch driver: submit instances to an executor under a hard total budget, collect their run
folders and statuses, then grade the patches. Everything it knows is rebuilt from the batch folder,
so rerunning the same command resumes a killed batch.
"""
from __future__ import annotations

import shutil
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from agent.batch.budget_pool import BudgetPool
from agent.batch.executors import Executor
from agent.batch.folder import BatchFolder, InstanceEval, InstanceStatus, SummaryRow, patch_hash
from agent.batch.grade import GradeJob, Graded, grade_job
from agent.batch.task import Job, pack, run_job, unpack
from agent.config import SolveConfig
from agent.progress import Progress
from agent.runfolder import RunFolder


@dataclass
class BenchOptions:
    output: Path
    config: SolveConfig
    model_name: str = "swe-agent"            # predictions' model_name_or_path
    budget_usd: float | None = None          # hard total over the whole batch (earlier runs included)
    max_tokens: int | None = None
    instance_budget_usd: float | None = None  # cap per instance (default: the config's budget_usd)
    instance_max_tokens: int | None = None
    mirror_root: str | None = None
    evaluate: bool = True
    coverage: bool = False                   # grade every unique candidate, not only the final patch
    eval_timeout_s: float = 1800
    log: Callable[[str], None] = field(default=lambda msg: None)


def load_rows(dataset: Path, instance_ids: list[str] | None = None) -> list[dict]:
    from agent.evaluation.dataset import load_dataset
    rows = load_dataset(dataset, instance_ids or None)
    for row in rows:
        # A local dataset names its repositories relative to the dataset file, so it can move.
        if row.get("repo_path") and not Path(row["repo_path"]).is_absolute():
            row["repo_path"] = str((Path(dataset).parent / row["repo_path"]).resolve())
    return rows


def _replace_dir(dest: Path, tar: bytes) -> None:
    # Unpack next to the old folder, then swap: a kill in between leaves the old (resumable) one.
    tmp = dest.with_name(dest.name + ".incoming")
    shutil.rmtree(tmp, ignore_errors=True)
    unpack(tar, tmp)
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)


def _drain(running: dict[Future, str]):
    done, _ = wait(list(running), return_when=FIRST_COMPLETED)
    for fut in done:
        yield running.pop(fut), fut


def run_instances(rows: list[dict], opts: BenchOptions, executor: Executor, progress: Progress) -> list[str]:
    """Run every unfinished instance; returns the ids left unrun because the total budget is spent or
    the model cannot be reached."""
    folder = BatchFolder(opts.output)
    ids = [r["instance_id"] for r in rows]
    by_id = {r["instance_id"]: r for r in rows}
    todo = deque(i for i in ids if not folder.is_done(i))
    spent = folder.write_ledger(ids, opts.budget_usd, opts.max_tokens)
    pool = BudgetPool(opts.budget_usd, opts.max_tokens,
                      per_instance_usd=opts.instance_budget_usd if opts.instance_budget_usd is not None
                      else opts.config.budget_usd,
                      per_instance_tokens=opts.instance_max_tokens if opts.instance_max_tokens is not None
                      else opts.config.max_tokens,
                      spent_usd=spent.cost_usd, spent_tokens=spent.tokens,
                      # a share below one call's worst case (its max_tokens) could not make a single call
                      min_tokens=opts.config.model.max_tokens)
    bar = progress.stage("instances", len(ids), already=len(ids) - len(todo))
    running: dict[Future, str] = {}
    before: dict[str, tuple[float, int]] = {}
    stopped = False
    while todo or running:
        while todo and not stopped and len(running) < executor.workers:
            iid = todo[0]
            prev = folder.run_spend(iid)
            share = pool.take(iid, min(executor.workers - len(running), len(todo)), prev.cost_usd, prev.tokens)
            if share is None:
                stopped = True
                opts.log(f"total budget spent: {len(todo)} instance(s) not started")
                break
            todo.popleft()
            cfg = opts.config.model_copy(update={"budget_usd": share.budget_usd, "max_tokens": share.max_tokens})
            job = Job(instance=by_id[iid], config=cfg.model_dump(), mirror_root=opts.mirror_root)
            run_dir = folder.run_dir(iid)
            if executor.shares_disk:
                job.run_dir = str(run_dir)
            elif run_dir.exists():
                job.run_tar = pack(run_dir)    # the node resumes from what earlier runs left
            before[iid] = (prev.cost_usd, prev.tokens)
            running[executor.submit(run_job, job)] = iid
        if not running:
            break
        for iid, fut in _drain(running):
            try:
                status, tar = fut.result()
            except Exception as err:  # the task itself died (node lost, worker crashed)
                status, tar = InstanceStatus(instance_id=iid, status="error", error=f"task failed: {err}"[:2000]), None
            if tar:
                _replace_dir(folder.run_dir(iid), tar)
            earlier = folder.status(iid)     # a resumed instance's time includes its earlier attempts
            status.duration_s = round(status.duration_s + (earlier.duration_s if earlier else 0.0), 2)
            folder.write_status(status)   # last: "done" on disk implies the run folder is complete
            now = folder.run_spend(iid)
            pool.settle(iid, now.cost_usd - before[iid][0], now.tokens - before[iid][1])
            folder.write_predictions(ids, opts.model_name)
            folder.write_ledger(ids, opts.budget_usd, opts.max_tokens)
            folder.write_summary(ids)
            bar.advance()
            if status.model_unavailable and todo and not stopped:
                stopped = True     # every other instance would fail alike: do not start them
                opts.log(f"the model is unavailable: {len(todo)} instance(s) not started; rerun the same "
                         "command once it is back")
            what = status.result_status or status.error.splitlines()[0][:120]
            opts.log(f"{iid}: {what} (${status.cost_usd:.4f}, {status.tokens} tok, {status.duration_s:.0f} s"
                     f"{', ' + status.node if status.node else ''})")
    bar.close()
    return list(todo)


def _patches_to_grade(folder: BatchFolder, st: InstanceStatus, coverage: bool) -> dict[str, str]:
    patches = {"final": st.model_patch}
    if coverage:
        for c in RunFolder(folder.run_dir(st.instance_id)).candidates():
            if c.diff == st.model_patch:
                patches.pop("final", None)     # the final patch is this candidate: grade it once
            patches[c.id] = c.diff
    return patches


def _record_eval(folder: BatchFolder, st: InstanceStatus, patches: dict[str, str], graded: Graded) -> InstanceEval:
    final = graded.resolved.get("final")
    if "final" not in patches:   # graded under its candidate id
        final = next((graded.resolved[n] for n, p in patches.items() if p == st.model_patch), None)
    ev = InstanceEval(patch_hash=patch_hash(st.model_patch), resolved=final, error=graded.error,
                      candidates={n: v for n, v in graded.resolved.items() if n != "final"})
    folder.write_eval(st.instance_id, ev)
    return ev


def evaluate_instances(rows: list[dict], opts: BenchOptions, executor: Executor, progress: Progress) -> None:
    folder = BatchFolder(opts.output)
    todo = []
    for row in rows:
        st = folder.status(row["instance_id"])
        if st is None or st.status == "error":
            continue
        ev = folder.eval(st.instance_id)
        if ev and ev.patch_hash == patch_hash(st.model_patch) and not ev.error and (ev.candidates or not opts.coverage):
            continue                     # graded before, same patch
        todo.append((row, st))
    bar = progress.stage("evaluation", len(todo))
    running: dict[Future, str] = {}
    jobs: dict[str, tuple[InstanceStatus, dict[str, str]]] = {}
    queue = deque(todo)
    while queue or running:
        while queue and len(running) < executor.workers:
            row, st = queue.popleft()
            patches = _patches_to_grade(folder, st, opts.coverage)
            job = GradeJob(instance=row, patches=patches, config=opts.config.model_dump(),
                           mirror_root=opts.mirror_root, timeout_s=opts.eval_timeout_s,
                           log_dir=str(folder.instance_dir(st.instance_id) / "eval") if executor.shares_disk else None)
            jobs[st.instance_id] = (st, patches)
            running[executor.submit(grade_job, job)] = st.instance_id
        for iid, fut in _drain(running):
            st, patches = jobs[iid]
            try:
                graded = fut.result()
            except Exception as err:
                graded = Graded(resolved={n: None for n in patches}, error=f"task failed: {err}"[:2000])
            if graded.logs_tar:
                _replace_dir(folder.instance_dir(iid) / "eval", graded.logs_tar)
            ev = _record_eval(folder, st, patches, graded)
            bar.advance()
            opts.log(f"{iid}: resolved={ev.resolved} coverage={ev.coverage}"
                     f"{' (' + ev.error.splitlines()[0][:160] + ')' if ev.error else ''}")
    bar.close()


def run_bench(rows: list[dict], opts: BenchOptions, executor: Executor,
              progress: Progress | None = None) -> list[SummaryRow]:
    folder = BatchFolder(opts.output)
    ids = [r["instance_id"] for r in rows]
    folder.root.mkdir(parents=True, exist_ok=True)
    with progress or Progress() as prog:
        run_instances(rows, opts, executor, prog)
        if opts.evaluate:
            evaluate_instances(rows, opts, executor, prog)
    folder.write_predictions(ids, opts.model_name)
    folder.write_ledger(ids, opts.budget_usd, opts.max_tokens)
    return folder.write_summary(ids)
