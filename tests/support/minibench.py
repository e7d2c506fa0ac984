"""The in-repo SWE-bench-format dataset: a small repository (tests/data/minibench/repo) and its instances.

`make_mirror` turns the files into a bare git mirror laid out as the evaluation package expects
(`<root>/swe-agent+minicalc`). Author, committer and dates are fixed, so the commit hash is the same on
every machine and the dataset can name it as `base_commit`: CI needs no fetched upstream mirror.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "minibench"   # runnable as a script too: stdlib only
DATASET = DATA / "dataset.jsonl"
REPO = "swe-agent/minicalc"
_IDENTITY = {"GIT_AUTHOR_NAME": "minibench", "GIT_AUTHOR_EMAIL": "minibench@example.invalid",
             "GIT_COMMITTER_NAME": "minibench", "GIT_COMMITTER_EMAIL": "minibench@example.invalid",
             "GIT_AUTHOR_DATE": "2024-01-01T00:00:00+0000", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00+0000"}


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **_IDENTITY, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    return subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout.strip()


def make_mirror(root: Path) -> tuple[Path, str]:
    """(bare git dir, commit) of the repository files as one commit."""
    work = root / "minicalc-work"
    shutil.copytree(DATA / "repo", work, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    for path in work.rglob("*"):
        if path.is_file():
            path.chmod(0o644)   # git records the executable bit: keep it out of the hash
    _git(work, "init", "-q")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "minicalc 0.1.0")
    commit = _git(work, "rev-parse", "HEAD")
    bare = root / REPO.replace("/", "+")
    _git(root, "clone", "-q", "--bare", str(work), str(bare))
    shutil.rmtree(work)
    return bare, commit


if __name__ == "__main__":   # python tests/support/minibench.py MIRRORS: the mirror `bench` / `eval` / `validate` need
    import sys
    print(*make_mirror(Path(sys.argv[1])))
