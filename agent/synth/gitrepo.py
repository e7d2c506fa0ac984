"""Git side of the factory: the project's base commit and one commit per kept bug in a bare mirror.

Every commit is a root commit with the same message, author and date: a solver that checks out a
task's `base_commit` sees one commit and no history, so `git log` / `git show` cannot reveal the
planted change. Refs (`refs/synth/<id>`) keep the commits reachable, so the mirror can travel as a
single `git bundle` file and `agent.evaluation.mirror.checkout` can fetch any of them.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

MESSAGE = "Import project sources"
_IDENT = {"GIT_AUTHOR_NAME": "swe-agent synth", "GIT_AUTHOR_EMAIL": "synth@swe-agent.invalid",
          "GIT_COMMITTER_NAME": "swe-agent synth", "GIT_COMMITTER_EMAIL": "synth@swe-agent.invalid",
          "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+0000", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+0000"}


class GitError(RuntimeError):
    pass


def git(git_dir: Path, *args: str, input: str | None = None, env: dict | None = None, cwd: Path | None = None) -> str:
    proc = subprocess.run(["git", f"--git-dir={git_dir.resolve()}", *args], capture_output=True, text=True,
                          input=input, env={**os.environ, **_IDENT, **(env or {})}, timeout=300, cwd=cwd)
    if proc.returncode != 0:
        raise GitError(f"git {' '.join(args[:3])}: {proc.stderr.strip()[-400:]}")
    return proc.stdout


def init_mirror(git_dir: Path) -> Path:
    if not (git_dir / "objects").is_dir():
        git_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], check=True, capture_output=True)
    return git_dir


def import_tree(git_dir: Path, source: Path) -> str:
    """A root commit of source's files (a plain directory, an extracted sdist or a .tar.gz sdist);
    refs/heads/main points to it. The same files give the same commit (fixed identity and date)."""
    with tempfile.TemporaryDirectory(prefix="synth-import-") as tmp:
        if source.is_file():
            try:
                with tarfile.open(source) as tar:
                    tar.extractall(tmp, filter="data")
            except tarfile.TarError as err:
                raise GitError(f"{source} is not a readable sdist (a .tar.gz of the project): "
                               f"{str(err).splitlines()[0]}") from None
            tops = list(Path(tmp).iterdir())
            source = tops[0] if len(tops) == 1 and tops[0].is_dir() else Path(tmp)
        index = Path(tmp) / "index"
        env = {"GIT_INDEX_FILE": str(index), "GIT_WORK_TREE": str(source)}
        # -f: an sdist's files are the project, whatever a .gitignore inside it says
        git(git_dir, "add", "-A", "-f", "--", ".", ":(exclude,glob)**/__pycache__/**", ":(exclude,glob)**/*.pyc",
            env=env, cwd=source)
        tree = git(git_dir, "write-tree", env=env).strip()
    commit = git(git_dir, "commit-tree", tree, "-m", MESSAGE).strip()
    git(git_dir, "update-ref", "refs/heads/main", commit)
    git(git_dir, "symbolic-ref", "HEAD", "refs/heads/main")
    return commit


def import_commit(git_dir: Path, source_git_dir: Path, ref: str) -> str:
    """The tree of ref in another repository as a root commit here (its history stays behind)."""
    tree = git(source_git_dir, "rev-parse", f"{ref}^{{tree}}").strip()
    git(git_dir, "fetch", "-q", "--no-tags", str(source_git_dir), git(source_git_dir, "rev-parse", ref).strip())
    commit = git(git_dir, "commit-tree", tree, "-m", MESSAGE).strip()
    git(git_dir, "update-ref", "refs/heads/main", commit)
    git(git_dir, "symbolic-ref", "HEAD", "refs/heads/main")
    return commit


def read(git_dir: Path, commit: str, path: str) -> str:
    return git(git_dir, "show", f"{commit}:{path}")


def python_files(git_dir: Path, commit: str) -> list[str]:
    return [p for p in git(git_dir, "ls-tree", "-r", "--name-only", commit).splitlines() if p.endswith(".py")]


def commit_with(git_dir: Path, base: str, path: str, content: str, ref: str) -> str:
    """A root commit equal to base except path := content, kept reachable by ref."""
    blob = git(git_dir, "hash-object", "-w", "--stdin", input=content).strip()
    with tempfile.TemporaryDirectory(prefix="synth-index-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        git(git_dir, "read-tree", base, env=env)
        mode = git(git_dir, "ls-tree", base, "--", path).split()[0]
        git(git_dir, "update-index", "--cacheinfo", f"{mode},{blob},{path}", env=env)
        tree = git(git_dir, "write-tree", env=env).strip()
    commit = git(git_dir, "commit-tree", tree, "-m", MESSAGE).strip()
    git(git_dir, "update-ref", ref, commit)
    return commit


def diff(git_dir: Path, a: str, b: str) -> str:
    """`git diff a b` as a patch (what `patch` columns hold: apply it at a to get b)."""
    return git(git_dir, "diff", "--no-color", "--no-ext-diff", a, b)


def bundle(git_dir: Path, dest: Path) -> Path:
    """All refs of the mirror in one file (atomic: written next to dest, then renamed)."""
    tmp = dest.with_name(dest.name + ".tmp")
    git(git_dir, "bundle", "create", str(tmp.resolve()), "--all")
    tmp.replace(dest)
    return dest


def unbundle(bundle_file: Path, git_dir: Path) -> Path:
    """A bare mirror from a bundle (replaces an older one at git_dir)."""
    tmp = git_dir.with_name(git_dir.name + ".incoming")
    shutil.rmtree(tmp, ignore_errors=True)
    proc = subprocess.run(["git", "clone", "-q", "--mirror", str(bundle_file.resolve()), str(tmp)],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise GitError(f"git clone --mirror {bundle_file}: {proc.stderr.strip()[-400:]}")
    shutil.rmtree(git_dir, ignore_errors=True)
    tmp.rename(git_dir)
    return git_dir
