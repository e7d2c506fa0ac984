"""Clone / update the issue's repository in a cache, and push the fix as a new branch.

Authentication: the token reaches git only through GIT_CONFIG_* environment variables
(`http.extraheader`), so it is never written to `.git/config`, never part of a remote URL, and never
on a command line (where `ps` would show it). Branches: we never force-push; a branch name that is
taken by a commit we did not make is skipped for the next free name.
"""
from __future__ import annotations

import base64
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import git

from agent.github.errors import GitHubError, PushRejected
from agent.github.scrub import scrub
from agent.github.urls import IssueURL

log = logging.getLogger("swe_agent.github")

AUTHOR_NAME = "swe-agent"
AUTHOR_EMAIL = "swe-agent@users.noreply.github.com"
TRAILER = "Swe-Agent-Issue"          # marks commits we made; checked before reusing a branch name
MAX_BRANCH_TRIES = 20


class CloneFailed(GitHubError):
    """git could not clone / fetch the repository or resolve --ref."""


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """~/.cache/swe-agent/repos, or $SWE_AGENT_CACHE/repos (CI runners point it at a cached path)."""
    env = os.environ if env is None else env
    if env.get("SWE_AGENT_CACHE"):
        return Path(env["SWE_AGENT_CACHE"]) / "repos"
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "swe-agent" / "repos"


def git_env(token: str | None) -> dict[str, str]:
    """Environment for one git call: no prompts, no credential helpers, the token as an HTTP header."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_CONFIG_")}
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "",
                "GIT_CONFIG_NOSYSTEM": "1"})
    pairs = [("credential.helper", "")]            # a user's helper must not store the token
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        pairs.append(("http.extraheader", f"AUTHORIZATION: basic {basic}"))
    env["GIT_CONFIG_COUNT"] = str(len(pairs))
    for i, (k, v) in enumerate(pairs):
        env[f"GIT_CONFIG_KEY_{i}"] = k
        env[f"GIT_CONFIG_VALUE_{i}"] = v
    return env


@dataclass
class Checkout:
    path: Path
    commit: str          # the commit solved against (HEAD of the work tree)
    ref: str             # what was asked for (default branch when none)


class RepoCache:
    def __init__(self, issue: IssueURL, token: str | None, cache_dir: Path | None = None,
                 env: Mapping[str, str] | None = None):
        self.issue = issue
        self._token = token
        host = re.sub(r"[^A-Za-z0-9.-]", "_", issue.server.split("://", 1)[-1])
        self.path = (cache_dir or default_cache_dir(env)) / host / issue.owner / issue.repo

    def _git(self, *args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(["git", *args], cwd=cwd or self.path, env=git_env(self._token),
                              capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise CloneFailed(self._clean(f"git {args[0]} failed: {proc.stderr.strip()[-1500:]}"))
        return proc

    def _clean(self, text: str) -> str:
        return scrub(text, [self._token] if self._token else [])

    def checkout(self, ref: str) -> Checkout:
        """Clone (first run) or fetch (later runs), then a clean detached work tree at `ref`."""
        url = self.issue.clone_url
        if not (self.path / ".git").is_dir():
            if self.path.exists():
                shutil.rmtree(self.path)        # a half-finished clone from an interrupted run
            self.path.parent.mkdir(parents=True, exist_ok=True)
            log.info("cloning %s into %s", url, self.path)
            self._git("clone", "--no-checkout", "--", url, str(self.path), cwd=self.path.parent)
        else:
            log.info("updating cached clone %s", self.path)
            self._git("remote", "set-url", "origin", url)
        self._git("fetch", "--prune", "--tags", "--force", "origin", "+refs/heads/*:refs/remotes/origin/*")
        commit = self._resolve(ref)
        self._git("checkout", "--force", "--detach", commit)
        self._git("clean", "-ffdx")             # leftovers of an earlier run must not leak into this one
        return Checkout(path=self.path, commit=commit, ref=ref)

    def _resolve(self, ref: str) -> str:
        for candidate in (f"refs/remotes/origin/{ref}", f"refs/tags/{ref}", ref):
            proc = self._git("rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}", check=False)
            if proc.returncode == 0:
                return proc.stdout.strip()
        if re.fullmatch(r"[0-9a-f]{7,40}", ref):   # a commit no branch points at (e.g. from a PR)
            if self._git("fetch", "origin", ref, check=False).returncode == 0:
                return self._git("rev-parse", "FETCH_HEAD^{commit}").stdout.strip()
        raise CloneFailed(f"--ref {ref!r} is neither a branch, a tag nor a commit of {self.issue.full_name}")

    # ---- publishing -------------------------------------------------------------------------------
    def commit_fix(self, base_commit: str, diff: str, message: str) -> str:
        """A commit on top of base_commit holding `diff`, made in a throw-away index (work tree untouched)."""
        repo = git.Repo(self.path)
        repo.git.checkout("--force", "--detach", base_commit)
        proc = subprocess.run(["git", "apply", "--index", "--whitespace=nowarn", "-"], input=diff, text=True,
                              cwd=self.path, capture_output=True)
        if proc.returncode != 0:
            raise PushRejected(f"the chosen diff does not apply to {base_commit[:12]}: {proc.stderr.strip()}")
        trailer = f"\n\n{TRAILER}: {self.issue.issue_id}\n"
        actor = git.Actor(AUTHOR_NAME, AUTHOR_EMAIL)
        sha = repo.index.commit(message.rstrip() + trailer, author=actor, committer=actor,
                                parent_commits=[repo.commit(base_commit)]).hexsha
        repo.git.checkout("--force", "--detach", base_commit)
        return sha

    def remote_tip(self, branch: str) -> str | None:
        out = self._git("ls-remote", "origin", f"refs/heads/{branch}").stdout.split()
        return out[0] if out else None

    def _is_ours(self, branch: str, sha: str) -> bool:
        # By branch name: not every server lets a client fetch a bare commit id.
        self._git("fetch", "origin", f"refs/heads/{branch}", check=False)
        proc = self._git("log", "-1", "--format=%ae%n%B", sha, check=False)
        if proc.returncode != 0:
            return False
        email, _, body = proc.stdout.partition("\n")
        return email == AUTHOR_EMAIL and f"{TRAILER}: {self.issue.issue_id}" in body

    def push_branch(self, sha: str, base_name: str) -> str:
        """Push `sha` to the first free `base_name[-k]`; returns the branch name. Never forces."""
        for k in range(1, MAX_BRANCH_TRIES + 1):
            name = base_name if k == 1 else f"{base_name}-{k}"
            tip = self.remote_tip(name)
            if tip == sha:
                return name                          # an earlier run already pushed exactly this commit
            if tip is not None:
                why = "an earlier swe-agent run" if self._is_ours(name, tip) else "someone else"
                log.info("branch %s exists (tip %s, made by %s); trying the next name", name, tip[:12], why)
                continue
            proc = self._git("push", "--porcelain", "origin", f"{sha}:refs/heads/{name}", check=False)
            if proc.returncode == 0:
                log.info("pushed %s to %s", sha[:12], name)
                return name
            raise PushRejected(self._clean(f"the remote rejected branch {name}: "
                                           f"{(proc.stderr or proc.stdout).strip()[-1500:]}"))
        raise PushRejected(f"branches {base_name} … {base_name}-{MAX_BRANCH_TRIES} all exist; delete old ones")
