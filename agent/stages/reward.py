"""Stage 5: a reward model scores each candidate. The default verifier is an LLM judge whose
sampled judgements are averaged; any object with `score()` can replace it, chosen by
`reward.verifier` in the config (a registered name or an import path, agent/registry.py)."""
from __future__ import annotations

from typing import Protocol

from agent.loop import StageSpec, run_trajectory, sampling_params
from agent.parsing import parse_score
from agent.registry import VERIFIERS
from agent.runfolder import STAGE_DIRS
from agent.schema import Candidate, ExecutionMatrix, RewardScore, Trajectory
from agent.stages.context import StageContext

STAGE_DIR = STAGE_DIRS["reward"]


class Verifier(Protocol):
    def score(self, ctx: StageContext, candidate: Candidate, evidence: str) -> tuple[RewardScore, list[Trajectory]]: ...


def evidence_line(matrix: ExecutionMatrix, cand: str) -> str:
    parts = []
    for t in matrix.tests:
        cell = matrix.get(cand, t)
        parts.append(f"{t}: {cell.outcome if cell else 'not run'}")
    reg = matrix.get(cand, "regression")
    if reg:
        parts.append(f"repository tests: {reg.outcome}")
    return ", ".join(parts)


class LLMJudge:
    def __init__(self, samples: int):
        self.samples = samples

    def score(self, ctx: StageContext, candidate: Candidate, evidence: str) -> tuple[RewardScore, list[Trajectory]]:
        cfg = ctx.config.reward
        model = ctx.make_model("reward", cfg)
        spec = StageSpec.from_config("reward", cfg, commands=False, parse=parse_score, max_turns=2,
                         variables={"issue": ctx.issue_text, "diff": candidate.diff[:6000], "evidence": evidence})
        trajs, scores, why = [], [], []
        for i in range(self.samples):
            traj, value = run_trajectory(model, spec, sample=i,
                                         **sampling_params(i, cfg.temperature, ctx.config.seed, f"reward:{candidate.id}"))
            traj.verdict = {"candidate": candidate.id, "score": value}
            trajs.append(traj)
            if value is not None:
                scores.append(float(value))
                why.append(traj.steps[-1].reply[-400:] if traj.steps else "")
            if traj.status == "budget":
                break
        mean = sum(scores) / len(scores) if scores else 0.0
        return RewardScore(candidate=candidate.id, scores=scores, mean=round(mean, 4), rationales=why), trajs


def llm_judge(config) -> LLMJudge:
    """The `llm_judge` verifier (the default): a verifier factory takes the run's SolveConfig."""
    return LLMJudge(config.reward.samples)


def make_verifier(config) -> Verifier:
    return VERIFIERS.resolve(config.reward.verifier)(config)


def score_candidates(ctx: StageContext, candidates: list[Candidate], matrix: ExecutionMatrix,
                     verifier: Verifier | None = None) -> dict[str, RewardScore]:
    if not ctx.config.use_reward or ctx.config.reward.samples <= 0:
        return {}
    verifier = verifier or make_verifier(ctx.config)
    out: dict[str, RewardScore] = {}
    bar = ctx.progress.stage("reward", len(candidates))
    for cand in candidates:
        rel = f"{STAGE_DIR}/{cand.id}.json"
        score = ctx.run.read_model_or_none(rel, RewardScore)
        if score is None:
            if ctx.ledger.exhausted_reason():
                break
            score, trajs = verifier.score(ctx, cand, evidence_line(matrix, cand.id))
            for t in trajs:
                ctx.run.write_json(f"{STAGE_DIR}/{cand.id}_sample_{t.sample:03d}.json", t)
            if any(t.status == "budget" for t in trajs):
                break
            ctx.run.write_json(rel, score)
            ctx.run.write_json("ledger.json", ctx.ledger.snapshot())
        out[cand.id] = score
        bar.advance()
    bar.close()
    return out
