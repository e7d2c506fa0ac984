"""Judging a diff on an example: the hidden test AND the repository's own tests must pass.

The repository's tests count too (like SWE-bench's PASS_TO_PASS), so a "fix" that breaks other
behaviour is not correct. An empty diff (abstention) is never correct.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from agent.examples import Example

log = logging.getLogger(__name__)

# Named so pytest collects it when given explicitly and nobody mistakes it for the repo's own test.
HIDDEN_NAME = "test_zz_hidden_check.py"
CHECK_ARGS = f"-q -p no:cacheprovider {HIDDEN_NAME} tests"
_worktree_lock = threading.Lock()   # `git worktree add/remove` edit shared metadata in .git


def check_hidden(target, example: "Example", diff: str, *, timeout: float = 120.0) -> bool:
    """True when `diff` applies and the hidden + own tests pass.

    target: a fresh Sandbox of example.repo (used as is; the caller closes it), a Path of a git
    repository (checked in a temporary worktree of its HEAD with the host's Python), or None:
    a fresh Docker sandbox when an engine and the sandbox package are available, else the worktree.
    """
    if not diff.strip():
        return False
    hidden = Path(example.hidden_test).read_text(encoding="utf-8")
    if target is None:
        target = _docker_sandbox(example) or Path(example.repo)
        if isinstance(target, Path):
            return _check_worktree(target, hidden, diff, timeout)
        with target:
            return _check_sandbox(target, hidden, diff, timeout)
    if isinstance(target, (str, Path)):
        return _check_worktree(Path(target), hidden, diff, timeout)
    return _check_sandbox(target, hidden, diff, timeout)


def _check_sandbox(sb, hidden: str, diff: str, timeout: float) -> bool:
    if not sb.apply_patch(diff).ok:
        return False
    sb.write_file(HIDDEN_NAME, hidden)
    return sb.run(f"python -m pytest {CHECK_ARGS}", timeout=timeout).exit_code == 0


def _check_worktree(repo: Path, hidden: str, diff: str, timeout: float) -> bool:
    with worktree(repo) as wt:
        if _git(wt, "apply", "--whitespace=nowarn", "-", stdin=diff).returncode != 0:
            return False
        (wt / HIDDEN_NAME).write_text(hidden, encoding="utf-8")
        return run_pytest(wt, CHECK_ARGS.split(), timeout) == 0


def solution_diff(example: "Example") -> str:
    """The reference fix as a diff against example.repo's HEAD (what a perfect candidate looks like)."""
    with worktree(example.repo) as wt:
        shutil.copytree(example.solution, wt, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        return _git(wt, "diff").stdout


def run_pytest(cwd: Path, args: list[str], timeout: float) -> int:
    """Exit code of the host's pytest in cwd (-1 on timeout). PYTHONPATH dropped so the copy's code wins."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    try:
        return subprocess.run([sys.executable, "-m", "pytest", *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        return -1


@contextmanager
def worktree(repo: Path) -> Iterator[Path]:
    """A throwaway detached checkout of repo's HEAD; the repository itself is never touched."""
    tmp = Path(tempfile.mkdtemp(prefix="swe-agent-judge-"))
    wt = tmp / uuid.uuid4().hex[:8]
    with _worktree_lock:
        _git(repo, "worktree", "add", "--detach", "--quiet", str(wt), "HEAD", check=True)
    try:
        yield wt
    finally:
        with _worktree_lock:
            _git(repo, "worktree", "remove", "--force", str(wt))
            _git(repo, "worktree", "prune")
        shutil.rmtree(tmp, ignore_errors=True)


def _git(cwd: Path, *args: str, stdin: str | None = None, check: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, text=True, check=check)


def _docker_sandbox(example: "Example"):
    """A fresh, network-less Docker sandbox of example.repo, or None when Docker cannot be used here."""
    try:
        import git
        from sandbox.docker_sandbox import DockerSandbox
        from sandbox.engine import connect
        from sandbox.images import RepoRecipe, ensure_repo_image
    except ImportError:
        return None
    try:
        commit = git.Repo(example.repo).head.commit.hexsha
        client = connect()
        try:   # the same recipe as a pipeline run of the example, so the image is already built
            image = ensure_repo_image(client, RepoRecipe(repo_path=str(example.repo), commit=commit))
        finally:
            client.close()
        return DockerSandbox.start(image, network=False, labels={"swe-agent.run": "judge"})   # owns its client
    except Exception as err:  # no engine, build failure: judging still works on the host
        log.warning("judging %s without Docker: %s", example.name, err)
        return None
