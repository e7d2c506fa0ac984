"""`swe-agent synth` end to end: base commit -> image -> baseline -> mutants on threads -> rows.

The work folder reads like the pipeline and makes a rerun resume:
  mirrors/synth+<project>/   bare git mirror: the base commit and one root commit per kept bug
  01_baseline.json           passing tests and coverage at the base commit (per image)
  02_mutants/<id>.json       one verdict per tried mutant (+ <id>.log, the first run, for kept ones)
  summary.json               tried / kept / dropped by reason, seconds
and next to the output file, <project>.bundle: the mirror as one file (`swe-agent synth-mirrors`).
"""
from __future__ import annotations

import json
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from agent.synth import gitrepo, issue, mutate, rows, trials, verdict
from agent.synth.recipe import SynthEnv


@dataclass
class SynthOptions:
    project: str
    version: str
    source: Path                        # a directory, an sdist (.tar.gz) or a git dir (with ref)
    ref: str | None = None              # commit in a git source; None: the directory's files as they are
    n: int = 100                        # kept bugs wanted
    output: Path = Path("tasks.jsonl")
    work: Path | None = None            # default: <output>.synth/
    env: SynthEnv = field(default_factory=SynthEnv)
    workers: int = 2
    seed: int = 0
    max_tries: int | None = None        # stop after this many mutants even when fewer than n are kept
    per_function: int = 2               # kept bugs per function at most: spread over the code base
    timeout_s: float = 300
    max_fail_fraction: float = 0.5
    origin: str = ""                    # provenance written into each row (e.g. "pypi sdist toolz==1.2.0")
    model: object | None = None         # agent.model.base.Model: issue rewrite and model-written bugs
    llm_mutants: int = 0
    log: Callable[[str], None] = lambda msg: None

    @property
    def folder(self) -> Path:
        return self.work or self.output.with_name(self.output.name.split(".")[0] + ".synth")


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def is_source(path: str) -> bool:
    """Library code, not its tests, docs, examples or build scripts."""
    parts = path.split("/")
    name = parts[-1]
    return not (name.startswith("test_") or name.endswith("_test.py") or name in ("conftest.py", "setup.py")
                or any(p in ("test", "tests", "testing", "docs", "doc", "examples", "benchmark", "benchmarks")
                       for p in parts[:-1]))


def import_source(opts: SynthOptions, git_dir: Path) -> str:
    gitrepo.init_mirror(git_dir)
    src = opts.source
    is_git = (src / ".git").exists() or (src / "objects").is_dir() if src.is_dir() else False
    if is_git and opts.ref:
        return gitrepo.import_commit(git_dir, src / ".git" if (src / ".git").is_dir() else src, opts.ref)
    return gitrepo.import_tree(git_dir, src)


def candidates(git_dir: Path, commit: str, base: trials.Baseline) -> dict[str, list[mutate.Mutant]]:
    out = {}
    for path in gitrepo.python_files(git_dir, commit):
        lines = set(base.covered.get(path, []))
        if is_source(path) and lines:
            try:
                out[path] = mutate.mutants(path, gitrepo.read(git_dir, commit, path), lines)
            except SyntaxError:
                continue
    return out


def synthesize(opts: SynthOptions, client, progress=None) -> dict:
    """Runs (or resumes) the factory; returns the summary. Rows go to opts.output (atomic)."""
    started = time.monotonic()
    folder = opts.folder.resolve()   # git commands run from other directories
    mirrors = folder / "mirrors"
    git_dir = mirrors / f"synth+{opts.project}"
    commit = import_source(opts, git_dir)
    opts.log(f"base commit {commit[:12]} of {opts.project} {opts.version}")
    if not set(gitrepo.git(git_dir, "ls-tree", "--name-only", commit).split()) & {"setup.py", "pyproject.toml"}:
        raise ValueError(f"{opts.source} has no setup.py or pyproject.toml at its root: synth installs the project "
                         "with `pip install -e .`, so it needs an installable Python project (before any image build)")
    row0 = trials.base_row(opts.project, opts.version, commit, opts.env)
    image = trials.ensure_image(client, row0, mirrors, folder / "logs")
    base = _baseline(opts, client, image, folder / "01_baseline.json")
    base_pass = set(base.passing)
    opts.log(f"baseline: {len(base_pass)} passing tests, image {image}")
    if not base_pass:
        raise RuntimeError("no test passes at the base commit: nothing to validate bugs against")
    by_file = candidates(git_dir, commit, base)
    planned = mutate.plan([m for ms in by_file.values() for m in ms], seed=opts.seed)
    if opts.model is not None and opts.llm_mutants:
        from agent.synth.llm import model_mutants
        planned = model_mutants(opts.model, git_dir, commit, planned, opts.llm_mutants, opts.project) + planned
    if opts.max_tries:
        planned = planned[:opts.max_tries]
    records = _run_trials(opts, client, image, base_pass, planned, folder / "02_mutants", progress)
    kept = _select(records, planned, opts)
    out_rows = [_row(opts, git_dir, commit, r, by_id=planned) for r in kept]
    _atomic_write(opts.output, "".join(json.dumps(r) + "\n" for r in out_rows))
    gitrepo.bundle(git_dir, opts.output.with_name(f"{opts.project}.bundle"))
    elapsed = time.monotonic() - started
    prev = json.loads((folder / "summary.json").read_text()) if (folder / "summary.json").exists() else {}
    total = prev.get("seconds_all_runs", prev.get("seconds", 0.0)) + elapsed   # a resumed run adds up
    summary = {"project": opts.project, "version": opts.version, "base_commit": commit, "image": image,
               "baseline_passing": len(base_pass), "candidates": sum(len(v) for v in by_file.values()),
               **verdict.summary(records), "rows": len(out_rows), "seconds": round(elapsed, 1),
               "seconds_all_runs": round(total, 1),
               "seconds_per_row": round(total / len(out_rows), 1) if out_rows else None,
               "trial_seconds": round(sum(r["seconds"] for r in records), 1)}
    _atomic_write(folder / "summary.json", json.dumps(summary, indent=2))
    return summary


def _baseline(opts: SynthOptions, client, image: str, path: Path) -> trials.Baseline:
    if path.exists():
        saved = json.loads(path.read_text())
        if saved.get("image") == image:
            return trials.Baseline(**saved)
    base = trials.run_baseline(client, image, opts.env, opts.timeout_s)
    _atomic_write(path, json.dumps(base.__dict__))
    return base


def _run_trials(opts, client, image, base_pass, planned, folder: Path, progress) -> list[dict]:
    """Tries mutants in plan order until n are kept; finished verdicts on disk are reused."""
    records: dict[str, dict] = {}
    kept_per_fn: dict[tuple, int] = {}
    lock = threading.Lock()

    def enough() -> bool:
        return sum(1 for r in records.values() if r["reason"] == "kept") >= opts.n

    def wanted(m: mutate.Mutant) -> bool:
        return kept_per_fn.get((m.path, m.function), 0) < opts.per_function

    def note(m: mutate.Mutant, rec: dict) -> None:
        with lock:
            records[m.id] = rec
            if rec["reason"] == "kept":
                kept_per_fn[(m.path, m.function)] = kept_per_fn.get((m.path, m.function), 0) + 1
        if progress:
            progress(rec)

    def one(m: mutate.Mutant) -> tuple[mutate.Mutant, dict]:
        rec, log = trials.trial(client, image, opts.env, base_pass, m, opts.timeout_s, opts.max_fail_fraction)
        if rec["reason"] == "kept":
            _atomic_write(folder / f"{m.id}.log", log)
        _atomic_write(folder / f"{m.id}.json", json.dumps(rec))
        return m, rec

    todo = []
    for m in planned:
        path = folder / f"{m.id}.json"
        if path.exists():
            note(m, json.loads(path.read_text()))
        else:
            todo.append(m)
    with ThreadPoolExecutor(max_workers=max(1, opts.workers)) as pool:
        running = set()
        queue = iter(todo)
        while True:
            while len(running) < max(1, opts.workers) and not enough():
                m = next(queue, None)
                if m is None:
                    break
                if wanted(m):
                    running.add(pool.submit(one, m))
            if not running:
                break
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                note(*fut.result())
    return [records[m.id] for m in planned if m.id in records]


def _select(records: list[dict], planned: list[mutate.Mutant], opts: SynthOptions) -> list[dict]:
    """The first n kept in plan order, at most per_function per function (resume-stable)."""
    out, per = [], {}
    for r in records:
        key = (r["path"], r["function"])
        if r["reason"] == "kept" and per.get(key, 0) < opts.per_function and len(out) < opts.n:
            per[key] = per.get(key, 0) + 1
            out.append(r)
    return out


def _row(opts: SynthOptions, git_dir: Path, commit: str, rec: dict, by_id: list[mutate.Mutant]) -> dict:
    m = next(x for x in by_id if x.id == rec["id"])
    bug = gitrepo.commit_with(git_dir, commit, m.path, m.source, f"refs/synth/{m.id}")
    log_path = opts.folder / "02_mutants" / f"{m.id}.log"
    failure = issue.describe(rec["fail_to_pass"], log_path.read_text() if log_path.exists() else "",
                             read=lambda path: gitrepo.read(git_dir, commit, path))
    problem = issue.issue_text(failure, opts.project, len(rec["fail_to_pass"]))
    if opts.model is not None:
        from agent.synth.llm import rewrite_issue
        problem = rewrite_issue(opts.model, problem, failure, opts.project, rec["fail_to_pass"])
    return rows.make_row(project=opts.project, version=opts.version, original=commit, bug_commit=bug,
                         patch=gitrepo.diff(git_dir, bug, commit), problem=problem,
                         fail_to_pass=rec["fail_to_pass"], pass_to_pass=rec["pass_to_pass"], env=opts.env,
                         mutant=rec, source=opts.origin or str(opts.source))
