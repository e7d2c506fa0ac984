"""Candidates from other systems' SWE-bench predictions ("Barrel of Monkeys").

Each prediction file is one patch *sample* of every instance it covers: sample i of an instance is
file i's `model_patch` (an empty trajectory when file i has none), written where the pipeline keeps
its own patch samples (03_patches/sample_NNN.json). The pipeline then resumes from them without a
model call: its normalized deduplication turns them into candidates, each backed by the systems
that submitted it, and stages 3–6 run on those exactly as in `solve`.

Selection sees only the row fields in SELECTION_FIELDS: the hidden tests (FAIL_TO_PASS,
PASS_TO_PASS, test_patch) and the gold patch never reach it.
"""
from __future__ import annotations

import hashlib
import subprocess
import tempfile
from pathlib import Path
from typing import Callable

from pydantic import BaseModel

from agent.patches import diff_files
from agent.runfolder import STAGE_DIRS, RunFolder
from agent.sampling import sample_file
from agent.schema import PatchOutput, Trajectory

PATCH_DIR = STAGE_DIRS["patch"]
SOURCES_FILE = "00_sources.json"
# What an instance's selection may read. Everything else in a dataset row is grading material.
SELECTION_FIELDS = ("instance_id", "repo", "base_commit", "version", "environment_setup_commit",
                    "problem_statement", "created_at", "repo_path")
HIDDEN_FIELDS = ("FAIL_TO_PASS", "PASS_TO_PASS", "test_patch", "patch")


class SourceMismatch(ValueError):
    """The run folder was seeded from other prediction files."""


class Sources(BaseModel):
    """Which system each patch sample came from (sample i = systems[i])."""
    systems: list[str]
    digest: str                      # of the patches: a rerun with changed files must not mix them


def selection_row(row: dict) -> dict:
    """The part of a dataset row that selection may see (pure)."""
    return {k: row[k] for k in SELECTION_FIELDS if k in row}


def system_names(names: list[str]) -> list[str]:
    """Unique names in order: a repeated name gets #2, #3 … (two runs of one system stay two voters)."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}#{seen[n]}")
    return out


def load_sources(paths: list[Path]) -> tuple[list[str], list[dict[str, str]]]:
    """(system names, per file {instance_id: model_patch}) from official-format prediction files."""
    from agent.evaluation.dataset import load_predictions
    names, patches = [], []
    for path in paths:
        preds = load_predictions(path)
        if not preds:
            raise ValueError(f"{path} holds no predictions (official format: one JSON object per line with "
                             "instance_id, model_name_or_path, model_patch)")
        models = {p.get("model_name_or_path") for p in preds.values()} - {None, "None", ""}
        names.append(models.pop() if len(models) == 1 else Path(path).name.split(".")[0])
        patches.append({iid: p.get("model_patch") or "" for iid, p in preds.items()})
    return system_names(names), patches


Reader = Callable[[str], "str | None"]     # path -> content at the base commit (None: no such file)


def files_after(read: Reader, diff: str) -> dict[str, str | None]:
    """Contents of the files a patch touches after applying it to copies of them ({} when it does not
    apply: deduplication then falls back to the patch's changed lines). Only touched files are read,
    so no checkout of the repository is needed."""
    paths = diff_files(diff)
    with tempfile.TemporaryDirectory(prefix="swe-agent-select-") as tmp:
        for p in paths:
            text = read(p) if ".." not in Path(p).parts and not p.startswith("/") else None
            if text is not None:
                (Path(tmp) / p).parent.mkdir(parents=True, exist_ok=True)
                (Path(tmp) / p).write_text(text, encoding="utf-8")
        # `git apply` outside any repository applies to plain files, as `patch` would.
        proc = subprocess.run(["git", "apply", "--whitespace=nowarn", "-"], input=diff if diff.endswith("\n")
                              else diff + "\n", cwd=tmp, capture_output=True, text=True, timeout=60,
                              env={"PATH": "/usr/bin:/bin:/usr/local/bin", "GIT_CEILING_DIRECTORIES": tmp})
        if proc.returncode != 0:
            return {}
        out: dict[str, str | None] = {}
        for p in paths:
            f = Path(tmp) / p
            try:
                out[p] = f.read_text(encoding="utf-8") if f.is_file() else None
            except UnicodeDecodeError:
                return {}
        return out


def _files_read(run: RunFolder, rel: str) -> bool:
    """The sample was seeded with the repository at hand (its files looked up, found or not)."""
    return bool(run.read_model(rel, Trajectory).variant.get("files_read"))


def seed_run(run_dir: Path, iid: str, systems: list[str], patches: list[dict[str, str]],
             read: Reader | None) -> int:
    """Write one patch sample per prediction file into the run folder (idempotent); returns how many
    systems submitted a non-empty patch for the instance."""
    run = RunFolder(run_dir)
    run.migrate()        # a folder seeded before the renumbering: its samples move to the new names
    own = [p.get(iid, "") for p in patches]
    digest = hashlib.sha256("\0".join(own).encode()).hexdigest()
    if run.exists(SOURCES_FILE):
        old = run.read_model(SOURCES_FILE, Sources)
        if old.digest != digest or old.systems != systems:
            raise SourceMismatch(f"{run_dir} was seeded from other prediction files; use another --output")
    for i, (system, diff) in enumerate(zip(systems, own)):
        rel = sample_file(PATCH_DIR, i)
        if run.exists(rel) and not (read and diff.strip() and not _files_read(run, rel)):
            continue     # seeded; a sample seeded without the repository (no mirror then) is redone with it
        traj = Trajectory(stage="patch", sample=i, model=system, variant={"source": system, "files_read": bool(read)},
                          status="ok" if diff.strip() else "no_output")
        if diff.strip():
            traj.output = PatchOutput(diff=diff, files_after=files_after(read, diff) if read else {})
        run.write_json(rel, traj)
    run.write_json(SOURCES_FILE, Sources(systems=systems, digest=digest))
    return sum(1 for d in own if d.strip())
