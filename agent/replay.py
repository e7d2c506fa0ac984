"""Selection replayed offline over saved, labelled candidates: no model calls, no sandboxes.

A ReplayCase is one instance's candidates with their evidence (execution matrix, judge scores) and
each candidate's label (right / wrong by a hidden test). load_bench reads them from
scripts/bench_scaling.py output; another source (SWE-bench prediction files, issue 13) only has
to build ReplayCases, possibly without a matrix or rewards. Variants are pure functions of a case.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agent.calibration import (SIGNALS, Calibration, CandidateRow, calibrated_options, ece, fit_confidence,
                               fit_threshold, fit_weights, signal_auc)
from agent.config import SelectConfig
from agent.examples.scaling import InstanceResult
from agent.runfolder import RunFolder
from agent.schema import Behaviour, Candidate, Decision, ExecutionMatrix, RewardScore
from agent.ranking import Weights, confidence, contenders, decide, rank_candidates, tied_leaders

DEFAULT_ABSTAIN = SelectConfig.model_fields["abstain_below"].default


@dataclass
class ReplayCase:
    name: str
    candidates: list[Candidate]
    matrix: ExecutionMatrix
    rewards: dict[str, RewardScore]
    labels: dict[str, bool]                 # candidate id -> correct
    recorded: Decision | None = None        # what the run itself decided (selection trajectory included)
    behaviour: Behaviour | None = None      # probe clusters, as the run's own decision saw them

    @property
    def covered(self) -> bool:
        return any(self.labels.get(c.id, False) for c in self.candidates)


@dataclass
class Pick:
    candidate: str | None                   # submitted patch; None = abstained
    confidence: float = 0.0
    top: str | None = None                  # what the confidence is about (also when abstaining)


def load_bench(out: Path) -> list[ReplayCase]:
    """Every OUT/instances/<name>.json with its generation run folder OUT/runs/<name>/gen<S>/."""
    cases = []
    for record in sorted((Path(out) / "instances").glob("*.json")):
        res = InstanceResult.model_validate_json(record.read_text(encoding="utf-8"))
        run = RunFolder(Path(out) / "runs" / res.name / f"gen{res.samples}")
        cands = run.candidates()
        matrix = run.matrix() or ExecutionMatrix(candidates=[c.id for c in cands], tests=[], cells=[])
        scores = run.rewards()
        rewards = {c.id: scores[c.id] for c in cands if c.id in scores}
        cases.append(ReplayCase(name=res.name, candidates=cands, matrix=matrix, rewards=rewards,
                                labels={c.id: res.candidates.get(c.id, False) for c in cands},
                                recorded=run.decision(), behaviour=run.behaviour()))
    return cases


def candidate_rows(case: ReplayCase) -> list[CandidateRow]:
    return [CandidateRow(instance=case.name, correct=case.labels.get(r.candidate, False),
                         tests=r.weighted_pass if r.tests_total else None, reward=r.reward, votes=r.share or 0.0)
            for r in rank_candidates(case.candidates, case.matrix, case.rewards, behaviour=case.behaviour)]


def judge_report(cases: list[ReplayCase]) -> dict:
    """AUC of each signal, pooled and within instances, with how many candidates it rests on."""
    rows = [r for c in cases for r in candidate_rows(c)]
    return {"candidates": len(rows), "correct": sum(r.correct for r in rows),
            "auc": {s: signal_auc(rows, s) for s in SIGNALS},
            "auc_within": {s: signal_auc(rows, s, within=True) for s in SIGNALS}}


def _from_decision(d: Decision) -> Pick:
    return Pick(d.candidate if d.status == "selected" else None, d.confidence,
                d.candidate or (d.ranking[0].candidate if d.ranking else None))


def _by(case: ReplayCase, key: Callable[[Candidate], float]) -> Candidate:
    return sorted(case.candidates, key=lambda c: (-key(c), -c.count, c.id))[0]


def fitted_pick(case: ReplayCase, cal: Calibration) -> Pick:
    """The decision of a run whose `select:` section has the default weights and threshold and this calibration."""
    return _from_decision(decide(case.candidates, case.matrix, case.rewards, behaviour=case.behaviour,
                                 **calibrated_options(cal, {}, DEFAULT_ABSTAIN)))


def variants(calibration: Calibration | None = None, seed: int = 0) -> dict[str, Callable[[ReplayCase], Pick]]:
    def with_weights(w: Weights):   # the default decision under other ranking weights
        return lambda c: _from_decision(decide(c.candidates, c.matrix, c.rewards, abstain_below=DEFAULT_ABSTAIN,
                                               w=w, behaviour=c.behaviour))

    def recorded(c):
        return _from_decision(c.recorded) if c.recorded else Pick(None)

    def recorded_guarded(c):   # the run's decision under today's contenders rule (agent/ranking.py)
        d = c.recorded
        if d is not None and d.status == "selected" and d.method == "selection_trajectory" and d.ranking \
                and d.candidate not in contenders(d.ranking, tied_leaders(d.ranking, SelectConfig().top_k), c.matrix):
            return Pick(d.ranking[0].candidate, d.confidence, d.ranking[0].candidate)
        return recorded(c)

    def tests_only(c):   # kept tests, then votes on ties; score 0 (no test passed, or vetoed) = abstain
        top = rank_candidates(c.candidates, c.matrix, c.rewards, Weights(tests=1, reward=0, votes=0, regression=0))[0]
        return Pick(top.candidate if top.score > 0 else None, top.weighted_pass, top.candidate)

    def votes_only(c):   # majority over normalized patches
        top = _by(c, lambda x: x.count)
        return Pick(top.id, top.count / sum(x.count for x in c.candidates), top.id)

    def reward_only(c):
        top = _by(c, lambda x: c.rewards[x.id].mean if x.id in c.rewards else -1.0)
        conf = c.rewards[top.id].mean if top.id in c.rewards else 0.0
        return Pick(top.id, conf, top.id)

    def random_pick(c):  # seeded per instance name: the same pick whatever the order of instances
        top = random.Random(f"{seed}:{c.name}").choice(sorted(x.id for x in c.candidates))
        return Pick(top, 1 / len(c.candidates), top)

    def oracle(c):       # a correct candidate whenever one exists: selected = coverage
        right = [x.id for x in c.candidates if c.labels.get(x.id)]
        return Pick(right[0], 1.0, right[0]) if right else Pick(None, 0.0, c.candidates[0].id)

    # share-over-changed: unchanged samples outside the agreement share's denominator (the default until
    # session 21); contested: the test
    # evidence shared with rival behaviours that pass as much; any-passes: a test passed by any candidate, even one
    # that breaks the repository's tests, makes the tests decide (the default until session 46) (agent/ranking.py Weights).
    out = {"default": with_weights(Weights()), "share-over-changed": with_weights(Weights(share_over_unchanged=False)),
           "contested": with_weights(Weights(contested=True)),
           "any-passes": with_weights(Weights(plausible_passes=False)), "recorded": recorded,
           "recorded-guarded": recorded_guarded, "tests-only": tests_only, "votes-only": votes_only,
           "reward-only": reward_only, f"random(seed={seed})": random_pick, "oracle": oracle}
    if calibration is not None:
        out["fitted"] = lambda c: fitted_pick(c, calibration)
    return out


def evaluate(cases: list[ReplayCase], pick: Callable[[ReplayCase], Pick]) -> dict:
    """selected = share of instances with a correct patch submitted; ECE over the confidence of the
    top candidate, whether submitted or not ("0.8" should mean right 80% of the time)."""
    picks = {c.name: pick(c) if c.candidates else Pick(None) for c in cases}
    n = len(cases) or 1
    right = sum(bool(p.candidate) and c.labels.get(p.candidate, False) for c in cases for p in [picks[c.name]])
    submitted = sum(p.candidate is not None for p in picks.values())
    coverage = sum(c.covered for c in cases) / n
    rated = [(picks[c.name].confidence, c.labels.get(picks[c.name].top, False)) for c in cases if picks[c.name].top]
    return {"instances": len(cases), "selected": right / n, "precision": right / submitted if submitted else None,
            "abstain": 1 - submitted / n, "efficiency": right / n / coverage if coverage else None,
            "ece": ece([x for x, _ in rated], [y for _, y in rated]), "coverage": coverage}


def fit(cases: list[ReplayCase], target_precision: float = 0.9, scope: str = "all") -> Calibration:
    """Weights from the signals' AUCs, a Platt curve over the top candidate's raw confidence, and the
    lowest threshold at which decide's submitted patches reach the target precision, all on `cases`.
    scope "confidence": the default weights and threshold stay, only the curve is fitted."""
    if scope == "confidence":
        cal = Calibration(scope="confidence", platt=fit_confidence(_points(cases, Weights())),
                          abstain_below=DEFAULT_ABSTAIN)
        return cal.model_copy(update={"fit": {"instances": len(cases), "scope": scope,
                                              "train": evaluate(cases, lambda c: fitted_pick(c, cal))}})
    w = fit_weights([r for c in cases for r in candidate_rows(c)])
    weights = {s: getattr(w, s) for s in (*SIGNALS, "regression")}
    platt = fit_confidence(_points(cases, w))
    probe = Calibration(weights=weights, platt=platt, abstain_below=0.0)
    gated = [(p.confidence, c.labels.get(p.candidate, False)) for c in cases if c.candidates
             for p in [fitted_pick(c, probe)] if p.candidate]
    threshold, met = fit_threshold(gated, target_precision) if gated else (1.0, False)
    cal = Calibration(weights=weights, platt=platt, abstain_below=threshold)
    report = judge_report(cases)
    return cal.model_copy(update={"fit": {
        "instances": len(cases), "candidates": report["candidates"], "auc": report["auc"],
        "auc_within": report["auc_within"], "target_precision": target_precision, "target_met": met,
        "train": evaluate(cases, lambda c: fitted_pick(c, cal))}})


def _points(cases: list[ReplayCase], w: Weights) -> list[tuple[float, bool]]:
    """(raw confidence of the top candidate, whether it is right) per case with candidates, under weights w."""
    points = []
    for c in (c for c in cases if c.candidates):
        top = (ranked := rank_candidates(c.candidates, c.matrix, c.rewards, w, c.behaviour))[0]
        points.append((confidence(ranked, w.contested, w.plausible_passes), c.labels.get(top.candidate, False)))
    return points


def held_out_ece(cases: list[ReplayCase], scope: str = "all") -> float | None:
    """ECE of fitted decisions when each case is decided by a fit on all the other cases (leave one out):
    what a fit's confidence is worth on an instance it has not seen, measured on the train split alone."""
    rated = []
    for i, case in enumerate(cases):
        if not case.candidates:
            continue
        pick = fitted_pick(case, fit(cases[:i] + cases[i + 1:], scope=scope))
        if pick.top:
            rated.append((pick.confidence, case.labels.get(pick.top, False)))
    return ece([x for x, _ in rated], [y for _, y in rated])
