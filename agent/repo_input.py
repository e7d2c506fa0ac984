"""Checks on the user's repository and issue input. Clear errors, nothing modified."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import git

from agent.schema import Issue

MAX_ISSUE_CHARS = 200_000


class InputError(ValueError):
    """Bad user input; the message says what to do."""


def open_repo(path: Path, allow_dirty: bool = False) -> tuple[git.Repo, str]:
    path = Path(path)
    if not path.exists():
        raise InputError(f"--repo {path}: no such directory")
    try:
        repo = git.Repo(path, search_parent_directories=False)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise InputError(f"--repo {path} is not a git repository (run `git init && git add -A && git commit` first)")
    try:
        commit = repo.head.commit.hexsha
    except ValueError:
        raise InputError(f"--repo {path} has no commits yet: commit the code first")
    if repo.is_dirty(untracked_files=False) and not allow_dirty:
        raise InputError(f"--repo {path} has uncommitted changes; commit or stash them "
                         "(or pass --allow-dirty to work on HEAD and ignore them)")
    return repo, commit


def issue_from_file(path: Path) -> Issue:
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a directory: give the issue as a text file (e.g. {path}/issue.md) or a GitHub issue URL")
    if not path.is_file():
        raise InputError(f"issue file {path} " + ("is not a regular file: give the issue as a text file"
                                                   if path.exists() else "does not exist"))
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise InputError(f"issue file {path} is not text (it holds NUL bytes): give the issue's text")
    text = raw.decode("utf-8", errors="replace")
    return issue_from_text(text, source=str(path))


def issue_from_text(text: str, source: str = "") -> Issue:
    if not text.strip():
        raise InputError(f"the issue text{' in ' + source if source else ''} is empty: describe the problem")
    if len(text) > MAX_ISSUE_CHARS:
        raise InputError(f"the issue text is {len(text)} characters; the limit is {MAX_ISSUE_CHARS}. "
                         "Trim logs to the relevant part.")
    lines = text.strip().splitlines()
    title = lines[0].lstrip("# ").strip()[:200]
    body = "\n".join(lines[1:]).strip() or title
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    return Issue(id=f"local-{digest}", title=title, body=body, url=None)


@lru_cache(maxsize=32)
def tracked_files(repo: Path, commit: str) -> frozenset[str]:
    """Files git tracks at `commit` (cached: several stages ask for the same commit)."""
    return frozenset(git.Repo(repo).git.ls_tree("-r", "--name-only", commit).split("\n"))
