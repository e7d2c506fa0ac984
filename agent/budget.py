"""Hard spend caps shared by every model call of a run.

The ledger is checked *before* a call (so a reached cap stops the next call, not the one in
flight) and charged after it. It is thread-safe because stages sample in threads.
"""
from __future__ import annotations

import threading

from pydantic import BaseModel, Field


class BudgetExceeded(RuntimeError):
    """Raised before a model call once a hard cap has been reached."""


class StageSpend(BaseModel):
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class LedgerState(BaseModel):
    budget_usd: float | None = None
    max_tokens: int | None = None
    stages: dict[str, StageSpend] = Field(default_factory=dict)


class Ledger:
    def __init__(self, budget_usd: float | None = None, max_tokens: int | None = None,
                 state: LedgerState | None = None):
        self._lock = threading.Lock()
        self.state = state or LedgerState()
        # Caps given now win over the ones stored by an earlier (resumed) run.
        self.state.budget_usd = budget_usd if budget_usd is not None else self.state.budget_usd
        self.state.max_tokens = max_tokens if max_tokens is not None else self.state.max_tokens

    @property
    def cost_usd(self) -> float:
        return sum(s.cost_usd for s in self.state.stages.values())

    @property
    def tokens(self) -> int:
        return sum(s.tokens for s in self.state.stages.values())

    def exhausted_reason(self) -> str | None:
        s = self.state
        if s.budget_usd is not None and self.cost_usd >= s.budget_usd:
            return f"budget of ${s.budget_usd:.4f} reached (spent ${self.cost_usd:.4f})"
        if s.max_tokens is not None and self.tokens >= s.max_tokens:
            return f"token cap of {s.max_tokens} reached (used {self.tokens})"
        return None

    def check(self) -> None:
        with self._lock:
            reason = self.exhausted_reason()
        if reason:
            raise BudgetExceeded(reason)

    def charge(self, stage: str, prompt_tokens: int, completion_tokens: int, cost_usd: float) -> None:
        with self._lock:
            spend = self.state.stages.setdefault(stage or "other", StageSpend())
            spend.calls += 1
            spend.prompt_tokens += prompt_tokens
            spend.completion_tokens += completion_tokens
            spend.cost_usd += cost_usd

    def snapshot(self) -> LedgerState:
        with self._lock:
            return self.state.model_copy(deep=True)
