"""Read repositories from local bare git mirrors instead of GitHub.

A mirror directory holds one bare repository per upstream, named `owner+name` or `owner__name`;
the library's fetch tool nests the git dir one level down (`owner+name/repo`), so both are accepted.
"""
from __future__ import annotations

import subprocess
from pathlib import Path


class MirrorError(RuntimeError):
    pass


def _is_git_dir(path: Path) -> bool:
    return (path / "objects").is_dir() and (path / "HEAD").is_file()


def find_mirror(mirror_root: str | Path | None, repo: str) -> Path | None:
    """The bare git dir for `owner/name` under mirror_root, or None."""
    if not mirror_root:
        return None
    owner, name = repo.split("/")
    for folder in (f"{owner}+{name}", f"{owner}__{name}", f"{owner}+{name}.git", f"{owner}__{name}.git"):
        base = Path(mirror_root) / folder
        for cand in (base, base / "repo", base / ".git"):
            if cand.is_dir() and _is_git_dir(cand):
                return cand
    return None


def _git(git_dir: Path, *args: str, timeout: float = 300) -> str:
    proc = subprocess.run(["git", f"--git-dir={git_dir}", *args], capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise MirrorError(f"git {' '.join(args)} in {git_dir}: {proc.stderr.strip()[-500:]}")
    return proc.stdout


def read_file_at(git_dir: Path, commit: str, path: str) -> str | None:
    """File content at commit, or None when the file does not exist there."""
    try:
        return _git(git_dir, "show", f"{commit}:{path}")
    except MirrorError:
        return None


def checkout(git_dir: Path, commit: str, dest: Path) -> None:
    """A fresh repository at dest whose history ends at commit (no later commits, no remote), which is
    what the official setup leaves after `git reset --hard` + remote removal + deleting newer tags + gc.

    Tags reachable from commit are kept, as upstream keeps the older ones: setuptools_scm derives the
    package version from them (pytest without tags installs as 0.1.devN and its tox.ini minversion fails).
    """
    dest.mkdir(parents=True, exist_ok=True)
    tags = [f"refs/tags/{t}:refs/tags/{t}" for t in _git(git_dir, "tag", "--merged", commit).split()]
    for args in (["init", "-q"], ["fetch", "-q", "--no-tags", str(git_dir), commit, *tags],
                 ["checkout", "-q", "-B", "main", commit]):
        proc = subprocess.run(["git", "-C", str(dest), *args], capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise MirrorError(f"git {' '.join(args[:4])}: {proc.stderr.strip()[-500:]}")
