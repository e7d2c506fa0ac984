"""Execution twins: candidates that the execution evidence cannot tell apart (pure).

Two candidates in the same behaviour cluster that pass the same kept tests and leave the repository's tests
in the same state differ only in text: the judge's small difference between them is noise. Found on the
bundled demo with seed 1: the right fix three samples wrote lost to the same fix plus an unexercised wrong
edit one sample wrote, by a judge score of 0.650 against 0.644 (docs/reports/select-trajectory/RULE-s34-twins.md).
Among twins, the one more samples wrote comes first, then the one with fewer changed lines; the group keeps
its scores, handed out in that order, so the ranking stays sorted by score and everything else about each
candidate (its own judge score, counts, cluster) stays as measured.
"""
from __future__ import annotations

from agent.patches import changed_lines
from agent.schema import Candidate, ExecutionMatrix, RankedCandidate


def _evidence(r: RankedCandidate, matrix: ExecutionMatrix) -> tuple:
    reg = matrix.get(r.candidate, "regression")
    failures = tuple(sorted(reg.failed_tests)) if reg is not None else None
    return r.cluster, frozenset(matrix.passed(r.candidate)), r.regression_ok, failures


def order_twins(ranked: list[RankedCandidate], candidates: list[Candidate],
                matrix: ExecutionMatrix) -> list[RankedCandidate]:
    """`ranked` (any order) with the scores inside each twin group reassigned: most samples, fewest changed lines first."""
    diff = {c.id: c.diff for c in candidates}
    groups: dict[tuple, list[RankedCandidate]] = {}
    for r in ranked:
        if r.cluster is not None and not r.unchanged and r.score > 0:
            groups.setdefault(_evidence(r, matrix), []).append(r)
    moved: dict[str, RankedCandidate] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        scores = sorted((m.score for m in members), reverse=True)
        order = sorted(members, key=lambda m: (-m.count, changed_lines(diff.get(m.candidate, "")), -m.score,
                                               m.candidate))
        moved.update({m.candidate: m.model_copy(update={"score": s}) for m, s in zip(order, scores)})
    return [moved.get(r.candidate, r) for r in ranked]
