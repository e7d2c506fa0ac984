"""`swe-agent select`: seed each instance's run folder with the systems' patches, run stages 3–6 on
them through the batch runner (the same local / Ray executors, budgets and resume as `bench`), then
let every requested method choose among the same candidates.

```
OUT/
  instances/<iid>/run/            the pipeline's run folder (00_sources.json + 03_patches/ seeded here)
  instances/<iid>/status.json     the batch runner's status (only for methods that execute)
  instances/<iid>/selection.json  Selection: candidates, systems behind each, every method's choice
  predictions.jsonl               official format, the first --method (abstention = empty patch)
  predictions-<method>.jsonl      the same for every --method
```
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pydantic import BaseModel, Field

from agent.batch.folder import BatchFolder
from agent.config import SelectConfig, SolveConfig
from agent.ensemble import methods as M
from agent.ensemble.sources import PATCH_DIR, SOURCES_FILE, Sources, seed_run, selection_row
from agent.model_free import model_free_config
from agent.runfolder import RunFolder, atomic_write_text
from agent.sampling import load_samples
from agent.calibration import decide_as_configured
from agent.schema import Candidate, Decision, ExecutionMatrix


class MethodChoice(BaseModel):
    distribution: dict[str, float]          # candidate id -> probability (ties stay ties)
    candidate: str | None = None            # the seeded draw; None = abstained


class Selection(BaseModel):
    instance_id: str
    systems: list[str]
    candidates: list[dict]                  # id, systems behind it, files
    executed: bool = False                  # the execution matrix exists (stages 3–6 ran)
    result_status: str = ""                 # the pipeline's Result.status when it ran
    cost_usd: float = 0.0
    tokens: int = 0                         # model tokens of stages 3–6 (a local model costs $0, not nothing)
    duration_s: float = 0.0
    methods: dict[str, MethodChoice] = Field(default_factory=dict)


@dataclass
class SelectOptions:
    output: Path
    config: SolveConfig
    methods: list[str]
    mirror_root: str | None = None
    model_free: bool = False
    seed: int = 0
    model_name: str = "swe-agent-select"
    budget_usd: float | None = None
    max_tokens: int | None = None
    instance_budget_usd: float | None = None
    instance_max_tokens: int | None = None
    log: Callable[[str], None] = field(default=lambda msg: None)


def select_config(config: SolveConfig, n_systems: int, model_free: bool) -> SolveConfig:
    """The solve config for selection: one patch sample per prediction file (all on disk, so the patch
    stage calls no model) and no escalation (it would sample new patches). model_free also turns off
    every model stage: tests are then the issue's own checks, behaviour comes from the issue's calls."""
    upd: dict = {"patch": config.patch.model_copy(update={"samples": n_systems, "early_stop": False}),
                 "escalate": config.escalate.model_copy(update={"rounds": 0}),
                 # the checks and the regression run use pytest; some SWE-bench environments (sympy) lack it
                 "pip": list(dict.fromkeys([*config.pip, "pytest"]))}
    out = config.model_copy(update=upd)
    return model_free_config(out, patch_samples=n_systems) if model_free else out


def _reader(row: dict, mirror_root: str | None):
    from agent.evaluation import mirror
    if row.get("repo_path"):
        src = Path(row["repo_path"])
        git_dir = src / ".git" if (src / ".git").is_dir() else src
    else:
        git_dir = mirror.find_mirror(mirror_root, row["repo"])
    if git_dir is None:
        return None
    return lambda path: mirror.read_file_at(git_dir, row["base_commit"], path)


def candidates_for(run_dir: Path, n_systems: int) -> list[Candidate]:
    from agent.stages.patch import candidates_of   # the pipeline's own normalization + dedup
    return candidates_of(list(load_samples(RunFolder(run_dir), PATCH_DIR, n_systems).values()))


def seed_all(rows: list[dict], systems: list[str], patches: list[dict[str, str]], opts: SelectOptions) -> list[dict]:
    """Seed run folders; returns the rows that have at least one submitted patch."""
    folder, out = BatchFolder(opts.output), []
    for row in rows:
        run_dir = folder.run_dir(row["instance_id"])
        # The reader reads only for samples still to seed, or seeded without the repository before; never
        # under a finished instance (new files could regroup candidates its recorded evidence names).
        st = folder.status(row["instance_id"])
        done = st is not None and st.status == "done"
        if seed_run(run_dir, row["instance_id"], systems, patches, None if done else _reader(row, opts.mirror_root)):
            out.append(row)
    return out


def selection_for(folder: BatchFolder, iid: str, methods: list[str], seed: int) -> Selection:
    """Every method's choice from what the run folder holds (pure replay: recomputed, never trusted)."""
    run = RunFolder(folder.run_dir(iid))
    systems = run.read_model(SOURCES_FILE, Sources).systems
    cands = candidates_for(run.root, len(systems))
    matrix = run.matrix()
    decision = run.decision()
    try:
        reranked = rerank(run, cands, matrix)
    except (OSError, ValueError):   # e.g. the run's calibration file is not on this machine: what it recorded
        reranked = decision
    st = folder.status(iid)
    done = st is not None and st.status == "done"
    sel = Selection(instance_id=iid, systems=systems, executed=matrix is not None and done,
                    candidates=[{"id": c.id, "systems": [systems[s] for s in c.samples], "files": c.files}
                                for c in cands],
                    result_status=st.result_status if st else "", cost_usd=st.cost_usd if st else 0.0,
                    tokens=st.tokens if st else 0, duration_s=st.duration_s if st else 0.0)
    for m in methods:
        if M.needs_execution(m) and not sel.executed:
            sel.methods[m] = MethodChoice(distribution={})     # not run (error / budget / running): abstain
            continue
        dist = M.distribution(m, cands, matrix, decision, reranked)
        sel.methods[m] = MethodChoice(distribution={k: round(v, 6) for k, v in dist.items()},
                                      candidate=M.pick(dist, seed, iid))
    return sel


def rerank(run: RunFolder, cands: list[Candidate], matrix: ExecutionMatrix | None) -> Decision | None:
    """Stage 6's ranking recomputed by today's code from the folder's evidence and the run's own `select:`
    settings (no selection trajectory: that needs a model), so a replay sees fixes to the ranking."""
    if matrix is None or not cands:
        return None
    cfg = SelectConfig.model_validate((run.config() or {}).get("select") or {})
    return decide_as_configured(cfg, cands, matrix, run.rewards(), run.behaviour())


def decide_all(rows: list[dict], opts: SelectOptions) -> dict[str, Selection]:
    folder, out = BatchFolder(opts.output), {}
    for row in rows:
        iid = row["instance_id"]
        out[iid] = sel = selection_for(folder, iid, opts.methods, opts.seed)
        RunFolder(folder.instance_dir(iid)).write_json("selection.json", sel)
    return out


def write_predictions(ids: list[str], selections: dict[str, Selection], opts: SelectOptions) -> None:
    folder = BatchFolder(opts.output)
    for i, m in enumerate(opts.methods):
        lines = []
        for iid in ids:
            sel = selections.get(iid)
            diff = ""
            if sel and (cid := sel.methods[m].candidate):
                run_dir = folder.run_dir(iid)
                diff = next(c.diff for c in candidates_for(run_dir, len(sel.systems)) if c.id == cid)
            lines.append(json.dumps({"instance_id": iid, "model_name_or_path": f"{opts.model_name}-{m}",
                                     "model_patch": diff}) + "\n")
        text = "".join(lines)
        atomic_write_text(opts.output / f"predictions-{m}.jsonl", text)
        if i == 0:
            atomic_write_text(opts.output / "predictions.jsonl", text)


def run_select(rows: list[dict], prediction_files: list[Path], opts: SelectOptions, executor,
               progress=None) -> dict[str, Selection]:
    from agent.batch.runner import BenchOptions, run_bench
    from agent.ensemble.sources import load_sources

    systems, patches = load_sources(prediction_files)
    rows = [selection_row(r) for r in rows if any(r["instance_id"] in p for p in patches)]
    opts.output.mkdir(parents=True, exist_ok=True)
    with_patches = seed_all(rows, systems, patches, opts)
    opts.log(f"{len(rows)} instance(s) in the prediction files, {len(with_patches)} with a submitted patch; "
             f"{len(systems)} system(s): {', '.join(systems)}")
    if any(M.needs_execution(m) for m in opts.methods) and with_patches:
        cfg = select_config(opts.config, len(systems), opts.model_free)
        bench = BenchOptions(output=opts.output, config=cfg, model_name=opts.model_name,
                             budget_usd=opts.budget_usd, max_tokens=opts.max_tokens,
                             instance_budget_usd=opts.instance_budget_usd,
                             instance_max_tokens=opts.instance_max_tokens, mirror_root=opts.mirror_root,
                             evaluate=False, log=opts.log)
        run_bench(with_patches, bench, executor, progress)
    selections = decide_all(with_patches, opts)
    write_predictions([r["instance_id"] for r in rows], selections, opts)
    return selections
