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

from agent.budget import LedgerState
from agent.schema import (Behaviour, Candidate, Decision, ExecutionMatrix, Issue, Location, Result, RewardScore,
                          TestCase, Trajectory)

M = TypeVar("M", bound=BaseModel)

# The layout, owned here and numbered in execution order: every reader and writer names these
# instead of spelling paths.
STAGE_DIRS = {
    "localize": "01_localize",
    "test": "02_tests",
    "patch": "03_patches",
    "execute": "04_execution",
    "reward": "06_reward",
    "select": "07_selection",
}
PROBES_DIR = "05_probes"                                     # probe-writing trajectories, probes.json
# The names run folders had before the renumbering (new name -> old name; none equals a new one).
# Readers fall back to them; a folder opened for writing has them renamed first (`migrate`).
FORMER_DIRS = {
    STAGE_DIRS["test"]: "03_tests",
    STAGE_DIRS["patch"]: "02_patches",
    PROBES_DIR: "03b_probes",
    STAGE_DIRS["reward"]: "05_reward",
    STAGE_DIRS["select"]: "06_selection",
}
# Which of a stage folder's files are trajectories (the rest are stage outputs); "probe" writes into PROBES_DIR.
TRAJECTORY_GLOBS = {"localize": ["sample_*.json"], "test": ["sample_*.json"], "patch": ["sample_*.json"],
                    "probe": ["sample_*.json"], "reward": ["*_sample_*.json"], "select": ["trajectory.json"]}
ISSUE, META, CONFIG, LEDGER, RESULT, FINAL_DIFF = (
    "issue.json", "meta.json", "config.json", "ledger.json", "result.json", "final.diff")
LOCATIONS = f"{STAGE_DIRS['localize']}/locations.json"      # list[Location], merged over samples
REPOMAP = f"{STAGE_DIRS['localize']}/repomap.json"          # RepoMap
CANDIDATES = f"{STAGE_DIRS['patch']}/candidates.json"       # list[Candidate]
MUTANTS = f"{STAGE_DIRS['patch']}/mutants.json"             # MutationRecord: the one-token repair search
TESTS = f"{STAGE_DIRS['test']}/tests.json"                  # list[TestCase]
MATRIX = f"{STAGE_DIRS['execute']}/matrix.json"             # ExecutionMatrix
CELLS = f"{STAGE_DIRS['execute']}/cells"                    # <cand>__<test>.json, one per run
PROBE_RUNS = f"{STAGE_DIRS['execute']}/probes"              # probe outputs per candidate
BEHAVIOUR = f"{STAGE_DIRS['execute']}/behaviour.json"       # Behaviour
REWARDS = STAGE_DIRS["reward"]                              # <cand>.json (RewardScore), <cand>_sample_NNN.json
DECISION = f"{STAGE_DIRS['select']}/decision.json"          # Decision
ROUNDS = f"{STAGE_DIRS['select']}/rounds.json"              # escalation rounds
SELECTION_TRAJECTORY = f"{STAGE_DIRS['select']}/trajectory.json"


LOCK_FILE = ".lock"


def default_output(issue_id: str, commit: str) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in issue_id)
    return Path("runs") / f"{safe}-{commit[:8]}"


class RunFolderBusy(RuntimeError):
    """Another process is working in this run folder."""


class RunFolderLayoutError(ValueError):
    """The run folder holds one stage under both its old and its new folder name."""


def _read_umask() -> int:
    """The process umask, read once at import (os.umask can only be read by setting it: not from threads)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_read_umask()


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file and a rename, with the mode any file of this user gets (mkstemp's 0600
    made run folders, predictions and reports unreadable to a web server or a teammate)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RunFolder:
    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.warnings: list[str] = []    # what the tolerant readers below skipped, and why

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
            self.migrate()
            yield self
        finally:
            os.close(fd)                 # closing the descriptor releases the lock

    def migrate(self) -> list[str]:
        """Before writing into a run folder: rename the stage folders it still has under their old
        names, so a resumed old run continues in this folder and nothing is written under an old
        name. Each rename is atomic; a folder holding both names of one stage is refused (which of
        the two holds the work is for a person to say). Returns the renames made."""
        both = [f"{old}/ and {new}/" for new, old in FORMER_DIRS.items()
                if (self.root / old).exists() and (self.root / new).exists()]
        if both:
            raise RunFolderLayoutError(
                f"run folder {self.root} holds a stage under its old and its new folder name ({'; '.join(both)}); "
                "move the one you do not want out of the folder, then rerun")
        moved = []
        for new, old in FORMER_DIRS.items():
            if (self.root / old).is_dir():
                os.replace(self.root / old, self.root / new)
                moved.append(f"{old} -> {new}")
        return moved

    def stage_dir(self, stage: str) -> Path:
        return self.path(STAGE_DIRS.get(stage, stage))

    def path(self, *parts: str) -> Path:
        """Where to read `parts`. A run folder from before the renumbering, opened read-only (the
        report, `show`), still has old stage folder names: read there when the new one is absent.
        When both exist, the new one is read (and a warning says so)."""
        rel = Path(*parts)
        head = rel.parts[0] if rel.parts else ""
        old = FORMER_DIRS.get(head)
        if old is None or not (self.root / old).exists():
            return self.root / rel
        if not (self.root / head).exists():
            return self.root / old / rel.relative_to(head)
        note = f"{old}/ and {head}/ both exist (a stage under its old and new name): {head}/ is read"
        if note not in self.warnings:
            self.warnings.append(note)
        return self.root / rel

    def exists(self, *parts: str) -> bool:
        return self.path(*parts).exists()

    def write_text(self, rel: str, text: str) -> Path:
        p = self.root / rel              # always the new layout: never written under an old name
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

    # Tolerant reads: a run killed at any moment leaves files missing or half-valid; these never
    # raise, an unreadable file becomes None (or is skipped) with a line in `warnings`.
    def raw(self, rel: str):
        p = self.path(rel)
        if not p.is_file():
            return None
        try:
            return json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            self.warnings.append(f"{rel}: unreadable ({err.__class__.__name__})")
            return None

    def record(self, rel: str, model: type[M]) -> M | None:
        data = self.raw(rel)
        if data is None:
            return None
        try:
            return model.model_validate(data)
        except ValueError as err:
            self.warnings.append(f"{rel}: does not match {model.__name__} ({str(err).splitlines()[0]})")
            return None

    def records(self, rel: str, model: type[M]) -> list[M]:
        data = self.raw(rel)
        if not isinstance(data, list):
            return []
        out = []
        for i, item in enumerate(data):
            try:
                out.append(model.model_validate(item))
            except ValueError:
                self.warnings.append(f"{rel}[{i}]: does not match {model.__name__}")
        return out

    # What the stages leave behind, typed: one loader for the report, the PR body, batch grading,
    # replay and the benches.
    def trajectories(self, stage: str) -> list[Trajectory]:
        """The stage's trajectories in file order (unreadable ones skipped, with a warning)."""
        rel = PROBES_DIR if stage == "probe" else STAGE_DIRS[stage]
        folder = self.path(rel)
        return [t for pattern in TRAJECTORY_GLOBS.get(stage, []) for p in sorted(folder.glob(pattern))
                if (t := self.record(f"{rel}/{p.name}", Trajectory)) is not None]

    def issue(self) -> Issue | None:
        return self.record(ISSUE, Issue)

    def config(self) -> dict | None:
        return self.raw(CONFIG)

    def locations(self) -> list[Location]:
        return self.records(LOCATIONS, Location)

    def candidates(self) -> list[Candidate]:
        return self.records(CANDIDATES, Candidate)

    def tests(self) -> list[TestCase]:
        return self.records(TESTS, TestCase)

    def matrix(self) -> ExecutionMatrix | None:
        return self.record(MATRIX, ExecutionMatrix)

    def rewards(self) -> dict[str, RewardScore]:
        """candidate id -> its score (the judges' trajectories beside them are not scores)."""
        out = {}
        for p in sorted(self.path(REWARDS).glob("*.json")):
            if "_sample_" not in p.name and (score := self.record(f"{REWARDS}/{p.name}", RewardScore)):
                out[score.candidate] = score
        return out

    def behaviour(self) -> Behaviour | None:
        return self.record(BEHAVIOUR, Behaviour)

    def decision(self) -> Decision | None:
        return self.record(DECISION, Decision)

    def ledger(self) -> LedgerState | None:
        return self.record(LEDGER, LedgerState)

    def result(self) -> Result | None:
        return self.record(RESULT, Result)

    def final_diff(self) -> str | None:
        p = self.path(FINAL_DIFF)
        return p.read_text(encoding="utf-8", errors="replace") if p.is_file() else None


def _dump(data):
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, dict):
        return {k: _dump(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_dump(v) for v in data]
    return data
