"""Pure decisions over the evidence: test weights, ranking, confidence, abstention.

A test earns weight by failing on the original code (only kept tests count at all) and by
separating candidates (a test every candidate passes says less about which one is right).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agent.twins import order_twins
from agent.schema import Behaviour, Candidate, Decision, ExecutionMatrix, RankedCandidate, RewardScore


@dataclass(frozen=True)
class Weights:
    tests: float = 0.55
    reward: float = 0.20
    votes: float = 0.15
    regression: float = 0.10
    separation_bonus: float = 1.0     # extra weight for a test passed by half the candidates
    regression_penalty: float = 0.5   # multiplies the score of a candidate that breaks tests
    # A check built from the issue's own values (agent/issue_checks.py) cannot assert an invented value.
    issue_origin: float = 2.0
    # The issue's value with a model-written call: the value cannot be invented, the call can be wrong
    # (so no veto, and less weight than a check built wholly from the issue).
    issue_value_origin: float = 1.5
    # Whether samples whose candidates behave like the original code count in the agreement share's
    # denominator (2 agreeing samples of 8, 6 of them unchanged, are then a share of 2/8, not 2/2). On: on the
    # train split (15 examples) the same decisions and a better calibration (ECE 0.10 against 0.16); on the
    # test split one wrong selection (colors) becomes an abstention (precision 0.75 -> 0.86, ECE 0.23 -> 0.14).
    share_over_unchanged: bool = True
    # Whether the confidence's test evidence is shared with rival behaviours: when candidates that behave
    # differently pass the same kept tests, the tests cannot tell them apart (a replay variant).
    contested: bool = False
    # Whether a kept test passed only by candidates that cannot be the fix (they break repository tests that pass on
    # the original code, are ruled out, or behave like it) counts as passed by none: agreement decides (confidence()).
    plausible_passes: bool = True


def issue_tests(matrix: ExecutionMatrix) -> set[str]:
    """Kept tests built from the issue text (their cells say so)."""
    return {c.test for c in matrix.cells if c.origin == "issue" and c.test in matrix.tests}


def vetoed(matrix: ExecutionMatrix, candidate: str) -> str | None:
    """Why a candidate must never be selected: it fails one of the issue's own checks (a model-written
    test can be wrong; the issue's numbers are not), or it edits tests / test config (no evidence)."""
    cells = [c for c in matrix.cells if c.candidate == candidate]
    tampered = sorted({f for c in cells for f in c.tampered})
    if tampered:
        return f"edits test or config files ({', '.join(tampered)})"
    failed = [t for t in sorted(issue_tests(matrix)) if (cell := matrix.get(candidate, t)) is None or cell.outcome != "pass"]
    return f"fails the issue's own check(s) {', '.join(failed)}" if failed else None


def weight_tests(matrix: ExecutionMatrix, w: Weights = Weights()) -> dict[str, float]:
    out = {}
    n = len(matrix.candidates)
    from_issue = issue_tests(matrix)
    values = {c.test for c in matrix.cells if c.origin == "issue_value"}
    for t in matrix.tests:
        passed = sum(1 for c in matrix.candidates if (cell := matrix.get(c, t)) and cell.outcome == "pass")
        p = passed / n if n else 0.0
        base = w.issue_origin if t in from_issue else w.issue_value_origin if t in values else 1.0
        out[t] = base * (1.0 + w.separation_bonus * 4 * p * (1 - p))
    return out


def regression_ok(matrix: ExecutionMatrix, candidate: str) -> bool | None:
    cell = matrix.get(candidate, "regression")
    if cell is None:
        return None
    if cell.tampered:
        return False
    if cell.outcome in ("pass",):
        return True
    base = matrix.baseline_regression
    if cell.outcome == "timeout" and base is not None and base.outcome == "timeout":
        return None   # the suite does not finish on the original code either (slow, or waits on the network): no evidence
    if cell.outcome in ("timeout", "apply_failed") or (cell.outcome == "error" and not (base and base.outcome == "error")):
        return False
    # Only tests that passed on the original code count as broken.
    already = set(base.failed_tests) if base else set()
    return not (set(cell.failed_tests) - already)


def rank_candidates(candidates: list[Candidate], matrix: ExecutionMatrix,
                    rewards: dict[str, RewardScore], w: Weights = Weights(),
                    behaviour: Behaviour | None = None) -> list[RankedCandidate]:
    """With `behaviour` (agent/behaviour.py): votes are the support of a candidate's behaviour
    cluster among the samples that changed behaviour, and an `unchanged` candidate scores 0."""
    weights = weight_tests(matrix, w)
    total_w = sum(weights.values())
    support, unchanged = behaviour_votes(candidates, behaviour, matrix)
    voters = candidates if w.share_over_unchanged else [c for c in candidates if c.id not in unchanged]
    total_samples = len({s for c in voters for s in c.samples}) or 1
    ranked = []
    for c in candidates:
        passed = matrix.passed(c.id)
        wp = sum(weights[t] for t in passed) / total_w if total_w else 0.0
        reg = regression_ok(matrix, c.id)
        rw = r.mean if (r := rewards.get(c.id)) is not None and r.scores else None   # no judgement: no verdict
        # A no-op's samples attempted no fix: they are outside the vote (and its share is 0).
        share = 0.0 if c.id in unchanged else min(1.0, support.get(c.id, c.count) / total_samples)
        parts = {"votes": (w.votes, share)}
        if total_w:
            parts["tests"] = (w.tests, wp)
        if rw is not None:
            parts["reward"] = (w.reward, rw)
        if reg is not None:
            parts["regression"] = (w.regression, 1.0 if reg else 0.0)
        norm = sum(weight for weight, _ in parts.values())
        score = sum(weight * v for weight, v in parts.values()) / norm if norm else 0.0
        if reg is False:
            score *= w.regression_penalty
        if vetoed(matrix, c.id) or c.id in unchanged:
            score = 0.0
        ranked.append(RankedCandidate(candidate=c.id, score=round(score, 4), tests_passed=len(passed),
                                      tests_total=len(matrix.tests), weighted_pass=round(wp, 4),
                                      regression_ok=reg, reward=rw, count=c.count, support=support.get(c.id),
                                      unchanged=c.id in unchanged, share=round(share, 4),
                                      cluster=behaviour.signatures.get(c.id) if c.id in support else None))
    ranked = order_twins(ranked, candidates, matrix)      # the evidence cannot tell them apart: samples decide
    ranked.sort(key=lambda r: (r.unchanged, -r.score, -_agreement(r), -r.count, r.candidate))
    return ranked


def behaviour_votes(candidates: list[Candidate], behaviour: Behaviour | None,
                    matrix: ExecutionMatrix | None = None) -> tuple[dict[str, int], set[str]]:
    """(candidate -> support of its behaviour cluster, candidates behaving like the original code).
    Probes on which no candidate changed behaviour missed the change: then behaviour says nothing. A candidate
    that passes a kept test (each fails on the original code), or makes a repository test pass that fails on the
    original code (`repairs`), did change behaviour where the probes did not look: it is not unchanged, and its
    votes are its own samples, not those of the no-op cluster its probes fell in."""
    if behaviour is None or not behaviour.informative:
        return {}, set()
    support = {c.id: s for c in candidates if (s := behaviour.support(c.id)) is not None}
    unchanged = set(behaviour.unchanged) & {c.id for c in candidates}
    seen = {c for c in unchanged if matrix is not None and (matrix.passed(c) or repairs(matrix, c))}
    for c in seen:
        support.pop(c, None)
    return support, unchanged - seen


def _agreement(r: RankedCandidate) -> int:
    """Independent samples that agree with a candidate: on behaviour when observed, else on text."""
    return r.support if r.support is not None else r.count


def contested_share(ranked: list[RankedCandidate]) -> float:
    """The top candidate's part of the samples behind the behaviours that pass every kept test it passes:
    1.0 when no rival behaviour does as well, 1/2 for two behaviours backed by one sample each. Pure."""
    top = ranked[0]
    if top.cluster is None or not top.support or not top.tests_passed:
        return 1.0
    rivals = {r.cluster: r.support or 0 for r in ranked[1:] if r.cluster not in (None, top.cluster)
              and not r.unchanged and r.score > 0 and r.weighted_pass >= top.weighted_pass - 1e-9}
    return top.support / (top.support + sum(rivals.values()))


def confidence(ranked: list[RankedCandidate], contested: bool = False, plausible_passes: bool = True) -> float:
    """High when the winner passes the kept tests, agrees with the judge and with the other samples.

    When kept tests exist but no candidate passes any, the tests cannot tell right from wrong (they
    may be wrong themselves): then only agreement between independent samples (at least two) and
    the judge count, and a lone sample backed by the judge alone stays below the usual threshold.
    `contested`: passing tests that candidates of other behaviours pass as well count only in
    proportion to the samples behind the winner's behaviour (contested_share). `plausible_passes`: tests passed
    only by candidates that cannot be the fix count as passed by none (see Weights; test leaderboard, 553cfa4).
    """
    if not ranked:
        return 0.0
    top = ranked[0]
    # Samples whose patch left behaviour unchanged attempted no fix: they are not part of the vote.
    share = top.share if top.share is not None else _agreement(top) / (sum(r.count for r in ranked if not r.unchanged) or 1)
    can_pass = [r for r in ranked if not plausible_passes or (not r.unchanged and r.regression_ok is not False and r.score > 0)]
    if top.tests_total and any(r.tests_passed for r in can_pass):
        evidence = top.weighted_pass * (contested_share(ranked) if contested else 1.0)
    elif top.tests_total and top.support is not None:
        # Dual agreement (CodeT): tests no candidate passes may be wrong; independent samples that
        # agree on behaviour are evidence of their own.
        evidence = share if top.support >= 2 else 0.0
    elif top.tests_total:
        evidence = 0.5 * share if top.count >= 2 else 0.0
    else:
        # No kept test: only agreement between independent samples is evidence. A judge alone (a
        # model's opinion of one sample's patch) must never clear the abstention threshold.
        evidence = 0.5 * share if _agreement(top) >= 2 else 0.0
    judge = top.reward if top.reward is not None else evidence
    value = 0.6 * evidence + 0.25 * judge + 0.15 * share
    if top.regression_ok is False:
        value *= 0.5
    return round(max(0.0, min(1.0, value)), 3)


def tied_leaders(ranked: list[RankedCandidate], k: int, eps: float = 0.05) -> list[str]:
    """Candidates close enough to the leader that a selection trajectory should look at them."""
    if not ranked:
        return []
    # Only near-ties: a selection trajectory must not overturn a lead the evidence already gives.
    return [r.candidate for r in ranked[:k] if ranked[0].score - r.score <= eps + 1e-9 and r.score > 0]


def repo_failures(matrix: ExecutionMatrix, candidate: str) -> set[str] | None:
    """The repository's tests that fail with the candidate; None = not known (not run, error, timeout, tests
    edited, or a failing run that named no test)."""
    cell = matrix.get(candidate, "regression")
    if cell is None or cell.tampered or cell.outcome not in ("pass", "fail"):
        return None
    if cell.outcome == "pass":
        return set()
    return set(cell.failed_tests) or None


def repairs(matrix: ExecutionMatrix, candidate: str) -> bool:
    """The candidate makes some repository test pass that fails on the original code, and fails none that passes
    there (synth bench10, toolz-f9046467c2: four samples wrote the fix, every repository test passed with it, and
    the probes, which did not call the changed code, had put it with the no-ops). Pure."""
    base, fails = matrix.baseline_regression, repo_failures(matrix, candidate)
    if base is None or base.outcome != "fail" or fails is None or not base.failed_tests:
        return False
    return fails < set(base.failed_tests)


def dominates(matrix: ExecutionMatrix, a: str, b: str) -> bool:
    """Execution evidence prefers a to b outright: a passes every kept test b passes, and the repository tests
    failing with a are a strict subset of those failing with b (a repairs some the original code fails, or
    breaks fewer, and fails none that b passes). Pure."""
    fa, fb = repo_failures(matrix, a), repo_failures(matrix, b)
    return (fa is not None and fb is not None and fa < fb
            and set(matrix.passed(a)) >= set(matrix.passed(b)))


def contenders(ranked: list[RankedCandidate], leaders: list[str], matrix: ExecutionMatrix | None = None) -> list[str]:
    """The near-tied leaders a selection trajectory may choose among: the evidence's leader, and those that at
    least as many distinct patch samples wrote as any of the leaders. One model answer must not overturn independent samples'
    agreement: in the dev set's train folders the one trajectory override that changed a verdict (quantiles)
    swapped a fix two samples wrote for a wrong one a single sample wrote, and no override ever turned a wrong
    pick right. Nor may it overturn execution evidence: a leader that the evidence's leader dominates (see
    `dominates`) is no contender (synth bench10, inflection-cb3d2fd94b: the leader, the right fix, made every
    repository test pass; the trajectory picked a sample that stubbed the failing function out, with the same
    kept-test passes and the original's repository failures). Pure."""
    count = {r.candidate: r.count for r in ranked}
    if not leaders:
        return []
    # The bar is the most samples behind any near-tied leader, not the leader's own count: a leader no sample
    # wrote (a one-token mutant, a cloze fill) set none (train orders, 8943466: the trajectory took a 1-sample edit
    # that dropped the `max(net, 0)` clamp over the same fix 3 samples wrote).
    bar = max(count.get(c, 0) for c in leaders)
    return [c for i, c in enumerate(leaders) if (i == 0 or count.get(c, 0) >= bar)
            and not (i > 0 and matrix is not None and dominates(matrix, leaders[0], c))]


def decide(candidates: list[Candidate], matrix: ExecutionMatrix, rewards: dict[str, RewardScore],
           abstain_below: float, reward_floor: float = 0.5, w: Weights = Weights(),
           calibrate: Callable[[float], float] | None = None, behaviour: Behaviour | None = None) -> Decision:
    """`calibrate` maps the raw confidence to a fitted one (agent/calibration.py); `abstain_below`
    is then on that scale. `behaviour`: see rank_candidates; None decides on tests, judge and text votes."""
    if not candidates:
        return Decision(status="abstained", confidence=0.0, method="no_candidates",
                        diagnosis="No patch sample produced an applicable diff.")
    ranked = rank_candidates(candidates, matrix, rewards, w, behaviour)
    top = ranked[0]
    raw = confidence(ranked, w.contested, w.plausible_passes)
    conf = calibrate(raw) if calibrate else raw
    if top.unchanged:    # ranked last: the top one is unchanged only when all are
        return Decision(status="abstained", ranking=ranked, confidence=0.0, method="unchanged",
                        diagnosis="Every candidate behaves like the original code on the probe inputs: "
                                  "none changes what the issue reports.")
    has_tests = bool(matrix.tests)
    reward_low = top.reward is None or top.reward < reward_floor
    agreed = top.support is not None and top.support >= 2     # behaviour agreement: see confidence()
    if has_tests and top.tests_passed == 0 and reward_low and not agreed:
        return Decision(status="abstained", ranking=ranked, confidence=conf, method="no_evidence",
                        diagnosis=f"No candidate passes any of the {len(matrix.tests)} reproduction test(s) "
                                  f"that fail on the original code, and the judge scores are low "
                                  f"(best {top.reward if top.reward is not None else 'n/a'}).")
    if not has_tests and reward_low:
        return Decision(status="abstained", ranking=ranked, confidence=conf, method="no_evidence",
                        diagnosis="No reproduction test could be validated (none failed on the original "
                                  "code) and the judge scores are low: no real evidence for any candidate.")
    veto = vetoed(matrix, top.candidate)
    if veto:     # ranking puts vetoed candidates last: the top one is vetoed only when all are
        return Decision(status="abstained", ranking=ranked, confidence=0.0, method="vetoed",
                        diagnosis=f"No candidate passes without being ruled out: the best, {top.candidate}, {veto}.")
    if conf < abstain_below:
        return Decision(status="abstained", ranking=ranked, confidence=conf, method="low_confidence",
                        diagnosis=f"Best candidate {top.candidate} has confidence {conf} < {abstain_below}.")
    method = "unanimous" if len(candidates) == 1 else "ranking"
    return Decision(status="selected", candidate=top.candidate, ranking=ranked, confidence=conf, method=method,
                    diagnosis=f"{top.candidate}: passes {top.tests_passed}/{top.tests_total} kept tests, "
                              f"{top.count} sample(s), judge {top.reward}"
                              + (f", behaviour shared by {top.support} sample(s)." if top.support is not None else "."))


def is_decisive(candidates: list[Candidate], passes_all: dict[str, bool], agree: int) -> bool:
    """Adaptive compute: stop sampling once `agree` samples back one candidate that passes every kept test."""
    return any(c.count >= agree and passes_all.get(c.id, False) for c in candidates)
