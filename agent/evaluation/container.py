"""Small Docker helpers: an eval container with no network, bounded exec, file copy in."""
from __future__ import annotations

import io
import shlex
import tarfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import docker

LABELS = {"swe-agent.managed": "1", "swe-agent.sweb": "eval"}


@dataclass
class Exec:
    exit_code: int
    output: str
    timed_out: bool
    seconds: float


@contextmanager
def eval_container(client: docker.DockerClient, image: str, name: str, network: bool = False):
    """Started container kept alive by `tail`; removed on exit whatever happens."""
    container = client.containers.run(
        image, "tail -f /dev/null", detach=True, name=name, user="root", labels=LABELS,
        network_mode="bridge" if network else "none")
    try:
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
    """exec_run has no timeout (docker-py #2651): `timeout -s KILL` bounds it inside the container
    (it signals the whole process group), and a thread join bounds the wait outside as a backstop."""
    api = container.client.api
    wrapped = f"timeout -s KILL {int(timeout)} /bin/bash -c {shlex.quote(command)}"
    exec_id = api.exec_create(container.id, ["/bin/bash", "-c", wrapped], workdir=workdir, user="root",
                              environment=env)["Id"]
    chunks: list[bytes] = []
    error: list[BaseException] = []

    def pump():
        try:
            for chunk in api.exec_start(exec_id, stream=True):
                chunks.append(chunk)
        except BaseException as err:  # noqa: BLE001 - re-raised in the caller's thread
            error.append(err)

    start = time.monotonic()
    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    thread.join(timeout + 30)
    seconds = time.monotonic() - start
    if error:
        raise error[0]
    code = api.exec_inspect(exec_id).get("ExitCode")
    timed_out = thread.is_alive() or code in (124, 137) and seconds >= timeout - 1
    output = b"".join(chunks).decode("utf-8", errors="replace")
    return Exec(exit_code=-1 if code is None else code, output=output, timed_out=timed_out, seconds=seconds)
