"""A sandbox in a Docker container: the repository at /repo, no network, no capabilities, limits.

Every command is a fresh `bash -lc` (stateless) as the sandbox user, bounded by `timeout -s KILL`
inside the container and by our own deadline on this side (sandbox.execio: docker's exec API has no
timeout), with output capped inside the container and again here. The exit code comes from the engine.
Calls go through the low-level API to save round trips. What the container may do: sandbox.limits.
"""
from __future__ import annotations

import io
import posixpath
import tarfile
import threading
import time
import uuid

import docker

from sandbox import execio, limits, owner, shell
from sandbox.base import ApplyResult, ExecResult, SandboxError, SandboxLost

MANAGED = {"swe-agent.managed": "1"}
# Only these reach the container; the host environment (API keys, tokens) never does.
BASE_ENV = {"HOME": "/root", "LANG": "C.UTF-8", "TERM": "dumb", "PAGER": "cat", "GIT_PAGER": "cat"}
DIFF_MAX_BYTES = 64 * 1024 * 1024   # a diff is never truncated; beyond this it is an error
# The engine failing to answer: its own errors, and a refused or missing socket (requests raises those as OSError).
ENGINE_ERRORS = (docker.errors.DockerException, OSError)
HOST_GRACE_S = 10.0   # the host-side deadline: in-container timeout + this (slow, shared machines)
# Images we build run commands as this user (it owns /repo and /opt/venv, see sandbox.images);
# other images (prebuilt SWE-bench ones: /testbed is root's) as root without capabilities.
USER_LABEL = "swe-agent.user"
FILE_LIMIT_MB = 1024  # largest file a command may write (ulimit -f); pip wheels of big packages fit

_image_labels: dict[str, tuple[str | None, str]] = {}   # image -> (commit, user); images are immutable
_labels_lock = threading.Lock()


class DockerSandbox:
    workdir = "/repo"
    user = "0:0"

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
              tmp_size: str = "1g", file_limit_mb: int = FILE_LIMIT_MB, disk_size: str | None = "10g",
              _own_image: str | None = None) -> "DockerSandbox":
        """Start a container of `image` (which holds the repository at /repo) and return its sandbox."""
        own_client = client is None
        if client is None:
            from sandbox.engine import connect
            client = connect()
        workdir = workdir or cls.workdir   # SWE-bench instance images keep the repository at /testbed
        settings = dict(network=network, mem_limit=mem_limit, nano_cpus=nano_cpus, pids_limit=pids_limit,
                        labels=dict(labels or {}), workdir=workdir, tmp_size=tmp_size,
                        file_limit_mb=file_limit_mb, disk_size=disk_size)
        try:
            base_commit, user = _image_facts(client, image)
            home = "/root" if user.startswith("0:") else "/home/sandbox"
            cid = limits.create_hardened(
                client.api, image, labels=dict(labels or {}), environment={**BASE_ENV, "HOME": home},
                working_dir=workdir, network=network, mem_limit=mem_limit, pids_limit=pids_limit,
                nano_cpus=nano_cpus, tmp_size=tmp_size, disk_size=disk_size)
        except ENGINE_ERRORS as err:
            if own_client:
                client.close()
            raise SandboxError(f"cannot start a container of {image}: {err}") from err
        sandbox = cls(client, cid, image, settings, base_commit, own_client, _own_image)
        sandbox.workdir, sandbox.user = workdir, user
        return sandbox

    # -- commands -------------------------------------------------------------------------------
    def run(self, command: str, timeout: float = 60.0, cwd: str | None = None,
            env: dict[str, str] | None = None) -> ExecResult:
        argv = ["bash", "-c", shell.RUN_WRAPPER, "run", shell.timeout_arg(timeout), str(shell.HEAD_BYTES),
                str(shell.TAIL_BYTES + 1), command, str(int(self.settings.get("file_limit_mb", FILE_LIMIT_MB)) * 1024)]
        res = self._exec(argv, timeout + HOST_GRACE_S, cwd=cwd, env=env)
        text, truncated = shell.cap_output(res.stdout.bytes())
        truncated = truncated or res.stdout.dropped > 0
        if not res.finished:  # something escaped the in-container timeout and holds the output open
            self._kill_all()
            return ExecResult(exit_code=-1, output=text, timed_out=True, truncated=truncated, duration_s=res.seconds)
        if res.exit_code is None:
            self._raise_if_lost(f"command did not report an exit code: {res.stderr.bytes()[-500:]!r}")
            raise SandboxError(f"command did not report an exit code: {res.stderr.bytes()[-500:]!r}")
        # `timeout -s KILL` kills its own process group, itself included: 137 after the deadline.
        timed_out = res.exit_code == 137 and res.seconds >= timeout
        return ExecResult(exit_code=-1 if timed_out else res.exit_code, output=text, timed_out=timed_out,
                          truncated=truncated, duration_s=res.seconds)

    def _exec(self, argv: list[str], deadline_s: float, cwd: str | None = None, env: dict[str, str] | None = None,
              stdin: bytes | None = None, head: int = shell.HEAD_BYTES, tail: int = shell.TAIL_BYTES + 1
              ) -> execio.ExecOutcome:
        """One exec as the sandbox user under a host-side deadline; every stream capped."""
        self._check_open()
        try:
            return execio.run_exec(self.api, self.id, argv, deadline_s=deadline_s, user=self.user, stdin=stdin,
                                   workdir=_abs(cwd, self.workdir) if cwd else self.workdir, env=env,
                                   head=head, tail=tail)
        except ENGINE_ERRORS as err:
            self._raise_if_lost(f"exec failed: {err}")
            raise SandboxError(f"exec in {self.id[:12]} failed: {err}") from err

    def _raise_if_lost(self, what: str) -> None:
        """SandboxLost when the container no longer runs (removed, stopped, killed); an engine that does not
        answer is not a lost container (a new one would fail alike), so that stays a SandboxError."""
        try:
            running = self.api.inspect_container(self.id)["State"]["Running"]
        except docker.errors.NotFound:
            running = False
        except ENGINE_ERRORS:
            return
        if not running:
            raise SandboxLost(f"container {self.id[:12]} is gone ({what[:300]})")

    def _kill_all(self) -> None:
        """Kill every process of the sandbox user (the overrunning exec and its escapes), not the keeper."""
        for _ in range(2):   # a fork loop may start new ones while the first kill runs
            try:
                self._exec(shell.KILL_ALL, 10)
            except SandboxError:
                pass

    # -- files ----------------------------------------------------------------------------------
    def read_file(self, path: str) -> str:
        self._check_open()
        target = _abs(path, self.workdir)
        for _ in range(8):  # follow symlinks: get_archive returns the link itself
            try:
                stream, _stat = self.api.get_archive(self.id, target)
            except docker.errors.NotFound:
                self._raise_if_lost(f"reading {path}")   # the container, not the file, may be what is missing
                raise FileNotFoundError(f"{path}: no such file in the sandbox") from None
            except ENGINE_ERRORS as err:
                self._raise_if_lost(f"reading {path}")
                raise SandboxError(f"cannot read {path} in {self.id[:12]}: {err}") from err
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
                for parent in _new_parents(name, self.workdir):   # else docker makes them root's
                    tar.addfile(self._tarinfo(parent, tarfile.DIRTYPE, 0o755))
                info = self._tarinfo(name, tarfile.REGTYPE, 0o644)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        try:
            # The engine keeps the tar headers' owner (the sandbox user, see _tarinfo): commands can
            # edit what write_file wrote. (copyUIDGID would mean the keeper's user instead.)
            self.api.put_archive(self.id, dest, buf.getvalue())
        except ENGINE_ERRORS as err:
            self._raise_if_lost(f"writing {list(files)}")
            raise SandboxError(f"cannot write {list(files)} in {self.id[:12]}: {err}") from err

    def _tarinfo(self, name: str, kind: bytes, mode: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.type, info.mode, info.mtime = kind, mode, int(time.time())
        uid, _, gid = self.user.partition(":")
        info.uid, info.gid = int(uid or 0), int(gid or uid or 0)
        return info

    # -- changes --------------------------------------------------------------------------------
    def diff(self) -> str:
        # Judged by the exit code: git writes warnings to stderr on success (e.g. `eol=crlf` repos).
        # Not through run(): a diff must never be truncated, so its own generous cap.
        res = self._exec(["bash", "-c", shell.DIFF_SCRIPT, "diff", *shell.diff_args(self.base_commit)], 300,
                         head=DIFF_MAX_BYTES, tail=0)
        if res.finished and res.exit_code is None:
            self._raise_if_lost("git diff")
        if not res.finished or res.exit_code != 0:
            raise SandboxError(f"git diff failed ({res.exit_code}): {res.stderr.bytes().decode(errors='replace')[-1000:]}")
        if res.stdout.dropped:
            raise SandboxError(f"diff larger than {DIFF_MAX_BYTES} bytes")
        return res.stdout.bytes().decode("utf-8", errors="replace")

    def apply_patch(self, patch: str) -> ApplyResult:
        if not patch.strip():
            return ApplyResult(ok=False, message="empty patch")
        data = patch.encode("utf-8") if patch.endswith("\n") else (patch + "\n").encode()
        # The patch goes in on stdin (no file: /tmp is a tmpfs the archive API cannot write into).
        script = 'f=$(mktemp) && trap \'rm -f "$f"\' EXIT && cat > "$f" && set -- "$f" && {\n' + shell.APPLY_SCRIPT + "}"
        res = self._exec(["bash", "-c", script, "apply"], 120, stdin=data)
        if res.finished and res.exit_code is None:
            self._raise_if_lost("git apply")   # not "does not apply": the container died under it
        msg = (res.stdout.bytes() + res.stderr.bytes()).decode("utf-8", errors="replace").strip()
        return ApplyResult(ok=res.finished and res.exit_code == 0, message=msg)

    def fork(self) -> "DockerSandbox":
        """A new sandbox with this one's files: commit to a temporary image, start a container of it."""
        self._check_open()
        tag = f"fork-{uuid.uuid4().hex[:12]}"
        labels = " ".join(f"{k}={v}" for k, v in {**MANAGED, "swe-agent.kind": "fork", **owner.labels(),
                                                   **self.settings["labels"]}.items())
        try:
            image = self.api.commit(self.id, repository="swe-agent/fork", tag=tag, changes=f"LABEL {labels}")["Id"]
        except ENGINE_ERRORS as err:
            raise SandboxError(f"cannot checkpoint {self.id[:12]}: {err}") from err
        ref = f"swe-agent/fork:{tag}"
        _image_labels[ref] = (self.base_commit, self.user)
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
        except ENGINE_ERRORS:
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


def _image_facts(client: docker.DockerClient, image: str) -> tuple[str | None, str]:
    """(base commit, command user) from the image's labels; cached, one inspect per image."""
    with _labels_lock:
        if image not in _image_labels:
            labels = client.api.inspect_image(image)["Config"].get("Labels") or {}
            _image_labels[image] = (labels.get("swe-agent.commit"), labels.get(USER_LABEL) or "0:0")
        return _image_labels[image]


def _new_parents(name: str, workdir: str) -> list[str]:
    """Directories between the workdir and `name` (tar member names, no leading /), outermost first.

    Only below the workdir: a directory entry for an existing one re-owns it, which must never
    happen to /etc or / itself."""
    root = workdir.strip("/") + "/"
    if not name.startswith(root):
        return []
    parts = name[len(root):].split("/")[:-1]
    return [root + "/".join(parts[:i + 1]) for i in range(len(parts))]


def _remove_image(client: docker.DockerClient, image: str) -> None:
    try:
        client.api.remove_image(image, noprune=False)
    except ENGINE_ERRORS:
        pass  # still used by a fork of the fork: gc removes it later
