"""Fitting selection to a labelled dev set: how much each signal earns, what a confidence means.

A signal's weight comes from how well it separates right from wrong candidates (its AUC): a judge
that separates nothing (AUC 0.5) gets ~0 weight, whatever constant it had before. The confidence is
mapped through a monotone Platt curve so that "confidence 0.8" means right ~80% of the time on the
dev set, and the abstain threshold is the lowest one whose submitted patches were ≥ 90% right.
Pure (stdlib only); scripts/bench_select.py fits, agent/stages/select.py applies.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from agent.ranking import Weights, decide

PRESET = Path(__file__).resolve().parent / "presets" / "calibration.json"
SIGNALS = ("tests", "reward", "votes")
FLOOR = 0.01     # a signal that separates nothing still breaks exact ties, and a weight sum is never 0


def auc(scores: list[float], labels: list[bool]) -> float | None:
    """P(a correct item scores above a wrong one), ties count 1/2; None without both classes."""
    pos = sorted(s for s, y in zip(scores, labels) if y)
    neg = sorted(s for s, y in zip(scores, labels) if not y)
    if not pos or not neg:
        return None
    wins = 0.0
    for p in pos:      # O(n²) is fine: a dev set has hundreds of candidates, not millions
        wins += sum(1.0 if p > n else 0.5 if p == n else 0.0 for n in neg)
    return wins / (len(pos) * len(neg))


def ece(confidences: list[float], correct: list[bool], bins: int = 10) -> float | None:
    """Expected calibration error: |accuracy − mean confidence| per equal-width bin, weighted by size."""
    if not confidences:
        return None
    groups: dict[int, list[tuple[float, bool]]] = {}
    for c, y in zip(confidences, correct):
        groups.setdefault(min(int(c * bins), bins - 1), []).append((c, y))
    total = len(confidences)
    return sum(len(g) / total * abs(sum(y for _, y in g) / len(g) - sum(c for c, _ in g) / len(g))
               for g in groups.values())


@dataclass(frozen=True)
class CandidateRow:
    """One candidate's signals as ranking sees them (None: the signal does not exist for it)."""
    instance: str
    correct: bool
    tests: float | None      # weighted share of kept tests passed (None: no kept test)
    reward: float | None     # the judge's mean score (None: not judged)
    votes: float             # share of the instance's patch samples behind it


def signal_auc(rows: list[CandidateRow], signal: str, within: bool = False) -> float | None:
    """Pooled over all rows, or (within=True) over pairs from the same instance only: ranking
    compares candidates of one instance, confidence compares across instances."""
    have = [r for r in rows if getattr(r, signal) is not None]
    if not within:
        return auc([getattr(r, signal) for r in have], [r.correct for r in have])
    wins = pairs = 0.0
    for name in {r.instance for r in have}:
        group = [r for r in have if r.instance == name]
        a = auc([getattr(r, signal) for r in group], [r.correct for r in group])
        if a is not None:
            n = sum(r.correct for r in group) * sum(not r.correct for r in group)
            wins, pairs = wins + a * n, pairs + n
    return wins / pairs if pairs else None


def fit_weights(rows: list[CandidateRow], base: Weights = Weights()) -> Weights:
    """Tests / reward / votes weights in proportion to 2·AUC − 1 (0 at chance, 1 when perfect),
    rescaled to the defaults' total so the regression weight keeps its share. A signal with no
    labelled contrast (AUC None) keeps its default weight: no evidence either way."""
    edge = {}
    for s in SIGNALS:
        a = signal_auc(rows, s)
        edge[s] = getattr(base, s) if a is None else max(0.0, 2 * a - 1)
    total, budget = sum(edge.values()), sum(getattr(base, s) for s in SIGNALS)
    if total <= 0:
        return replace(base, **{s: FLOOR for s in SIGNALS})
    return replace(base, **{s: round(max(FLOOR, budget * edge[s] / total), 4) for s in SIGNALS})


class Platt(BaseModel):
    """p = sigmoid(a·x + b) with a ≥ 0: monotone, so the ranking of confidences never changes."""
    a: float = 1.0
    b: float = 0.0

    def __call__(self, x: float) -> float:
        z = self.a * x + self.b
        return round(1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z)), 3)


def fit_confidence(points: list[tuple[float, bool]], iters: int = 100) -> Platt:
    """Platt scaling by Newton's method, with Platt's smoothed targets (a separable dev set of 20
    instances must not yield an infinitely steep curve)."""
    n_pos = sum(y for _, y in points)
    n_neg = len(points) - n_pos
    if not points:
        return Platt()
    hi, lo = (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2)
    xs, ts = [x for x, _ in points], [hi if y else lo for _, y in points]
    a, b = 1.0, 0.0
    for _ in range(iters):
        ga = gb = haa = hab = hbb = 0.0
        for x, t in zip(xs, ts):
            p = 1 / (1 + math.exp(-max(-30.0, min(30.0, a * x + b))))
            d, w = p - t, max(p * (1 - p), 1e-9)
            ga, gb = ga + d * x, gb + d
            haa, hab, hbb = haa + w * x * x, hab + w * x, hbb + w
        haa, hbb = haa + 1e-6, hbb + 1e-6          # tiny ridge: all-equal confidences stay solvable
        det = haa * hbb - hab * hab
        da, db = (hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det
        a, b = a - da, b - db
        if abs(da) + abs(db) < 1e-9:
            break
    if a < 0:       # the dev set says confidence runs backwards: trust none of it, use the base rate
        rate = sum(ts) / len(ts)
        a, b = 0.0, math.log(rate / (1 - rate))
    return Platt(a=round(a, 4), b=round(b, 4))


def fit_threshold(points: list[tuple[float, bool]], target: float = 0.9) -> tuple[float, bool]:
    """The lowest threshold whose submitted points (confidence ≥ it) are ≥ target right, and whether
    the target was met; when no threshold meets it, the most precise one (lowest on ties)."""
    best, best_prec = 1.0, -1.0
    for t in sorted({c for c, _ in points}):
        sub = [y for c, y in points if c >= t]
        prec = sum(sub) / len(sub)
        if prec >= target:
            return t, True
        if prec > best_prec:
            best, best_prec = t, prec
    return best, False


class Calibration(BaseModel):
    """What agent/stages/select.py loads (agent/presets/calibration.json, or select.calibration).
    scope "all": the fitted weights, curve and threshold decide. scope "confidence": the run's own weights
    and threshold decide exactly as uncalibrated (the threshold is mapped with the curve, which is monotone);
    only what a confidence means changes: the share of such picks that were right on the dev set."""
    scope: Literal["all", "confidence"] = "all"
    weights: dict[str, float] = Field(default_factory=dict)     # fields of agent.ranking.Weights
    platt: Platt = Field(default_factory=Platt)
    abstain_below: float = Field(0.5, ge=0.0, le=1.0)          # on the calibrated scale (scope "all")
    fit: dict = Field(default_factory=dict)                     # provenance: runs, split, AUCs, train metrics

    def apply(self, raw: float) -> float:
        return self.platt(raw)


def make_weights(*layers: dict[str, float]) -> Weights:
    """Weights() with each layer's fields set in turn (a calibration file, then config overrides)."""
    w = Weights()
    for layer in layers:
        unknown = set(layer) - set(Weights.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown selection weight(s) {sorted(unknown)}; known: {sorted(Weights.__dataclass_fields__)}")
        w = replace(w, **layer)
    return w


def load_calibration(path: str | Path | None) -> Calibration | None:
    """None when none is configured; "preset" is the shipped file. A configured file that is missing
    is an error: silently deciding uncalibrated would make every confidence mean something else."""
    if not path:
        return None
    p = PRESET if str(path) == "preset" else Path(path).expanduser()
    if not p.exists():
        raise FileNotFoundError(f"select.calibration: {p} does not exist (write one with scripts/bench_select.py --fit)")
    return Calibration.model_validate_json(p.read_text(encoding="utf-8"))


def decide_options(weights: dict[str, float], calibration: str | Path | None, abstain_below: float) -> dict:
    """Keyword arguments of agent.ranking.decide for a run's `select:` config section."""
    return calibrated_options(load_calibration(calibration), weights, abstain_below)


def calibrated_options(cal: Calibration | None, weights: dict[str, float], abstain_below: float) -> dict:
    """decide's keyword arguments under a calibration (None: none), the config's weights and raw threshold."""
    if cal is None:
        return {"w": make_weights(weights), "abstain_below": abstain_below}
    if cal.scope == "confidence":
        return {"w": make_weights(weights), "abstain_below": cal.apply(abstain_below), "calibrate": cal.apply}
    return {"w": make_weights(cal.weights, weights), "abstain_below": cal.abstain_below, "calibrate": cal.apply}


def decide_as_configured(cfg, candidates, matrix, rewards, behaviour=None):
    """agent.ranking.decide under a run's `select:` section (SelectConfig): its weights, calibration and threshold.
    Stage 6 and the offline replay of `swe-agent select` folders decide through this one call."""
    return decide(candidates, matrix, rewards, behaviour=behaviour,
                  **decide_options(cfg.weights, cfg.calibration, cfg.abstain_below))
