"""One `docker exec`, read straight from its socket under OUR deadline, in bounded memory.

docker-py cannot bound an exec: its stream reader polls the socket with no timeout (docker-py
#2651), so a process that escaped the command's process group (`setsid sleep infinity &`) and keeps
the output pipe open blocks the caller forever. Here the socket is polled with the time left, every
stream is capped (head + tail kept, the middle counted and dropped), and the exit code comes from the
engine (`exec inspect`), never from anything the command can write.
"""
from __future__ import annotations

import select
import socket
import struct
import time
from dataclasses import dataclass, field

import docker

from sandbox import shell


class Capped:
    """The first `head` and last `tail` bytes of a stream; what lies between is only counted."""

    def __init__(self, head: int, tail: int):
        self.head_max, self.tail_max = head, tail
        self.head, self.tail = bytearray(), bytearray()
        self.dropped = 0

    def add(self, data: bytes) -> None:
        room = self.head_max - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if not data:
            return
        self.tail += data
        if len(self.tail) > 2 * self.tail_max:  # trim in batches: amortized O(1) per byte
            cut = len(self.tail) - self.tail_max
            self.dropped += cut
            del self.tail[:cut]

    def bytes(self) -> bytes:
        if len(self.tail) > self.tail_max:
            self.dropped += len(self.tail) - self.tail_max
            del self.tail[:len(self.tail) - self.tail_max]
        return bytes(self.head + self.tail)

    def text(self) -> tuple[str, bool]:
        """(text, truncated) with shell.cap_output's marker where the middle was dropped."""
        data = self.bytes()
        if not self.dropped:
            return data.decode("utf-8", errors="replace"), False
        marker = shell.MARKER.format(n="middle of the", h=self.head_max, t=self.tail_max)
        return (self.head.decode("utf-8", errors="replace") + marker
                + self.tail.decode("utf-8", errors="replace")), True


@dataclass
class ExecOutcome:
    stdout: Capped
    stderr: Capped
    exit_code: int | None          # None when the deadline passed first
    finished: bool
    seconds: float = 0.0
    exec_id: str = field(default="", repr=False)


def run_exec(api: docker.APIClient, container: str, argv: list[str], *, deadline_s: float,
             user: str = "", workdir: str | None = None, env: dict[str, str] | None = None,
             stdin: bytes | None = None, head: int = shell.HEAD_BYTES, tail: int = shell.TAIL_BYTES,
             merge: bool = False) -> ExecOutcome:
    """Run argv in the container; stop reading at the deadline (the caller then kills what is left).

    `merge`: stdout and stderr interleaved into `stdout` (as a terminal would show them)."""
    t0 = time.monotonic()
    exec_id = api.exec_create(container, argv, user=user, workdir=workdir, environment=env or None,
                              stdin=stdin is not None)["Id"]
    sock = api.exec_start(exec_id, socket=True)
    raw = getattr(sock, "_sock", sock)
    stdout = Capped(head, tail)
    out = ExecOutcome(stdout, stdout if merge else Capped(head, tail), None, False, exec_id=exec_id)
    try:
        if stdin is not None:
            raw.sendall(stdin)
            raw.shutdown(socket.SHUT_WR)   # EOF for the command's stdin
        out.finished = _pump(raw, {1: out.stdout, 2: out.stderr}, t0 + deadline_s)
    finally:
        sock.close()
        raw.close()
    if out.finished:
        out.exit_code = _exit_code(api, exec_id)
    out.seconds = time.monotonic() - t0
    return out


def _pump(raw: socket.socket, streams: dict[int, Capped], deadline: float) -> bool:
    """Demultiplex docker's frames (8-byte header: stream, 0, 0, 0, big-endian size) until EOF."""
    poller = select.poll()
    poller.register(raw.fileno(), select.POLLIN | select.POLLPRI | select.POLLHUP)
    buf = bytearray()
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not poller.poll(left * 1000):
            return False
        chunk = raw.recv(65536)
        if not chunk:
            return True
        buf += chunk
        while len(buf) >= 8:
            kind, size = struct.unpack(">BxxxL", buf[:8])
            if len(buf) < 8 + size:
                break
            streams.get(kind, streams[2]).add(bytes(buf[8:8 + size]))
            del buf[:8 + size]


def _exit_code(api: docker.APIClient, exec_id: str) -> int | None:
    # The stream can end a moment before the engine records the exit: ask again briefly.
    for delay in (0, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0):
        time.sleep(delay)
        info = api.exec_inspect(exec_id)
        if not info.get("Running") and info.get("ExitCode") is not None:
            return int(info["ExitCode"])
    return None
