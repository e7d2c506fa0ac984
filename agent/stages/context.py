"""What every stage needs: the run, the model factory, sandboxes, the issue text."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from agent.budget import Ledger
from agent.config import SolveConfig, StageConfig
from agent.progress import Progress
from agent.prompting import quote_untrusted
from agent.runfolder import RunFolder
from agent.schema import Issue
from agent.timing import StageClock


@dataclass
class StageContext:
    run: RunFolder
    config: SolveConfig
    issue: Issue
    repo_path: Path              # host checkout at the base commit (read-only use)
    commit: str
    ledger: Ledger
    progress: Progress
    new_sandbox: Callable[[], object]          # a fresh copy-on-write sandbox of the original code
    make_model: Callable[[str, StageConfig], object]   # (stage, stage config) -> Model
    clock: StageClock = field(default_factory=StageClock)   # where the time goes (agent/timing.py)

    @property
    def issue_text(self) -> str:
        title = f"{self.issue.title}\n\n" if self.issue.title else ""
        return quote_untrusted(title + self.issue.body)
