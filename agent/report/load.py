"""Read a run folder (or a batch folder) for the report, tolerantly.

A run killed at any moment leaves some stages finished, some partial and some absent; the report
must still render, so nothing here raises on a missing or invalid file: it becomes "not run" or a
warning shown on the page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from agent.budget import LedgerState
from agent.runfolder import CANDIDATES, DECISION, LOCATIONS, MATRIX, STAGE_DIRS, TESTS, RunFolder
from agent.schema import (Candidate, Decision, ExecutionMatrix, Issue, Location, Result, RewardScore,
                          TestCase, Trajectory)

# The file whose presence means the stage finished.
STAGE_DONE = {"localize": LOCATIONS, "patch": CANDIDATES, "test": TESTS, "execute": MATRIX, "reward": None,
              "select": DECISION}


@dataclass
class StageView:
    name: str
    folder: str
    status: str                      # "done" / "partial" / "not run"
    trajectories: list[Trajectory] = field(default_factory=list)


@dataclass
class RunView:
    root: Path
    issue: Issue | None = None
    config: dict | None = None
    stages: list[StageView] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    tests: list[TestCase] = field(default_factory=list)
    matrix: ExecutionMatrix | None = None
    rewards: dict[str, RewardScore] = field(default_factory=dict)
    decision: Decision | None = None
    selection: Trajectory | None = None
    ledger: LedgerState | None = None
    result: Result | None = None
    final_diff: str | None = None
    warnings: list[str] = field(default_factory=list)

    def stage(self, name: str) -> StageView:
        return next(s for s in self.stages if s.name == name)


def load_run(root: Path | str) -> RunView:
    run = RunFolder(root)
    view = RunView(root=run.root, warnings=run.warnings)
    view.issue = run.issue()
    view.config = run.config()
    for name in STAGE_DIRS:
        folder = run.stage_dir(name)          # an old run folder's stage is shown under its old name
        trajs = run.trajectories(name)
        done = STAGE_DONE[name]
        exists = folder.is_dir()
        status = "not run" if not exists else "done" if done is None or run.path(done).is_file() else "partial"
        view.stages.append(StageView(name, folder.name, status, trajs))
    view.locations = run.locations()
    view.candidates = run.candidates()
    view.tests = run.tests()
    if not view.tests:
        # Test writing killed before tests.json: the finished samples still carry their tests.
        view.tests = [case for t in view.stage("test").trajectories if (case := t.output_as(TestCase)) is not None]
    view.matrix = run.matrix()
    view.rewards = run.rewards()
    view.decision = run.decision()
    sel = view.stage("select").trajectories
    view.selection = sel[0] if sel else None
    view.ledger = run.ledger()
    view.result = run.result()
    view.final_diff = run.final_diff()
    if view.issue is None and not any(s.status != "not run" for s in view.stages):
        view.warnings.append("this folder does not look like a run folder (no issue.json, no stage folders)")
    return view


def is_batch(root: Path | str) -> bool:
    return (Path(root) / "instances").is_dir()


@dataclass
class BatchRow:
    instance_id: str
    status: str = "not_run"
    resolved: bool | None = None
    coverage: bool | None = None
    cost_usd: float = 0.0
    tokens: int = 0
    duration_s: float = 0.0
    error: str = ""
    run_dir: Path | None = None      # the instance's run folder, when it exists


@dataclass
class BatchView:
    root: Path
    rows: list[BatchRow] = field(default_factory=list)
    scaling: dict | None = None
    summary_from: str = "summary.json"   # or "instance folders" when it had to be derived
    warnings: list[str] = field(default_factory=list)


def _instance_dir(root: Path, iid: str) -> Path:
    # The batch folder names instance folders with a filesystem-safe form of the id.
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in iid).lstrip(".") or "instance"
    return root / "instances" / (iid if (root / "instances" / iid).is_dir() else safe)


def _obj(r: RunFolder, rel: str) -> dict:
    """A JSON object from the folder; anything else (missing, unreadable, a list) counts as empty and is named."""
    data = r.raw(rel)
    if data is not None and not isinstance(data, dict):
        r.warnings.append(f"{rel}: not a JSON object, ignored")
    return data if isinstance(data, dict) else {}


def _derived_row(r: RunFolder, rel: str) -> BatchRow:
    """One row from what an instance folder holds: status.json, eval.json, run/result.json."""
    status, ev, result = (_obj(r, f"{rel}/{name}") for name in ("status.json", "eval.json", "run/result.json"))
    iid = status.get("instance_id") or result.get("issue_id") or Path(rel).name
    row = BatchRow(instance_id=iid)
    if status.get("status") == "error":
        row.status, row.error = "error", status.get("error", "")
    else:
        row.status = status.get("result_status") or result.get("status") or "not_run"
    row.resolved = ev.get("resolved")
    cands = ev.get("candidates") or {}
    row.coverage = any(bool(v) for v in cands.values()) if cands else None
    row.cost_usd = float(max(status.get("cost_usd", 0.0), result.get("cost_usd", 0.0)))
    row.tokens = int(max(status.get("tokens", 0), result.get("tokens", 0)))
    row.duration_s = float(status.get("duration_s") or result.get("duration_s") or 0.0)
    return row


def load_batch(root: Path | str) -> BatchView:
    root = Path(root)
    r = RunFolder(root)                     # its tolerant reader: a batch folder is no run folder
    view = BatchView(root=root, warnings=r.warnings)
    summary = r.raw("summary.json")
    if isinstance(summary, list):
        fields = set(BatchRow.__dataclass_fields__) - {"run_dir"}
        view.rows = [BatchRow(**{k: v for k, v in row.items() if k in fields}) for row in summary
                     if isinstance(row, dict) and "instance_id" in row]
    else:
        view.summary_from = "instance folders"
        inst = root / "instances"
        view.rows = [_derived_row(r, f"instances/{d.name}") for d in sorted(inst.iterdir()) if d.is_dir()]
    for row in view.rows:
        run = _instance_dir(root, row.instance_id) / "run"
        row.run_dir = run if run.is_dir() else None
    scaling = r.raw("scaling.json")
    view.scaling = scaling if isinstance(scaling, dict) else None
    return view
