"""Selection methods over one instance's candidates (pure). Every method sees the same candidates.

A method gives a *distribution* over candidates (ties stay ties); `pick` draws from it with a seed
fixed per instance, and the benchmark scores its expected value, so a lucky tie-break is no result.

- pipeline:   the decision stage 6 recorded (stages 3–6 as in `solve`); may abstain
- pipeline-top: the top of stage 6's ranking even where it abstained (abstain_below = 0), recomputed by
                today's ranking code from the run folder's evidence
- majority:   the candidate most systems submitted (normalized patches)
- regression: candidates that break none of the repository's own tests covering the touched files
              (tests that pass on the original code; not those that two or more candidates carrying most
              submissions break: old behaviour the issue changes); the majority among them. None survives: abstain
- consensus:  the regression filter's survivors, then the ones whose files most submissions also touch (mean over
              the candidate's files of the submissions touching each: a stray reproduction script or an unrelated
              file lowers it), then the majority among those (chosen on the train split, select_lite.md)
- random:     one of the systems' submissions, uniformly (= the average system)
- A+B:        A's choice; where A abstains, B's (e.g. pipeline+majority: a selection among submissions always has
              an answer, and where the evidence is too weak to choose, the systems' majority is the prior)
- A:B:        A's choice with its ties broken by B (majority:consensus: the most-submitted candidates, of those the
              ones consensus keeps; none of them: A's tie stays); binds tighter than +
"""
from __future__ import annotations

import random
from collections.abc import Callable

from agent.schema import Candidate, Decision, ExecutionMatrix
from agent.ranking import regression_ok

BASE = ("pipeline", "pipeline-top", "majority", "regression", "consensus", "random")
# What the benchmark replays (any A+B and A:B is valid)
METHODS = BASE + ("pipeline+majority", "pipeline+consensus", "majority:consensus", "pipeline+majority:consensus")
NEEDS_EXECUTION = {"pipeline", "pipeline-top", "regression", "consensus"}


def steps(method: str) -> list[list[str]]:
    """A method as its fallback steps, each a method and its tie-breakers; ValueError for an unknown one (pure)."""
    out = [step.split(":") for step in method.split("+")]
    flat = [m for step in out for m in step]
    bad = [m for m in flat if m not in BASE]
    if bad or len(set(flat)) != len(flat):
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(BASE)}, chain them (pipeline+majority: "
                         f"the second where the first abstains) or break ties (majority:consensus)")
    return out


def parts(method: str) -> list[str]:
    """Every base method a (possibly chained) method uses."""
    return [m for step in steps(method) for m in step]


def needs_execution(method: str) -> bool:
    return any(m in NEEDS_EXECUTION for m in parts(method))


def tie_break(first: dict[str, float], by: dict[str, float]) -> dict[str, float]:
    """`first`'s candidates, weighted by `by` among them; `first` itself when `by` keeps none of them."""
    kept = {k: v for k, v in by.items() if k in first and v > 0}
    total = sum(kept.values())
    return {k: v / total for k, v in kept.items()} if total else first


def _uniform(cands: list[Candidate]) -> dict[str, float]:
    return {c.id: 1 / len(cands) for c in cands} if cands else {}


def majority(cands: list[Candidate]) -> dict[str, float]:
    if not cands:
        return {}
    top = max(c.count for c in cands)
    return _uniform([c for c in cands if c.count == top])


def broken_tests(matrix: ExecutionMatrix, cand: str) -> set[str] | None:
    """Tests that passed on the original code and fail with the candidate; None = the whole run broke
    (patch does not apply, timeout, crash, edits tests) or was not run; set() = nothing broken."""
    ok = regression_ok(matrix, cand)
    if ok is None:
        return set()
    cell, base = matrix.get(cand, "regression"), matrix.baseline_regression
    if ok is True:
        return set()
    broken = set(cell.failed_tests) - set(base.failed_tests if base else [])
    return broken or None


def regression(cands: list[Candidate], matrix: ExecutionMatrix | None) -> dict[str, float]:
    """Unknown (no covering test file, not run) counts as not broken: the filter only removes.
    A test that every candidate breaks asserts the behaviour the issue asks to change (the hidden test
    patch updates such tests), so it is no regression (rule chosen on train: sympy-13971); so is a test
    that two or more candidates carrying more than half of the submissions break (CodeT's dual agreement on the
    repository's tests: one partial fix that leaves the old behaviour alone no longer makes it count
    against every real fix; chosen on train, select_lite/RULE-s32.md)."""
    if matrix is None:
        return majority(cands)
    broken = {c.id: broken_tests(matrix, c.id) for c in cands}
    excused = old_behaviour(cands, broken)
    return majority([c for c in cands if broken[c.id] is not None and not (broken[c.id] - excused)])


def old_behaviour(cands: list[Candidate], broken: dict[str, set[str] | None]) -> set[str]:
    """The tests taken to assert what the issue changes: broken by every candidate (all runs usable), or by at
    least two different candidates carrying together more than half of the submissions (one candidate alone, however
    many systems submitted it, is one patch: its broken test stays a regression) (pure)."""
    sets = [b for b in broken.values() if b is not None]
    common = set.intersection(*sets) if sets and len(sets) == len(cands) else set()
    total = sum(c.count for c in cands)
    by_test: dict[str, list[Candidate]] = {}
    for c in cands:
        for t in broken[c.id] or ():
            by_test.setdefault(t, []).append(c)
    return common | {t for t, cs in by_test.items() if len(cs) >= 2 and 2 * sum(c.count for c in cs) > total}


def file_agreement(cands: list[Candidate]) -> dict[str, float]:
    """Per candidate: the mean, over the files it touches, of the submissions that touch the same file."""
    votes: dict[str, int] = {}
    for c in cands:
        for f in set(c.files):
            votes[f] = votes.get(f, 0) + c.count
    return {c.id: sum(votes[f] for f in set(c.files)) / len(set(c.files)) if c.files else 0.0 for c in cands}


def consensus(cands: list[Candidate], matrix: ExecutionMatrix | None) -> dict[str, float]:
    kept = regression(cands, matrix)
    survivors = [c for c in cands if c.id in kept]
    if not survivors:
        return {}
    agree = file_agreement(cands)
    top = max(agree[c.id] for c in survivors)
    return majority([c for c in survivors if agree[c.id] == top])


def by_submission(cands: list[Candidate]) -> dict[str, float]:
    total = sum(c.count for c in cands)
    return {c.id: c.count / total for c in cands} if total else {}


def recorded(decision: Decision | None) -> dict[str, float]:
    if decision is None or decision.status != "selected" or not decision.candidate:
        return {}
    return {decision.candidate: 1.0}


def ranked_top(decision: Decision | None) -> dict[str, float]:
    """The leaders of the recorded ranking (equal score and agreement stay tied)."""
    if decision is None or not decision.ranking:
        return {}
    first = decision.ranking[0]
    def key(r):   # what the ranking sorts by before its arbitrary last key (the id)
        return (r.unchanged, r.score, r.support if r.support is not None else r.count, r.count)
    tied = [r.candidate for r in decision.ranking if key(r) == key(first)]
    return {c: 1 / len(tied) for c in tied}


def distribution(method: str, cands: list[Candidate], matrix: ExecutionMatrix | None,
                 decision: Decision | None, reranked: Decision | None = None) -> dict[str, float]:
    """`decision` is what stage 6 recorded; `reranked` (pipeline-top) today's ranking of the same evidence."""
    table: dict[str, Callable[[], dict[str, float]]] = {
        "pipeline": lambda: recorded(decision), "pipeline-top": lambda: ranked_top(reranked or decision), "majority": lambda: majority(cands),
        "regression": lambda: regression(cands, matrix), "consensus": lambda: consensus(cands, matrix),
        "random": lambda: by_submission(cands)}
    for step in steps(method):
        dist = table[step[0]]()
        for other in step[1:]:
            dist = tie_break(dist, table[other]()) if dist else dist
        if dist:
            return dist
    return {}


def pick(dist: dict[str, float], seed: int, instance: str) -> str | None:
    """One candidate drawn from the distribution, the same for the same seed and instance; None = abstain."""
    if not dist:
        return None
    ids = sorted(dist)
    return random.Random(f"{seed}:{instance}").choices(ids, weights=[dist[i] for i in ids])[0]


def expected(dist: dict[str, float], labels: dict[str, float]) -> float:
    """P(the chosen candidate resolves); an abstention resolves nothing."""
    return sum(p * labels.get(cid, 0.0) for cid, p in dist.items())
