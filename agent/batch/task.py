"""One instance end to end, on whichever machine runs it: checkout → environment → pipeline.

This is the unit a worker thread or a Ray task executes. It takes and returns plain data (a job,
a status, tar bytes) so it can cross a process or machine boundary; the run folder travels as a tar
when the worker does not share the driver's disk.
"""
from __future__ import annotations

import io
import socket
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel

from agent.batch.folder import InstanceStatus
from agent.model.base import ModelUnavailable

SWEBENCH_WORKDIR = "/testbed"   # where SWE-bench instance images hold the repository


class Job(BaseModel):
    instance: dict                      # a dataset row (SWE-bench columns; `repo_path` for local repos)
    config: dict                        # SolveConfig dump with this instance's budget share filled in
    run_dir: str | None = None          # shared disk: write the run folder here directly
    run_tar: bytes | None = None        # no shared disk: the run folder so far (resume), as a tar
    mirror_root: str | None = None      # bare git mirrors on the node (SWE-bench rows)


def pack(folder: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(folder, arcname=".")
    return buf.getvalue()


def unpack(data: bytes, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(dest, filter="data")   # "data": no absolute paths, links or devices from the tar


def checkout(git_dir: Path, commit: str, dest: Path) -> None:
    # The evaluation package's checkout leaves no later history, tags or remote (as the official setup).
    from agent.evaluation.mirror import checkout as mirror_checkout
    mirror_checkout(git_dir, commit, dest)


def _node() -> str:
    try:
        import ray
        if ray.is_initialized():
            return f"{socket.gethostname()}/{ray.get_runtime_context().get_node_id()[:8]}"
    except ImportError:
        pass
    return socket.gethostname()


def _environment(row: dict, mirror_root: str | None, work: Path, cfg) -> tuple[Path, str]:
    """A host checkout at the base commit; for SWE-bench rows also the instance image in cfg."""
    if row.get("repo_path"):
        src = Path(row["repo_path"])
        git_dir = src / ".git" if (src / ".git").is_dir() else src
        commit = row.get("base_commit") or subprocess.run(
            ["git", f"--git-dir={git_dir}", "rev-parse", "HEAD"], capture_output=True, text=True,
            check=True).stdout.strip()
        checkout(git_dir, commit, work / "repo")
        return work / "repo", commit
    from agent.evaluation import build, mirror
    git_dir = mirror.find_mirror(mirror_root, row["repo"])
    if git_dir is None:
        raise RuntimeError(f"no git mirror of {row['repo']} under {mirror_root!r} on {socket.gethostname()} "
                           "(pass --mirrors DIR; each node needs its own copy)")
    checkout(git_dir, row["base_commit"], work / "repo")
    # The pipeline's sandboxes start from the instance image (the repo installed at /testbed) when the
    # config supports a prebuilt image; without that field it builds its own repository image.
    if "image" in type(cfg).model_fields:
        from sandbox.engine import connect
        client = connect()
        try:
            cfg.image = build.ensure_images(client, row, mirror_root).instance
        finally:
            client.close()
        if "workdir" in type(cfg).model_fields:
            cfg.workdir = SWEBENCH_WORKDIR
    return work / "repo", row["base_commit"]


def issue_for(row: dict):
    from agent.repo_input import issue_from_text
    issue = issue_from_text(row["problem_statement"], source=row["instance_id"])
    return issue.model_copy(update={"id": row["instance_id"]})


def run_job(job: Job) -> tuple[InstanceStatus, bytes | None]:
    """Never raises for a failed instance: the failure is a status the driver records (and retries)."""
    from agent.config import SolveConfig
    from agent.pipeline import solve
    from agent.progress import Progress

    iid = job.instance["instance_id"]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"swe-bench-{iid[:40]}-") as tmp:
        work = Path(tmp)
        run_dir = Path(job.run_dir) if job.run_dir else work / "run"
        if job.run_tar:
            unpack(job.run_tar, run_dir)
        try:
            cfg = SolveConfig.model_validate(job.config)
            repo, commit = _environment(job.instance, job.mirror_root, work, cfg)
            result = solve(issue_for(job.instance), repo, run_dir, cfg, commit=commit, progress=Progress(False))
            status = InstanceStatus(instance_id=iid, status="budget" if result.stopped_reason else "done",
                                    result_status=result.status,
                                    model_patch=result.final_diff, cost_usd=result.cost_usd, tokens=result.tokens)
        except Exception as err:  # one broken instance must not stop the batch
            status = InstanceStatus(instance_id=iid, status="error", error=f"{type(err).__name__}: {err}"[:2000],
                                    model_unavailable=isinstance(err, ModelUnavailable))
        status.duration_s = round(time.monotonic() - started, 2)
        status.node = _node()
        tar = pack(run_dir) if not job.run_dir and run_dir.exists() else None
        return status, tar
