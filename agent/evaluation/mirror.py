"""Read repositories from local bare git mirrors instead of GitHub.

A mirror directory holds one bare repository per upstream, named `owner+name` or `owner__name`;
the library's fetch tool nests the git dir one level down (`owner+name/repo`), so both are accepted.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path


class MirrorError(RuntimeError):
    pass


@dataclass(frozen=True)
class Submodule:
    name: str
    path: str
    url: str
    commit: str            # the gitlink the superproject records
    repo: str | None       # owner/name on GitHub, when the URL says


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
                return cand.resolve()    # absolute: git runs with other working directories (a fetch into a clone)
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
        _git_in(dest, args)


def _git_in(dest: Path, args: list[str], what: str = "") -> None:
    """git in the work tree at dest; a failure is a MirrorError naming the step."""
    proc = subprocess.run(["git", "-C", str(dest), *args], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise MirrorError(f"{what}git {' '.join(args[:4])}: {proc.stderr.strip()[-500:]}")


def repo_of_url(url: str, parent: str) -> str | None:
    """`owner/name` of a submodule URL on GitHub (https, ssh, or relative to the parent `owner/name`)."""
    url = url.strip()
    m = re.match(r"(?:https?://|git://|ssh://git@|git@)github\.com[/:]([^/]+)/([^/]+?)(?:\.git)?/?$", url)
    if m:
        return f"{m.group(1)}/{m.group(2)}"
    m = re.match(r"\.\./([^/]+?)(?:\.git)?/?$", url)
    return f"{parent.split('/')[0]}/{m.group(1)}" if m else None


def submodules(git_dir: Path, commit: str, repo: str) -> list[Submodule]:
    """The submodules the tree at commit records (.gitmodules entries whose path is a gitlink there)."""
    try:
        listing = _git(git_dir, "config", "--blob", f"{commit}:.gitmodules", "--list")
    except MirrorError:
        return []
    entries: dict[str, dict[str, str]] = {}
    for line in listing.splitlines():
        key, _, value = line.partition("=")
        m = re.fullmatch(r"submodule\.(.+)\.(path|url)", key)
        if m:
            entries.setdefault(m.group(1), {})[m.group(2)] = value
    found = []
    for name, e in sorted(entries.items()):
        if "path" not in e or "url" not in e:
            continue
        row = _git(git_dir, "ls-tree", commit, "--", e["path"]).split()
        if len(row) >= 3 and row[1] == "commit":
            found.append(Submodule(name=name, path=e["path"], url=e["url"], commit=row[2],
                                   repo=repo_of_url(e["url"], repo)))
    return found


def fill_submodules(mirror_root: str | Path | None, dest: Path, subs: list[Submodule]) -> list[str]:
    """Check each submodule of the repository at dest out at its recorded commit from its own mirror, as an
    initialized submodule (what `git submodule update --init` leaves; astropy < 4's setup.py otherwise clones
    astropy_helpers from GitHub). The recorded URL stays in the config. Returns the ones with no mirror."""
    missing = []
    for sub in subs:
        src = find_mirror(mirror_root, sub.repo) if sub.repo else None
        if src is None:
            missing.append(f"{sub.path} ({sub.repo or sub.url})")
            continue
        key = f"submodule.{sub.name}.url"
        for args in (["submodule", "init", "--", sub.path], ["config", key, str(src)],
                     ["-c", "protocol.file.allow=always", "submodule", "update", "--", sub.path],
                     ["config", key, sub.url], ["-C", sub.path, "remote", "set-url", "origin", sub.url]):
            _git_in(dest, args, f"submodule {sub.path}: ")
    return missing
