"""A sandbox that is a temporary `git worktree` on this machine, commands run by a local bash.

WARNING: this does NOT isolate anything. Commands (including ones a model wrote) run as you, with
your files, your network and your processes: they can write anywhere you can. It only keeps the
repository you gave it untouched (changes happen in a throw-away worktree). Use it where Docker is
unavailable and you trust what runs; the GitHub Action refuses it.

Secrets: a command gets a scrubbed environment, and so does its parent (a launcher bash started with
that environment, which stays the command's parent), so /proc/$PPID/environ holds no key. This
process is made non-dumpable, so a command running as the same NON-ROOT user cannot read its
/proc/PID/environ or ptrace it either. Run as root, a command can still read every process's memory:
keys are only safe from model-written code in Docker sandboxes.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

from sandbox import shell
from sandbox.base import ApplyResult, ExecResult, SandboxError

# The host environment is not passed through (API keys stay out of model-written commands);
# only what tools need to work normally.
PASS_ENV = ("PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "PYENV_ROOT", "SSL_CERT_FILE")
# The launcher: started with the scrubbed environment, it runs the command as its child and waits,
# so the command's parent holds no secret ("$@" is the command's argv).
LAUNCHER = ["bash", "-c", '"$@" & wait $!', "launcher"]
PR_SET_DUMPABLE = 4


def _hide_this_process() -> None:
    """Non-dumpable: /proc/<this pid>/{environ,mem} become root's, and same-uid ptrace is refused."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: nothing to do (and nothing /proc-like to protect)


def _git(cwd: str | Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    res = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if check and res.returncode != 0:
        raise SandboxError(f"git {' '.join(args)} failed: {res.stderr.strip()}")
    return res


class LocalSandbox:
    def __init__(self, repo_path: str | Path, commit: str | None = None):
        self.repo = Path(repo_path).resolve()
        self.base_commit = _git(self.repo, "rev-parse", "--verify", f"{commit or 'HEAD'}^{{commit}}").stdout.strip()
        self._tmp = tempfile.mkdtemp(prefix="swe-agent-local-")
        self.workdir = os.path.join(self._tmp, "repo")
        try:
            _git(self.repo, "worktree", "add", "--detach", "-f", self.workdir, self.base_commit)
        except Exception:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise
        self._closed = False
        _hide_this_process()

    def _env(self, extra: dict[str, str] | None) -> dict[str, str]:
        env = {k: os.environ[k] for k in PASS_ENV if k in os.environ}
        env.update(TERM="dumb", PAGER="cat", GIT_PAGER="cat", PYTHONDONTWRITEBYTECODE="1")
        return {**env, **(extra or {})}

    def run(self, command: str, timeout: float = 60.0, cwd: str | None = None,
            env: dict[str, str] | None = None) -> ExecResult:
        # Not a login shell: the profile files would reset PATH (dropping the caller's virtualenv, so
        # `python` would no longer be the interpreter that has the project's dependencies) and rerun
        # their `eval "$(pyenv init -)"` before every command.
        return self._run(["bash", "-c", command], timeout, cwd=self._path(cwd) if cwd else self.workdir, env=env)

    def _run(self, argv: list[str], timeout: float, cwd: str, env: dict[str, str] | None = None) -> ExecResult:
        self._check_open()
        t0 = time.monotonic()
        # A new session = a new process group we can kill as a whole, grandchildren included.
        proc = subprocess.Popen([*LAUNCHER, *argv], cwd=cwd, env=self._env(env), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        head, tail, dropped = bytearray(), deque(), [0]
        reader = threading.Thread(target=_drain, args=(proc.stdout, head, tail, dropped), daemon=True)
        reader.start()
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        _killpg(proc.pid)  # on timeout, and leftovers in the background after a normal end
        proc.wait()
        reader.join(timeout=5)  # only an escaped (setsid) process could still hold the pipe
        # One extra byte tells cap_output that something in the middle was dropped.
        text, truncated = shell.cap_output(bytes(head) + (b"x" if dropped[0] else b"") + b"".join(tail))
        return ExecResult(exit_code=-1 if timed_out else proc.returncode, output=text, timed_out=timed_out,
                          truncated=truncated, duration_s=time.monotonic() - t0)

    def _path(self, path: str) -> str:
        # Absolute "/repo/..." paths (what Docker sandboxes use) map into the worktree.
        if path == "/repo" or path.startswith("/repo/"):
            path = path[len("/repo/"):] if path != "/repo" else "."
        return os.path.normpath(os.path.join(self.workdir, path))

    def read_file(self, path: str) -> str:
        self._check_open()
        return Path(self._path(path)).read_text(encoding="utf-8", errors="replace")

    def write_file(self, path: str, content: str) -> None:
        self._check_open()
        p = Path(self._path(path))
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content, encoding="utf-8")

    def diff(self) -> str:
        self._check_open()
        res = subprocess.run([*LAUNCHER, "bash", "-c", shell.DIFF_SCRIPT, "diff", *shell.diff_args(self.base_commit)],
                             cwd=self.workdir, env=self._env(None), capture_output=True, timeout=300)
        if res.returncode != 0:  # not through run(): a diff must never be truncated
            raise SandboxError(f"git diff failed: {res.stderr.decode(errors='replace')[-1000:]}")
        return res.stdout.decode("utf-8", errors="replace")

    def apply_patch(self, patch: str) -> ApplyResult:
        if not patch.strip():
            return ApplyResult(ok=False, message="empty patch")
        with tempfile.NamedTemporaryFile("w", suffix=".patch", delete=False, encoding="utf-8") as fh:
            fh.write(patch if patch.endswith("\n") else patch + "\n")
        try:
            res = self._run(["bash", "-c", shell.APPLY_SCRIPT, "apply", fh.name], 120, self.workdir)
        finally:
            os.unlink(fh.name)
        return ApplyResult(ok=res.exit_code == 0, message=res.output.strip())

    def fork(self) -> "LocalSandbox":
        """A new worktree at this one's HEAD with this one's files copied over (deletions included)."""
        self._check_open()
        head = _git(self.workdir, "rev-parse", "HEAD").stdout.strip()
        child = LocalSandbox(self.repo, head)
        child.base_commit = self.base_commit
        shutil.copytree(self.workdir, child.workdir, dirs_exist_ok=True, symlinks=True,
                        ignore=lambda d, names: [".git"] if d == self.workdir else [])
        for rel in _git(self.workdir, "ls-files", "--deleted", "-z").stdout.split("\0"):
            if rel:
                Path(child.workdir, rel).unlink(missing_ok=True)
        return child

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        _git(self.repo, "worktree", "remove", "--force", self.workdir, check=False)
        shutil.rmtree(self._tmp, ignore_errors=True)
        _git(self.repo, "worktree", "prune", check=False)

    def _check_open(self) -> None:
        if self._closed:
            raise SandboxError("sandbox is closed")

    def __enter__(self) -> "LocalSandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _drain(pipe, head: bytearray, tail: deque, dropped: list[int]) -> None:
    """Keep the first HEAD_BYTES and last TAIL_BYTES of a stream in bounded memory."""
    size = 0
    for chunk in iter(lambda: pipe.read1(65536), b""):
        room = shell.HEAD_BYTES - len(head)
        if room > 0:
            head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            tail.append(chunk)
            size += len(chunk)
            while size - len(tail[0]) >= shell.TAIL_BYTES:
                size -= len(tail.popleft())
                dropped[0] = 1
    while size > shell.TAIL_BYTES:  # trim the oldest chunk to exactly TAIL_BYTES
        first = tail.popleft()
        cut = size - shell.TAIL_BYTES
        tail.appendleft(first[cut:])
        size -= cut
        dropped[0] = 1
    pipe.close()


def _killpg(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
