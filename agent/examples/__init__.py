"""Tiny repositories with one real planted bug each: the README's demo and the benchmark's instances.

Each `<name>/` holds `repo/` (a package plus its own passing tests, which miss the bug), `issue.md`
(the symptom as a user reports it), `hidden_test.py` (never shown to the pipeline: fails on the bug,
passes on a correct fix) and `solution/` (the corrected module(s), paths relative to `repo/`).
The folders are data, not part of the project's test suite: nothing here is named for pytest to
collect outside `repo/tests/`, which the project's `testpaths = ["tests"]` never reaches.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agent.examples.hidden_check import check_hidden, solution_diff

EXAMPLES_DIR = Path(__file__).resolve().parent
DEFAULT_EXAMPLE = "tempconv"   # the README's main job: a one-line fix the embedded 1.5B model can make

# A fixed identity and date make the commit hash depend on the files only, so a benchmark rerun
# resumes its run folders (they record the commit) and the sandbox image cache (content-addressed) hits.
_AUTHOR = ("swe-agent examples", "examples@swe-agent.invalid")
_DATE = "2024-01-01T00:00:00"   # ISO without offset: what gitpython parses (as UTC)
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")

__all__ = ["DEFAULT_EXAMPLE", "Example", "check_hidden", "list_examples", "materialize", "solution_diff"]


@dataclass(frozen=True)
class Example:
    name: str
    repo: Path            # a git repository with one commit: the buggy code
    issue: Path           # issue.md, outside the repository
    hidden_test: Path     # outside the repository: the pipeline never sees it
    solution: Path        # corrected module(s), paths relative to repo (read-only package data)


def list_examples() -> list[str]:
    return sorted(p.name for p in EXAMPLES_DIR.iterdir() if (p / "repo").is_dir() and (p / "issue.md").is_file())


def source_dir(name: str) -> Path:
    if name not in list_examples():
        raise KeyError(f"no example {name!r}; choose one of: {', '.join(list_examples())}")
    return EXAMPLES_DIR / name


def materialize(name: str, dest: Path) -> Example:
    """Copy the example into dest (repo/, issue.md, hidden_test.py) and commit repo/ once.

    An existing dest/repo is reused as is (a killed benchmark resumes; the commit hash is the same
    anyway); one with local changes is an error rather than silently reset.
    """
    import git

    src, dest = source_dir(name), Path(dest).resolve()
    repo_dir = dest / "repo"
    dest.mkdir(parents=True, exist_ok=True)
    for f in ("issue.md", "hidden_test.py"):
        shutil.copyfile(src / f, dest / f)
    if repo_dir.exists():
        try:
            with git.Repo(repo_dir) as repo:
                dirty = repo.is_dirty(untracked_files=True)
        except git.InvalidGitRepositoryError:
            dirty = True
        if dirty:
            raise FileExistsError(f"{repo_dir} exists with other content or local changes; "
                                  "remove it or choose another destination")
    else:
        # Built aside and renamed into place: a repo/ that exists is always complete.
        tmp = Path(tempfile.mkdtemp(prefix=".repo-", dir=dest))
        try:
            _make_repo(src / "repo", tmp / "repo", message=f"{name}: initial import")
            os.replace(tmp / "repo", repo_dir)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return Example(name=name, repo=repo_dir, issue=dest / "issue.md", hidden_test=dest / "hidden_test.py",
                   solution=src / "solution")


def _make_repo(src: Path, dst: Path, message: str) -> None:
    import git

    shutil.copytree(src, dst, ignore=_IGNORE)
    (dst / ".gitignore").write_text("__pycache__/\n*.pyc\n.pytest_cache/\n")
    with git.Repo.init(dst, initial_branch="main") as repo:
        with repo.config_writer() as cfg:   # local identity: later commits in the copy need one too
            cfg.set_value("user", "name", _AUTHOR[0])
            cfg.set_value("user", "email", _AUTHOR[1])
        repo.git.add("-A")
        actor = git.Actor(*_AUTHOR)
        repo.index.commit(message, author=actor, committer=actor, author_date=_DATE, commit_date=_DATE)
