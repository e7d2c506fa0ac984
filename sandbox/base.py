"""The sandbox contract: where candidate code runs. See docs/ARCHITECTURE.md ("Sandbox contract")."""
from __future__ import annotations

from typing import Protocol, runtime_checkable

from pydantic import BaseModel


class SandboxError(RuntimeError):
    """A sandbox could not be created or used (engine gone, container died, file missing...)."""


class SandboxLost(SandboxError):
    """The sandbox's container is gone (removed, stopped, engine restarted): what it held is lost, and
    a new sandbox can be opened in its place (agent/renewable.py)."""


class ExecResult(BaseModel):
    exit_code: int            # -1 when killed by timeout
    output: str               # stdout+stderr interleaved, capped (head+tail kept, marker in between)
    timed_out: bool = False
    truncated: bool = False
    duration_s: float = 0.0


class ApplyResult(BaseModel):
    ok: bool
    message: str              # git apply's stderr when not ok


@runtime_checkable
class Sandbox(Protocol):
    workdir: str                                   # repository path inside the sandbox ("/repo")

    def run(self, command: str, timeout: float = 60.0, cwd: str | None = None,
            env: dict[str, str] | None = None) -> ExecResult: ...   # a fresh bash, stateless
    # (docker: `bash -lc`, the image's login PATH; local: `bash -c`, the caller's PATH)

    def read_file(self, path: str) -> str: ...     # path relative to workdir (or absolute)

    def write_file(self, path: str, content: str) -> None: ...

    def diff(self) -> str: ...                     # unified diff vs base commit, includes new files

    def apply_patch(self, patch: str) -> ApplyResult: ...

    def fork(self) -> "Sandbox": ...               # checkpoint: a new sandbox with the same files (not /tmp)

    def close(self) -> None: ...                   # idempotent

    def __enter__(self) -> "Sandbox": ...

    def __exit__(self, *exc) -> None: ...
