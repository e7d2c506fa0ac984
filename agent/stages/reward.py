"""Stage 5: a reward model scores each candidate. The default verifier is an LLM judge whose
sampled judgements are averaged; any object with `score()` can replace it, chosen by
`reward.verifier` in the config (a registered name or an import path, agent/registry.py)."""
from __future__ import annotations

from typing import Protocol

from agent.budget import BudgetExceeded
from agent.loop import StageSpec, run_trajectory, sampling_params
from agent.parsing import parse_score
from agent.progress import Progress
from agent.registry import VERIFIERS
from agent.runfolder import STAGE_DIRS
from agent.sampling import sample_file, sample_many
from agent.schema import Candidate, ExecutionMatrix, RewardScore, Trajectory
from agent.stages.context import StageContext
from agent.yes_no import YesNoModel, parse_probability

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


def judge_score(candidate: str, trajs: list[Trajectory]) -> RewardScore:
    """The mean of the samples' scores (pure); a sample without a usable score does not count."""
    verdicts = [(t.output_as(dict) or {}, t) for t in trajs]
    scored = [(float(v["score"]), t.steps[-1].reply[-400:] if t.steps else "")
              for v, t in verdicts if v.get("score") is not None]
    scores = [s for s, _ in scored]
    mean = sum(scores) / len(scores) if scores else 0.0
    return RewardScore(candidate=candidate, scores=scores, mean=round(mean, 4), rationales=[w for _, w in scored])


class LLMJudge:
    """Samples judgements through sample_many: each is a file 06_reward/<cand>_sample_NNN.json, so a
    resumed run redoes only the samples it had not finished. `prompt`, `parse` and `adapt` (a wrapper
    of the stage's model) make the other judges: see yes_no_judge."""

    def __init__(self, samples: int, prompt: str = "reward", parse=parse_score, adapt=None):
        self.samples, self.prompt, self.parse, self.adapt = samples, prompt, parse, adapt

    def score(self, ctx: StageContext, candidate: Candidate, evidence: str) -> tuple[RewardScore, list[Trajectory]]:
        cfg = ctx.config.reward
        model = ctx.make_model("reward", cfg)
        model = self.adapt(model) if self.adapt else model
        spec = StageSpec.from_config("reward", cfg, commands=False, parse=self.parse, max_turns=2, prompt=self.prompt,
                                     variables={"issue": ctx.issue_text, "diff": candidate.diff[:6000], "evidence": evidence})

        def one(i: int) -> Trajectory:
            traj, value = run_trajectory(model, spec, sample=i,
                                         **sampling_params(i, cfg.temperature, ctx.config.seed, f"reward:{candidate.id}"))
            traj.output = {"candidate": candidate.id, "score": value}
            return traj

        # Its own bar would be one per candidate: the stage's bar counts candidates.
        trajs = sample_many(ctx.run, STAGE_DIR, self.samples, one, workers=ctx.config.workers, ledger=ctx.ledger,
                            progress=Progress(False), label="reward", prefix=f"{candidate.id}_")
        if len(trajs) < self.samples:      # cut by the budget (those samples are not on disk): not scored
            raise BudgetExceeded(ctx.ledger.exhausted_reason() or "budget reached")
        return judge_score(candidate.id, trajs), trajs


def llm_judge(config) -> LLMJudge:
    """The `llm_judge` verifier (the default): a verifier factory takes the run's SolveConfig."""
    return LLMJudge(config.reward.samples)


def yes_no_judge(config) -> LLMJudge:
    """The `yes_no` verifier: one generated token, scored by the model's probability of "Yes"
    (agent/yes_no.py). One judgement per candidate: the probability already averages over the answers
    that more samples would draw."""
    return LLMJudge(min(1, config.reward.samples), prompt="reward_yesno", parse=parse_probability, adapt=YesNoModel)


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
            try:
                score, trajs = verifier.score(ctx, cand, evidence_line(matrix, cand.id))
            except BudgetExceeded:       # a resume with more budget scores it
                break
            for t in trajs:              # a third-party verifier's; the judge's own are on disk already
                rel_t = sample_file(STAGE_DIR, t.sample, f"{cand.id}_")
                if not ctx.run.exists(rel_t):
                    ctx.run.write_json(rel_t, t)
            if any(t.status == "budget" for t in trajs):
                break
            if score.scores:             # none: every judgement failed or was unreadable; unsaved, a resume asks again
                ctx.run.write_json(rel, score)
                ctx.run.write_json("ledger.json", ctx.ledger.snapshot())
        if score.scores:                 # no verdict is no evidence, not a "No" (agent/ranking.py reads it so too)
            out[cand.id] = score
        bar.advance()
    bar.close()
    return out
