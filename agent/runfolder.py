"""The run folder: every write atomic, every finished sample a file that resume trusts."""
from __future__ import annotations

import fcntl
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

STAGE_DIRS = {
    "localize": "01_localize",
    "patch": "02_patches",
    "test": "03_tests",
    "execute": "04_execution",
    "reward": "05_reward",
    "select": "06_selection",
}


LOCK_FILE = ".lock"


class RunFolderBusy(RuntimeError):
    """Another process is working in this run folder."""


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RunFolder:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    @contextmanager
    def lock(self):
        """Hold the folder for one process: two solves on one folder would redo and overwrite each
        other's samples and double-spend the budget. flock dies with its process, so a killed run
        never leaves a stale lock behind."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise RunFolderBusy(f"run folder {self.root} is in use by another swe-agent process (pid {holder}); "
                                "wait for it to finish (or stop it), or choose another --output") from None
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            yield self
        finally:
            os.close(fd)                 # closing the descriptor releases the lock

    def stage_dir(self, stage: str) -> Path:
        return self.root / STAGE_DIRS.get(stage, stage)

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def exists(self, *parts: str) -> bool:
        return self.path(*parts).exists()

    def write_text(self, rel: str, text: str) -> Path:
        p = self.path(rel)
        atomic_write_text(p, text)
        return p

    def write_json(self, rel: str, data) -> Path:
        if isinstance(data, BaseModel):
            text = data.model_dump_json(indent=2)
        else:
            text = json.dumps(_dump(data), indent=2, default=str)
        return self.write_text(rel, text + "\n")

    def read_json(self, rel: str):
        return json.loads(self.path(rel).read_text(encoding="utf-8"))

    def read_model(self, rel: str, model: type[M]) -> M:
        return model.model_validate_json(self.path(rel).read_text(encoding="utf-8"))

    def read_model_or_none(self, rel: str, model: type[M]) -> M | None:
        p = self.path(rel)
        if not p.exists():
            return None
        try:
            return model.model_validate_json(p.read_text(encoding="utf-8"))
        except ValueError:
            # A file that does not validate is treated as unfinished: it will be redone.
            return None


def _dump(data):
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, dict):
        return {k: _dump(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_dump(v) for v in data]
    return data
