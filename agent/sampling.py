"""Run many trajectories of one stage in threads, one atomic file per finished sample.

A sample file that exists is finished and is loaded, never recomputed (resume). A sample cut
short by the budget is not written, so a resumed run with more budget does it again; nor is one whose
model call failed on every try (a provider's outage), so a resume tries it again.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from agent.budget import BudgetExceeded, Ledger
from agent.progress import Progress
from agent.runfolder import RunFolder
from agent.schema import Trajectory


def sample_file(stage_dir: str, i: int, prefix: str = "") -> str:
    """`prefix` keeps several sample sets in one folder (the judge's: 06_reward/<cand>_sample_NNN.json)."""
    return f"{stage_dir}/{prefix}sample_{i:03d}.json"


def load_samples(run: RunFolder, stage_dir: str, n: int, prefix: str = "") -> dict[int, Trajectory]:
    out = {}
    for i in range(n):
        t = run.read_model_or_none(sample_file(stage_dir, i, prefix), Trajectory)
        if t is not None:
            out[i] = t
    return out


def sample_many(run: RunFolder, stage_dir: str, n: int, fn: Callable[[int], Trajectory], *,
                workers: int, ledger: Ledger, progress: Progress, label: str,
                stop: Callable[[list[Trajectory]], bool] | None = None, prefix: str = "") -> list[Trajectory]:
    done = load_samples(run, stage_dir, n, prefix)
    todo = [i for i in range(n) if i not in done]
    bar = progress.stage(label, n, already=len(done))

    def one(i: int) -> Trajectory | None:
        try:
            ledger.check()
        except BudgetExceeded:
            return None
        traj = fn(i)
        if traj.status != "budget" and not traj.retry_on_resume:
            run.write_json(sample_file(stage_dir, i, prefix), traj)
        run.write_json("ledger.json", ledger.snapshot())
        bar.advance()
        return traj

    # Rounds of `workers` samples let adaptive compute stop early between rounds.
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        while todo:
            if stop and stop(_ordered(done)):
                break
            batch, todo = todo[:workers], todo[workers:]
            for i, traj in zip(batch, pool.map(one, batch)):
                if traj is not None and traj.status != "budget":
                    done[i] = traj
            if ledger.exhausted_reason():
                break
    except BaseException:
        # Ctrl-C / SIGTERM: do not wait minutes for model calls in flight (their samples are not
        # written, so a resume redoes them); the unwinding run stops the model server and sandboxes.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    bar.close()
    return _ordered(done)


def all_finished(trajs: list[Trajectory], n: int) -> bool:
    """Every one of the stage's n samples is on disk: none cut short by the budget, none to ask again. A stage
    that caches what it made of its samples caches it only then, so that a resume completes the rest."""
    return len(trajs) == n and not any(t.retry_on_resume for t in trajs)


def _ordered(done: dict[int, Trajectory]) -> list[Trajectory]:
    return [done[k] for k in sorted(done)]
