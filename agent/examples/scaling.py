"""Bookkeeping for the scaling benchmark (scripts/bench_scaling.py): estimators, sub-run folders,
spend accounting, tables. Everything here is pure or touches only run-folder files.

One generation run per instance samples S patches; for each budget N a sub-run folder gets the
generation run's issue, localization, tests and its first N patch samples (plus the per-candidate
evidence files: cells, probe runs, judge scores), so solve() resumes them and only the matrix,
behaviour clusters and selection are recomputed: selected@N sees exactly what a run with N samples
would have seen, without paying for generation or judging again.
"""
from __future__ import annotations

import shutil
from math import comb
from pathlib import Path

from pydantic import BaseModel, Field

from agent.runfolder import CELLS, MUTANTS, PROBE_RUNS, PROBES_DIR, REWARDS, STAGE_DIRS, RunFolder
from agent.sampling import sample_file
from agent.schema import Trajectory

UPSTREAM = ("localize", "test")   # stages whose output every sub-run shares


def pass_at_k(n: int, c: int, k: int) -> float:
    """P[at least one of k samples is correct] from n samples of which c are (Chen et al. 2021, unbiased)."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n} c={c} k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def budgets(samples: int) -> list[int]:
    """1, 2, 4, … up to samples, and samples itself."""
    ns, n = [], 1
    while n < samples:
        ns.append(n)
        n *= 2
    return ns + [samples]


def prepare_subrun(gen: Path, dst: Path, n: int) -> None:
    """Seed dst with the generation run's shared inputs and first n patch samples (idempotent)."""
    # The generation run is read where it is (an old run folder keeps its old names); the sub-run,
    # opened for writing, is moved to the new layout first so a resumed one continues in place.
    src, dst = RunFolder(gen), Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    RunFolder(dst).migrate()
    for f in ("issue.json", "meta.json"):
        shutil.copyfile(src.path(f), dst / f)
    for stage in UPSTREAM:
        shutil.copytree(src.stage_dir(stage), dst / STAGE_DIRS[stage], dirs_exist_ok=True)
    if src.path(PROBES_DIR).is_dir():
        shutil.copytree(src.path(PROBES_DIR), dst / PROBES_DIR, dirs_exist_ok=True)
    # The one-token repair search does not depend on the samples either: it is read back, not rerun.
    # A missing patch sample (cut by a budget) is sampled afresh by the sub-run.
    for rel in [MUTANTS] + [sample_file(STAGE_DIRS["patch"], i) for i in range(n)]:
        if src.path(rel).is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src.path(rel), dst / rel)
    # A candidate's evidence does not depend on how many samples were drawn: its execution cells,
    # probe runs and judge scores (files keyed by candidate id) are reused; the matrix, behaviour
    # clusters and the decision are recomputed from the candidates the first n samples produced.
    for sub in (CELLS, PROBE_RUNS, REWARDS):
        if src.path(sub).is_dir():
            shutil.copytree(src.path(sub), dst / sub, dirs_exist_ok=True)


def trajectories(run: Path, stage: str, n: int | None = None) -> list[Trajectory]:
    folder = RunFolder(run)
    out = []
    for p in sorted(folder.stage_dir(stage).glob("sample_*.json")):
        t = folder.read_model_or_none(str(p.relative_to(folder.root)), Trajectory)
        if t is not None:
            out.append(t)
    return out if n is None else [t for t in out if t.sample < n]


def edits_of(traj: Trajectory) -> list[str]:
    """Every diff a patch sample produced: its attempts (first edit and revisions), else its final diff."""
    out = traj.patch
    return [a.diff for a in out.attempts] or ([out.diff] if out.diff else [])


def upstream_spend(gen: Path, n: int) -> tuple[int, float]:
    """(tokens, seconds) that localization, tests and the first n patch samples cost.

    Seconds are summed trajectory durations: the wall time of a run with one worker (the default
    here, and all a single local model server gives anyway); with more workers an upper bound.
    """
    trajs = [t for s in UPSTREAM for t in trajectories(gen, s)] + trajectories(gen, "patch", n)
    tokens = sum(t.spend.prompt_tokens + t.spend.completion_tokens for t in trajs)
    return tokens, sum(t.duration_s for t in trajs)


class AtBudget(BaseModel):
    n: int
    status: str                      # the sub-run's Result.status; only "selected" can be correct
    correct: bool                    # final.diff passes the hidden test and the repository's tests
    candidate: str | None = None
    confidence: float = 0.0
    n_candidates: int = 0
    candidates: list[str] | None = None   # the sub-run's candidate ids (None: a record from before they were kept)
    tokens: int = 0                  # upstream (localize + tests + n patches) + this sub-run
    wall_s: float = 0.0


class InstanceResult(BaseModel):
    name: str
    samples: int
    sample_correct: list[bool]       # per patch sample, by the hidden test (no diff = wrong)
    candidates: dict[str, bool] = Field(default_factory=dict)   # unique candidate id -> correct
    generation_status: str = ""      # the generation run's own decision, for reference
    generation_wall_s: float = 0.0   # measured, of the last (possibly resumed) generation call
    at: list[AtBudget]
    funnel: dict = Field(default_factory=dict)       # the generation run's patch funnel
    baseline_correct: bool | None = None             # the one-call baseline on the same instance
    baseline_tokens: int = 0

    def point(self, n: int) -> AtBudget:
        return next(a for a in self.at if a.n == n)


def aggregate(results: list[InstanceResult], ns: list[int]) -> list[dict]:
    rows = []
    for n in ns:
        pts = [r.point(n) for r in results]
        k = len(results) or 1
        rows.append({
            "n": n,
            "pass@1": sum(pass_at_k(r.samples, sum(r.sample_correct), 1) for r in results) / k,
            "coverage": sum(pass_at_k(r.samples, sum(r.sample_correct), n) for r in results) / k,
            # any correct candidate at N (revisions and mutants too); a record without the ids counts
            # every candidate at the largest N only
            "reach": _share([_reaches(r, p, n == max(ns)) for r, p in zip(results, pts)]),
            "selected": sum(p.correct for p in pts) / k,
            "abstain": sum(p.status != "selected" for p in pts) / k,
            # of the patches submitted, how many are right (what a user trusting "selected" gets)
            "precision": (sum(p.correct for p in pts) / n_sel) if (n_sel := sum(p.status == "selected" for p in pts)) else None,
            "tokens": sum(p.tokens for p in pts) / k,
            "wall_s": sum(p.wall_s for p in pts) / k,
        })
    return rows


def _share(flags: list[bool | None]) -> float | None:
    return None if not flags or None in flags else sum(flags) / len(flags)


def _reaches(r: InstanceResult, p: AtBudget, largest: bool) -> bool | None:
    if p.candidates is not None:
        return any(r.candidates.get(c, False) for c in p.candidates)
    return any(r.candidates.values()) if largest else None


def summary(rows: list[dict], results: list[InstanceResult]) -> dict:
    """Headline numbers: selection efficiency at the largest N, applicable share, the baseline, and the default
    escalation replayed (N/2 samples, N where that abstains; None without both budgets)."""
    last = rows[-1] if rows else {}
    ns = [r["n"] for r in rows]
    f = [r.funnel for r in results if r.funnel]
    samples = sum(x.get("samples", 0) for x in f)
    base = [r.baseline_correct for r in results if r.baseline_correct is not None]
    # The ceiling of selection: any correct candidate at the largest N (sample answers, their
    # revisions and kept mutants; coverage@N counts samples only).
    reach = last.get("reach") or 0.0
    return {
        "efficiency": (last["selected"] / reach) if last and reach else None,
        "applicable_share": (sum(x.get("changed", 0) for x in f) / samples) if samples else None,
        "baseline": (sum(base) / len(base)) if base else None,
        "baseline_n": len(base),
        "escalation": escalated(results, ns[-2], ns[-1]) if len(ns) > 1 else None,
    }


def escalated(results: list[InstanceResult], first: int, last: int) -> dict | None:
    """The default pipeline replayed from the records: the decision with `first` samples, and where it abstains,
    the decision with `last` (one escalation round adding last - first patch samples; a real round also adds a
    test sample while no test is kept, which the records do not hold). Tokens and seconds: what the budget that
    decided cost; a run that escalates also pays its first round's own selection calls, not recorded apart."""
    if not results or not all(any(a.n == first for a in r.at) and any(a.n == last for a in r.at) for r in results):
        return None
    picks = [(r.point(first), None) if r.point(first).status == "selected" else (r.point(last), r.point(first))
             for r in results]
    k, chosen = len(results), [p for p, _ in picks]
    n_sel = sum(p.status == "selected" for p in chosen)
    return {"first": first, "last": last, "selected": sum(p.correct for p in chosen) / k,
            "precision": sum(p.correct for p in chosen) / n_sel if n_sel else None,
            "abstain": sum(p.status != "selected" for p in chosen) / k,
            "escalated": sum(e is not None for _, e in picks), "n": k,
            "tokens": sum(p.tokens for p in chosen) / k, "wall_s": sum(p.wall_s for p in chosen) / k}


def markdown(rows: list[dict], results: list[InstanceResult], ns: list[int]) -> str:
    fmt = lambda v: "–" if v is None else f"{v:.2f}"
    out = ["| N | pass@1 | coverage@N | any correct candidate@N | selected@N | precision | abstain | mean tokens | mean wall s |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['n']} | {r['pass@1']:.2f} | {r['coverage']:.2f} | {fmt(r.get('reach'))} | {r['selected']:.2f} | "
                   f"{fmt(r.get('precision'))} | {r['abstain']:.2f} | {r['tokens']:.0f} | {r['wall_s']:.0f} |")
    s = summary(rows, results)
    out += ["", f"selection efficiency selected@{ns[-1]} / any correct candidate@{ns[-1]} (samples, revisions, "
                f"mutants): {fmt(s['efficiency'])}; "
                f"patch samples that became applicable, non-no-op edits: {fmt(s['applicable_share'])}; "
                f"one-call baseline (greedy, whole file, same model): {fmt(s['baseline'])} "
                f"({sum(bool(r.baseline_correct) for r in results)}/{s['baseline_n']})"]
    if len(ns) > 1 and (e := escalated(results, ns[-2], ns[-1])):
        out += ["", f"escalation replayed ({e['first']} samples, {e['last'] - e['first']} more where that abstains: one "
                    f"escalation round): selected {e['selected']:.2f}, precision {fmt(e['precision'])}, "
                    f"abstain {e['abstain']:.2f}, escalated {e['escalated']} of {e['n']}, mean tokens "
                    f"{e['tokens']:.0f}, mean wall s {e['wall_s']:.0f} (plus an escalated run's first selection)"]
    mark = {True: "✓", False: "✗"}
    head = " | ".join(f"sel@{n}" for n in ns)
    out += ["", f"| example | correct samples | correct / candidates | {head} | baseline | tokens@{ns[-1]} | wall s@{ns[-1]} |",
            "|---|---:|---:|" + "---|" * len(ns) + "---|---:|---:|"]
    for res in results:
        cells = " | ".join("–" if res.point(n).status != "selected" else mark[res.point(n).correct] for n in ns)
        last = res.point(ns[-1])
        base = {None: "n/a", True: "✓", False: "✗"}[res.baseline_correct]
        out.append(f"| {res.name} | {sum(res.sample_correct)}/{res.samples} | {sum(res.candidates.values())}/{len(res.candidates)} | {cells} | "
                   f"{base} | {last.tokens} | {last.wall_s:.0f} |")
    out.append("\n✓ correct, ✗ wrong patch selected, – abstained (counts as not correct).")
    return "\n".join(out)
