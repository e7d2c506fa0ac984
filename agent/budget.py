"""Hard spend caps shared by every model call of a run.

A call first *reserves* its worst case (prompt estimate + max_tokens, priced) under the lock and
only then goes out; afterwards the real usage replaces the reservation. Checking the spent total
alone let every worker start one more call at the cap (8 workers × $0.40 over a $1 cap = $4).
A reservation that does not fit while other calls are in flight waits for them to settle; one
that cannot fit even then is refused, and the run stops. Thread-safe: stages sample in threads.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from pydantic import BaseModel, Field


class BudgetExceeded(RuntimeError):
    """Raised before a model call once a hard cap has been reached (or the call could cross it)."""


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


@dataclass(frozen=True)
class Reservation:
    tokens: int
    cost_usd: float


class Ledger:
    def __init__(self, budget_usd: float | None = None, max_tokens: int | None = None,
                 state: LedgerState | None = None):
        self._cond = threading.Condition()
        self.state = state or LedgerState()
        # Caps given now win over the ones stored by an earlier (resumed) run.
        self.state.budget_usd = budget_usd if budget_usd is not None else self.state.budget_usd
        self.state.max_tokens = max_tokens if max_tokens is not None else self.state.max_tokens
        self._held_tokens = 0          # reserved by calls in flight
        self._held_usd = 0.0
        self._refused: str | None = None   # a call that could not fit even with nothing in flight

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
        return self._refused

    def check(self) -> None:
        with self._cond:
            reason = self.exhausted_reason()
        if reason:
            raise BudgetExceeded(reason)

    def _cannot_fit(self, tokens: int, cost: float, held_tokens: int, held_usd: float) -> str | None:
        s = self.state
        if s.budget_usd is not None and self.cost_usd + held_usd + cost > s.budget_usd:
            return (f"budget of ${s.budget_usd:.4f} reached: the next call may cost up to ${cost:.4f} and "
                    f"${s.budget_usd - self.cost_usd:.4f} is left (spent ${self.cost_usd:.4f})")
        if s.max_tokens is not None and self.tokens + held_tokens + tokens > s.max_tokens:
            return (f"token cap of {s.max_tokens} reached: the next call may use up to {tokens} tokens and "
                    f"{s.max_tokens - self.tokens} are left (used {self.tokens})")
        return None

    def reserve(self, tokens: int, cost_usd: float) -> Reservation:
        """Hold a call's worst case; BudgetExceeded when it cannot fit even after the calls in flight settle."""
        with self._cond:
            while True:
                reason = self.exhausted_reason()
                if reason:
                    raise BudgetExceeded(reason)
                if not self._cannot_fit(tokens, cost_usd, self._held_tokens, self._held_usd):
                    break
                # Spent totals only grow, so a call that does not fit next to what is spent never will.
                if reason := self._cannot_fit(tokens, cost_usd, 0, 0.0):
                    self._refused = reason
                    raise BudgetExceeded(reason)
                self._cond.wait()
            self._held_tokens += tokens
            self._held_usd += cost_usd
            return Reservation(tokens, cost_usd)

    def release(self, hold: Reservation) -> None:
        """The call failed before it was billed: give its reservation back."""
        with self._cond:
            self._held_tokens -= hold.tokens
            self._held_usd -= hold.cost_usd
            self._cond.notify_all()

    def settle(self, hold: Reservation, stage: str, prompt_tokens: int, completion_tokens: int,
               cost_usd: float) -> None:
        """Replace the reservation by what the call really used."""
        with self._cond:
            self._held_tokens -= hold.tokens
            self._held_usd -= hold.cost_usd
            self._add(stage, prompt_tokens, completion_tokens, cost_usd)
            self._cond.notify_all()

    def charge(self, stage: str, prompt_tokens: int, completion_tokens: int, cost_usd: float) -> None:
        with self._cond:
            self._add(stage, prompt_tokens, completion_tokens, cost_usd)
            self._cond.notify_all()

    def _add(self, stage: str, prompt_tokens: int, completion_tokens: int, cost_usd: float) -> None:
        spend = self.state.stages.setdefault(stage or "other", StageSpend())
        spend.calls += 1
        spend.prompt_tokens += prompt_tokens
        spend.completion_tokens += completion_tokens
        spend.cost_usd += cost_usd

    def snapshot(self) -> LedgerState:
        with self._cond:
            return self.state.model_copy(deep=True)
