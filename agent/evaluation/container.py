"""Small Docker helpers: an eval container with the sandboxes' limits, bounded exec, file copy in.

The patch under evaluation is model-written code: the container gets everything sandbox.limits gives
sandboxes (no network, no capabilities, no-new-privileges, memory / pids / CPU limits, a keeper that
commands cannot kill), except the tmpfs on /tmp: the SWE-bench harness copies the patch there through
the archive API, which cannot write into a tmpfs.
"""
from __future__ import annotations

import io
import shlex
import tarfile
import time
from contextlib import contextmanager
from dataclasses import dataclass

import docker

from sandbox import execio, limits, shell

LABELS = {"swe-agent.managed": "1", "swe-agent.sweb": "eval"}
OUTPUT_HEAD = OUTPUT_TAIL = 8 * 1024 * 1024   # test logs are graded line by line: keep a lot, not all
FILE_LIMIT_KB = 4 * 1024 * 1024               # largest file a test may write (ulimit -f)
HOST_GRACE_S = 30.0
HOSTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"


@dataclass
class Exec:
    exit_code: int
    output: str
    timed_out: bool
    seconds: float


@contextmanager
def eval_container(client: docker.DockerClient, image: str, name: str, network: bool = False,
                   mem_limit: str = "2g", pids_limit: int = 1024):
    """Started container (a keeper as nobody); removed on exit whatever happens."""
    cid = limits.create_hardened(client.api, image, labels=LABELS, environment={}, working_dir="/",
                                 network=network, mem_limit=mem_limit, pids_limit=pids_limit,
                                 tmp_size=None, name=name)
    container = client.containers.get(cid)
    try:
        if not network:
            # A network-disabled container gets no /etc/hosts from the engine, so `localhost` does not
            # resolve and tests that serve on it fail (sphinx's linkcheck). Same entries as --network none.
            run(container, f"printf {shlex.quote(HOSTS)} > /etc/hosts", timeout=30, workdir="/")
        yield container
    finally:
        try:
            container.remove(force=True)
        except docker.errors.APIError:
            pass


def put_file(container, path: str, content: str) -> None:
    data = content.encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(path.rsplit("/", 1)[-1])
        info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
        tar.addfile(info, io.BytesIO(data))
    container.put_archive(path.rsplit("/", 1)[0] or "/", buf.getvalue())


def run(container, command: str, timeout: float, workdir: str = "/testbed", env: dict | None = None) -> Exec:
    """`timeout -s KILL` bounds the command inside the container (it signals the whole process group);
    our own deadline bounds the wait outside (docker-py's has none). After a timeout every root process
    is killed (the keeper is nobody's). Output is capped; the exit code comes from the engine."""
    api = container.client.api
    wrapped = (f"ulimit -f {FILE_LIMIT_KB} 2>/dev/null; "
               f"exec timeout -s KILL {int(timeout)} /bin/bash -c {shlex.quote(command)}")
    res = execio.run_exec(api, container.id, ["/bin/bash", "-c", wrapped], deadline_s=timeout + HOST_GRACE_S,
                          user="root", workdir=workdir, env=env, head=OUTPUT_HEAD, tail=OUTPUT_TAIL, merge=True)
    output, _ = res.stdout.text()
    code = res.exit_code
    timed_out = not res.finished or (code in (124, 137) and res.seconds >= timeout - 1)
    if timed_out:   # what escaped the process group (setsid) must not keep running, or holding the output
        execio.run_exec(api, container.id, shell.KILL_ALL, deadline_s=10, user="root")
    return Exec(exit_code=-1 if code is None else code, output=output, timed_out=timed_out, seconds=res.seconds)
