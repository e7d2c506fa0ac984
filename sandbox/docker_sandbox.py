"""A sandbox in a Docker container: the repository at /repo, no network, memory/CPU/pids limits.

Every command is a fresh `bash -lc` (stateless), bounded by `timeout -s KILL` inside the container
and by a socket deadline on this side (docker's exec API has no timeout of its own), with output
capped inside the container. Calls go through the low-level API to save round trips: a start is
create + start, a command is exec create + exec start (exit code read from the stream).
"""
from __future__ import annotations

import io
import os
import posixpath
import socket
import tarfile
import threading
import time
import uuid

import docker
from docker.utils.socket import STDERR, STDOUT, frames_iter

from sandbox import shell
from sandbox.base import ApplyResult, ExecResult, SandboxError

MANAGED = {"swe-agent.managed": "1"}
# Only these reach the container; the host environment (API keys, tokens) never does.
BASE_ENV = {"HOME": "/root", "LANG": "C.UTF-8", "TERM": "dumb", "PAGER": "cat", "GIT_PAGER": "cat"}
HOST_GRACE_S = 15.0   # the host-side deadline: in-container timeout + this (slow, shared machines)

_commit_labels: dict[str, str | None] = {}   # image -> its swe-agent.commit label (images are immutable)
_labels_lock = threading.Lock()


class DockerSandbox:
    workdir = "/repo"

    def __init__(self, client: docker.DockerClient, container_id: str, image: str, settings: dict,
                 base_commit: str | None, own_client: bool = False, own_image: str | None = None):
        self.client, self.api = client, client.api
        self.id, self.image, self.settings = container_id, image, settings
        self.base_commit = base_commit     # None: HEAD of /repo is the base
        self._own_client, self._own_image = own_client, own_image
        self._closed = False

    @classmethod
    def start(cls, image: str, *, network: bool = False, mem_limit: str = "2g",
              nano_cpus: int | None = None, pids_limit: int = 1024, labels: dict[str, str] | None = None,
              client: docker.DockerClient | None = None, workdir: str | None = None,
              _own_image: str | None = None) -> "DockerSandbox":
        """Start a container of `image` (which holds the repository at /repo) and return its sandbox."""
        own_client = client is None
        if client is None:
            from sandbox.engine import connect
            client = connect()
        workdir = workdir or cls.workdir   # SWE-bench instance images keep the repository at /testbed
        settings = dict(network=network, mem_limit=mem_limit, nano_cpus=nano_cpus, pids_limit=pids_limit,
                        labels=dict(labels or {}), workdir=workdir)
        host_config = client.api.create_host_config(
            network_mode="bridge" if network else "none",
            mem_limit=mem_limit, memswap_limit=mem_limit,  # no swap: the limit is a real limit
            nano_cpus=nano_cpus or int(min(2, os.cpu_count() or 1) * 1e9),
            pids_limit=pids_limit, init=True,  # tini reaps the zombies of killed commands
        )
        try:
            cid = client.api.create_container(
                image, command=["sleep", "infinity"], working_dir=workdir, environment=BASE_ENV,
                labels={**MANAGED, **(labels or {})}, host_config=host_config, hostname="sandbox",
                network_disabled=not network)["Id"]
            try:
                client.api.start(cid)
            except Exception:
                client.api.remove_container(cid, force=True)
                raise
        except docker.errors.DockerException as err:
            if own_client:
                client.close()
            raise SandboxError(f"cannot start a container of {image}: {err}") from err
        sandbox = cls(client, cid, image, settings, _base_commit(client, image), own_client, _own_image)
        sandbox.workdir = workdir
        return sandbox

    # -- commands -------------------------------------------------------------------------------
    def run(self, command: str, timeout: float = 60.0, cwd: str | None = None,
            env: dict[str, str] | None = None) -> ExecResult:
        t0 = time.monotonic()
        argv = ["bash", "-c", shell.RUN_WRAPPER, "run", shell.timeout_arg(timeout),
                str(shell.HEAD_BYTES), str(shell.TAIL_BYTES + 1), command]
        out, err, finished = self._exec(argv, timeout + HOST_GRACE_S, cwd=cwd, env=env)
        duration = time.monotonic() - t0
        text, truncated = shell.cap_output(out)
        rc = _parse_rc(err)
        if not finished:  # host-side safety: something escaped the in-container timeout
            self._exec(["kill", "-9", "-1"], 10)   # every process but init (tini) and the container lives on
            return ExecResult(exit_code=-1, output=text, timed_out=True, truncated=truncated, duration_s=duration)
        if rc is None:
            raise SandboxError(f"command did not report an exit code (container gone?): {err[-500:]!r}")
        # `timeout -s KILL` kills its own process group, itself included: 137 after the deadline.
        timed_out = rc == 137 and duration >= timeout
        return ExecResult(exit_code=-1 if timed_out else rc, output=text, timed_out=timed_out,
                          truncated=truncated, duration_s=duration)

    def _exec(self, argv: list[str], deadline_s: float, cwd: str | None = None,
              env: dict[str, str] | None = None) -> tuple[bytes, bytes, bool]:
        """(stdout, stderr, finished before the deadline) of one exec, read straight from the socket."""
        self._check_open()
        try:
            exec_id = self.api.exec_create(self.id, argv, workdir=_abs(cwd, self.workdir) if cwd else self.workdir,
                                           environment=env or None)["Id"]
            sock = self.api.exec_start(exec_id, socket=True)
        except docker.errors.DockerException as err:
            raise SandboxError(f"exec in {self.id[:12]} failed: {err}") from err
        raw = getattr(sock, "_sock", sock)
        raw.settimeout(max(deadline_s, 1.0))
        chunks: dict[int, list[bytes]] = {STDOUT: [], STDERR: []}
        finished = True
        try:
            for stream, data in frames_iter(sock, tty=False):
                chunks.setdefault(stream, []).append(data)
        except (socket.timeout, TimeoutError):
            finished = False
        finally:
            sock.close()
        return b"".join(chunks[STDOUT]), b"".join(chunks[STDERR]), finished

    # -- files ----------------------------------------------------------------------------------
    def read_file(self, path: str) -> str:
        self._check_open()
        target = _abs(path, self.workdir)
        for _ in range(8):  # follow symlinks: get_archive returns the link itself
            try:
                stream, _stat = self.api.get_archive(self.id, target)
            except docker.errors.NotFound:
                raise FileNotFoundError(f"{path}: no such file in the sandbox") from None
            with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
                member = tar.next()
                if member is None or member.isdir():
                    raise IsADirectoryError(f"{path}: is a directory")
                if member.issym():
                    target = posixpath.normpath(posixpath.join(posixpath.dirname(target), member.linkname))
                    continue
                return tar.extractfile(member).read().decode("utf-8", errors="replace")
        raise SandboxError(f"{path}: too many levels of symbolic links")

    def write_file(self, path: str, content: str) -> None:
        """Write (create or replace) a file; missing parent directories are created."""
        self._check_open()
        target = _abs(path, self.workdir)
        self._put("/", {target.lstrip("/"): content.encode("utf-8")})

    def _put(self, dest: str, files: dict[str, bytes]) -> None:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name, data in files.items():
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
                tar.addfile(info, io.BytesIO(data))
        try:
            self.api.put_archive(self.id, dest, buf.getvalue())
        except docker.errors.DockerException as err:
            raise SandboxError(f"cannot write {list(files)} in {self.id[:12]}: {err}") from err

    # -- changes --------------------------------------------------------------------------------
    def diff(self) -> str:
        out, err, _ = self._exec(["bash", "-c", shell.DIFF_SCRIPT, "diff", *shell.diff_args(self.base_commit)], 300)
        if err.strip():
            raise SandboxError(f"git diff failed: {err.decode(errors='replace')[-1000:]}")
        return out.decode("utf-8", errors="replace")

    def apply_patch(self, patch: str) -> ApplyResult:
        if not patch.strip():
            return ApplyResult(ok=False, message="empty patch")
        name = f"tmp/swe-agent-{uuid.uuid4().hex[:8]}.patch"
        self._put("/", {name: patch.encode("utf-8") if patch.endswith("\n") else (patch + "\n").encode()})
        out, err, _ = self._exec(["bash", "-c", shell.APPLY_SCRIPT + '\n', "apply", "/" + name], 120)
        self._exec(["rm", "-f", "/" + name], 10)
        ok = out.startswith(b"applied")
        return ApplyResult(ok=ok, message=(out + err).decode("utf-8", errors="replace").strip())

    def fork(self) -> "DockerSandbox":
        """A new sandbox with this one's files: commit to a temporary image, start a container of it."""
        self._check_open()
        tag = f"fork-{uuid.uuid4().hex[:12]}"
        labels = " ".join(f"{k}={v}" for k, v in {**MANAGED, "swe-agent.kind": "fork",
                                                   **self.settings["labels"]}.items())
        try:
            image = self.api.commit(self.id, repository="swe-agent/fork", tag=tag, changes=f"LABEL {labels}")["Id"]
        except docker.errors.DockerException as err:
            raise SandboxError(f"cannot checkpoint {self.id[:12]}: {err}") from err
        ref = f"swe-agent/fork:{tag}"
        _commit_labels[ref] = self.base_commit
        try:
            return DockerSandbox.start(ref, client=self.client, _own_image=ref,
                                       **{k: v for k, v in self.settings.items()})
        except Exception:
            _remove_image(self.client, image)
            raise

    # -- lifetime -------------------------------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.api.remove_container(self.id, force=True, v=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.DockerException:
            pass  # engine busy or gone: `swe-agent sandbox gc` removes labelled leftovers
        if self._own_image:
            _remove_image(self.client, self._own_image)
        if self._own_client:
            self.client.close()

    def _check_open(self) -> None:
        if self._closed:
            raise SandboxError("sandbox is closed")

    def __enter__(self) -> "DockerSandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DockerSandbox({self.image!r}, id={self.id[:12]})"


def _abs(path: str, workdir: str) -> str:
    return posixpath.normpath(posixpath.join(workdir, path))


def _parse_rc(err: bytes) -> int | None:
    idx = err.rfind(b"__rc=")
    if idx < 0:
        return None
    try:
        return int(err[idx + 5:].split()[0])
    except (ValueError, IndexError):
        return None


def _base_commit(client: docker.DockerClient, image: str) -> str | None:
    """The image's `swe-agent.commit` label (set by ensure_repo_image); cached, one inspect per image."""
    with _labels_lock:
        if image not in _commit_labels:
            try:
                labels = client.api.inspect_image(image)["Config"].get("Labels") or {}
            except docker.errors.DockerException:
                labels = {}
            _commit_labels[image] = labels.get("swe-agent.commit")
        return _commit_labels[image]


def _remove_image(client: docker.DockerClient, image: str) -> None:
    try:
        client.api.remove_image(image, noprune=False)
    except docker.errors.DockerException:
        pass  # still used by a fork of the fork: gc removes it later
