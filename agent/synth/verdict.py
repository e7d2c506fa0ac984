"""Keep or drop a mutant from its test runs: pure functions over parsed test outcomes.

Outcomes come from swebench's own pytest log parser, so the test ids in FAIL_TO_PASS / PASS_TO_PASS
are exactly the ones the official grading will look up in an eval log.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from swebench.harness.constants import TestStatus
from swebench.harness.log_parsers.python import parse_log_pytest

PASSING = {TestStatus.PASSED.value, TestStatus.XFAIL.value}


def outcomes(log: str) -> dict[str, str]:
    """{test id: PASSED | FAILED | SKIPPED | ERROR | XFAIL} from `pytest -rA` output."""
    return parse_log_pytest(log, None)


def passing(log_or_outcomes) -> set[str]:
    res = outcomes(log_or_outcomes) if isinstance(log_or_outcomes, str) else log_or_outcomes
    return {t for t, s in res.items() if s in PASSING}


def baseline(runs: list[dict[str, str]]) -> set[str]:
    """Tests that pass on every baseline run (a test that flips at the base commit is never used)."""
    sets = [passing(r) for r in runs]
    return set.intersection(*sets) if sets else set()


@dataclass
class Verdict:
    kept: bool
    reason: str                      # kept | equivalent | flaky | no_tests | too_broad | timeout | error
    fail_to_pass: list[str] = field(default_factory=list)
    pass_to_pass: list[str] = field(default_factory=list)


def judge(base_pass: set[str], runs: list[dict[str, str]], timed_out: bool = False,
          max_fail_fraction: float = 0.5) -> Verdict:
    """A mutant is kept when the same non-empty set of previously passing tests fails on every run.

    A test missing from a run counts as failing (as swebench grades a missing F2P test). Runs where
    pytest reported nothing at all (the suite did not even collect) are dropped: there is no test
    output to write a user's report from. Mutants that break more than max_fail_fraction of the suite
    are dropped too: they are crashes of the whole package, not bugs someone would localize.
    """
    if timed_out:
        return Verdict(False, "timeout")
    if not runs or any(not r for r in runs):
        return Verdict(False, "no_tests")
    failing = [base_pass - passing(r) for r in runs]
    if any(f != failing[0] for f in failing[1:]):
        return Verdict(False, "flaky")
    if not failing[0]:
        return Verdict(False, "equivalent")
    if len(failing[0]) > max_fail_fraction * len(base_pass):
        return Verdict(False, "too_broad")
    return Verdict(True, "kept", sorted(failing[0]), sorted(base_pass - failing[0]))


def needs_second_run(base_pass: set[str], first: dict[str, str]) -> bool:
    """Only a mutant that some test notices is worth a second (determinism) run."""
    return bool(first) and bool(base_pass - passing(first))


def summary(records: list[dict]) -> dict:
    """Counts for the run's summary: tried, kept, dropped by reason, and kept / tried per kind."""
    reasons = Counter(r["reason"] for r in records)
    kinds: dict[str, list[int]] = {}
    for r in records:
        k = kinds.setdefault(r["kind"], [0, 0])
        k[0] += 1
        k[1] += r["reason"] == "kept"
    return {"tried": len(records), "kept": reasons.get("kept", 0),
            "dropped": {k: v for k, v in sorted(reasons.items()) if k != "kept"},
            "by_kind": {k: {"tried": v[0], "kept": v[1]} for k, v in sorted(kinds.items())}}
