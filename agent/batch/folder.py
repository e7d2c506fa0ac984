"""The batch folder: one pipeline run folder + one status file per instance, derived files on top.

```
BATCH/
  batch.json                    dataset path, instance ids, options of the first run (informative)
  instances/<iid>/run/          the pipeline's run folder (resumable on its own)
  instances/<iid>/status.json   InstanceStatus: "done" is never run again; "budget" / "error" continue
                                on the next run (from the run folder, which the pipeline resumes)
  instances/<iid>/eval.json     InstanceEval (resolved + per-candidate results), keyed by patch hash
  predictions.jsonl             official format, REBUILT from status files after every change
  ledger.json                   BatchLedger: per-instance spend, totals, caps
  summary.json                  list[SummaryRow]
```
Status files are the only truth: everything else is recomputed from them, so a batch killed at
any moment loses at most the instances that were running (and those resume from their run folders).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from agent.budget import LedgerState
from agent.runfolder import RunFolder, atomic_write_text


def patch_hash(patch: str) -> str:
    return hashlib.sha256(patch.encode()).hexdigest()[:16]


class InstanceStatus(BaseModel):
    instance_id: str
    # "budget": the pipeline stopped at its cap (it may still have a patch); like "error", the next
    # run of the batch continues it from its run folder, given budget.
    status: Literal["done", "budget", "error"]
    result_status: str = ""               # the pipeline's Result.status: selected / abstained / …
    model_patch: str = ""
    cost_usd: float = 0.0
    tokens: int = 0
    duration_s: float = 0.0               # wall time of the task (checkout + image + pipeline)
    node: str = ""                        # which machine ran it (Ray runs)
    error: str = ""
    model_unavailable: bool = False       # the model could not be reached or refused: the batch stops


class InstanceEval(BaseModel):
    patch_hash: str                       # eval of another patch (rerun changed it) is stale
    resolved: bool | None = None          # None = could not be evaluated (see error)
    candidates: dict[str, bool | None] = Field(default_factory=dict)   # candidate id -> resolved
    error: str = ""

    @property
    def coverage(self) -> bool | None:
        if not self.candidates:
            return None
        return any(bool(v) for v in self.candidates.values())


class InstanceSpend(BaseModel):
    cost_usd: float = 0.0
    tokens: int = 0
    calls: int = 0
    duration_s: float = 0.0
    stages: dict[str, dict] = Field(default_factory=dict)


class BatchLedger(BaseModel):
    budget_usd: float | None = None
    max_tokens: int | None = None
    cost_usd: float = 0.0
    tokens: int = 0
    instances: dict[str, InstanceSpend] = Field(default_factory=dict)


class SummaryRow(BaseModel):
    instance_id: str
    status: str                           # selected / abstained / budget_exhausted / error / not_run
    resolved: bool | None = None
    coverage: bool | None = None
    abstained: bool = False
    cost_usd: float = 0.0
    tokens: int = 0
    duration_s: float = 0.0
    error: str = ""


class BatchFolder:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    def instance_dir(self, iid: str) -> Path:
        return self.root / "instances" / safe_name(iid)

    def run_dir(self, iid: str) -> Path:
        return self.instance_dir(iid) / "run"

    def status(self, iid: str) -> InstanceStatus | None:
        return RunFolder(self.instance_dir(iid)).read_model_or_none("status.json", InstanceStatus)

    def write_status(self, st: InstanceStatus) -> None:
        RunFolder(self.instance_dir(st.instance_id)).write_json("status.json", st)

    def eval(self, iid: str) -> InstanceEval | None:
        return RunFolder(self.instance_dir(iid)).read_model_or_none("eval.json", InstanceEval)

    def write_eval(self, iid: str, ev: InstanceEval) -> None:
        RunFolder(self.instance_dir(iid)).write_json("eval.json", ev)

    def is_done(self, iid: str) -> bool:
        st = self.status(iid)
        return st is not None and st.status == "done"

    def run_spend(self, iid: str) -> InstanceSpend:
        """Spend recorded by the instance's run folder, finished or not (the pipeline saves its
        ledger after every sample), so money spent before a kill still counts against the total."""
        state = RunFolder(self.run_dir(iid)).read_model_or_none("ledger.json", LedgerState)
        st = self.status(iid)
        spend = InstanceSpend(duration_s=st.duration_s if st else 0.0)
        if state:
            for name, s in state.stages.items():
                spend.cost_usd += s.cost_usd
                spend.tokens += s.tokens
                spend.calls += s.calls
                spend.stages[name] = s.model_dump()
        return spend

    def write_ledger(self, ids: list[str], budget_usd: float | None, max_tokens: int | None) -> BatchLedger:
        ledger = BatchLedger(budget_usd=budget_usd, max_tokens=max_tokens)
        for iid in ids:
            spend = self.run_spend(iid)
            if spend.calls or spend.duration_s:
                ledger.instances[iid] = spend
                ledger.cost_usd += spend.cost_usd
                ledger.tokens += spend.tokens
        ledger.cost_usd = round(ledger.cost_usd, 6)
        RunFolder(self.root).write_json("ledger.json", ledger)
        return ledger

    def write_predictions(self, ids: list[str], model_name: str) -> int:
        """predictions.jsonl from the status files, in dataset order: rewritten whole, never appended,
        so a rerun cannot leave duplicates or a half-written line behind."""
        lines = []
        for iid in ids:
            st = self.status(iid)
            if st and st.status in ("done", "budget"):
                lines.append(json.dumps({"instance_id": iid, "model_name_or_path": model_name,
                                         "model_patch": st.model_patch}))
        atomic_write_text(self.root / "predictions.jsonl", "".join(line + "\n" for line in lines))
        return len(lines)

    def summary_rows(self, ids: list[str]) -> list[SummaryRow]:
        rows = []
        for iid in ids:
            st = self.status(iid)
            if st is None:
                rows.append(SummaryRow(instance_id=iid, status="not_run"))
                continue
            ev = self.eval(iid)
            if ev is not None and ev.patch_hash != patch_hash(st.model_patch):
                ev = None
            spend = self.run_spend(iid)
            rows.append(SummaryRow(
                instance_id=iid, status=st.result_status if st.status != "error" else "error",
                resolved=ev.resolved if ev else None, coverage=ev.coverage if ev else None,
                abstained=st.result_status == "abstained",
                cost_usd=round(max(spend.cost_usd, st.cost_usd), 6), tokens=max(spend.tokens, st.tokens),
                duration_s=st.duration_s, error=st.error))
        return rows

    def write_summary(self, ids: list[str]) -> list[SummaryRow]:
        rows = self.summary_rows(ids)
        RunFolder(self.root).write_json("summary.json", [r.model_dump(mode="json") for r in rows])
        return rows


def safe_name(iid: str) -> str:
    # SWE-bench ids are already safe ("owner__repo-123"); anything else must not escape the folder.
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in iid).lstrip(".") or "instance"
