"""The batch's hard total budget, shared out to instances as they start.

Running instances live in other threads or on other machines, so the driver cannot watch their
spend live. Instead each instance gets an allocation when it starts (its pipeline ledger enforces
it as a hard cap) and gives back what it did not use when it finishes. The sum of allocations never
exceeds what is left of the total, so the total holds without any shared state across nodes.
(A ledger reserves each call's worst case before it goes out, so an instance never overshoots its
share; an instance whose share could not cover one call is not started.)
"""
from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Share:
    budget_usd: float | None
    max_tokens: int | None


class BudgetPool:
    def __init__(self, total_usd: float | None, total_tokens: int | None, *,
                 per_instance_usd: float | None = None, per_instance_tokens: int | None = None,
                 spent_usd: float = 0.0, spent_tokens: int = 0, min_tokens: int = 1):
        self.total_usd, self.total_tokens = total_usd, total_tokens
        self.cap_usd, self.cap_tokens = per_instance_usd, per_instance_tokens
        self.spent_usd, self.spent_tokens = spent_usd, spent_tokens   # finished work, incl. earlier runs
        # Each model call reserves its worst case first (agent/budget.py): a token share smaller
        # than one call's output allowance would start an instance that cannot call the model.
        self.min_tokens = max(1, min_tokens)
        self._held: dict[str, Share] = {}
        self._lock = threading.Lock()

    def _left(self) -> tuple[float | None, float | None]:
        usd = tok = None
        if self.total_usd is not None:
            usd = self.total_usd - self.spent_usd - sum(s.budget_usd or 0 for s in self._held.values())
        if self.total_tokens is not None:
            tok = self.total_tokens - self.spent_tokens - sum(s.max_tokens or 0 for s in self._held.values())
        return usd, tok

    def exhausted(self) -> bool:
        with self._lock:
            usd, tok = self._left()
        return (usd is not None and usd <= 0) or (tok is not None and tok <= 0)

    def take(self, iid: str, ways: int, already_usd: float = 0.0, already_tokens: int = 0) -> Share | None:
        """Allocation for one instance starting now, or None when the total is spent.

        `ways`: how many instances may start before any running one finishes (free worker slots,
        capped by what is pending); what is left is split evenly between them so the first one does
        not take everything. `already_*`: what the instance's run folder spent before (resume) — the
        pipeline's ledger counts it, so its cap must include it.
        """
        ways = max(1, ways)
        with self._lock:
            usd, tok = self._left()
            if (usd is not None and usd <= 0) or (tok is not None and tok <= 0):
                return None
            share_usd = _least(usd / ways if usd is not None else None, self.cap_usd)
            share_tok = _least(int(tok // ways) if tok is not None else None, self.cap_tokens)
            if share_tok is not None and share_tok < self.min_tokens:
                return None
            held = Share(share_usd, share_tok)
            self._held[iid] = held
            # The instance's own cap is on its whole ledger, earlier spend included.
            return Share(None if share_usd is None else already_usd + share_usd,
                         None if share_tok is None else already_tokens + share_tok)

    def settle(self, iid: str, new_usd: float, new_tokens: int) -> None:
        """The instance finished (or failed) having spent `new_*` in this run: release its allocation."""
        with self._lock:
            self._held.pop(iid, None)
            self.spent_usd += new_usd
            self.spent_tokens += new_tokens


def _least(a, b):
    vals = [v for v in (a, b) if v is not None]
    return min(vals) if vals else None
