"""Stage 6: rank from the evidence (pure), then let a selection trajectory break close calls.
Abstains, with the diagnosis, when no candidate has real evidence."""
from __future__ import annotations

from functools import partial

from agent.loop import StageSpec, run_trajectory, sampling_params
from agent.calibration import decide_as_configured
from agent.parsing import parse_choice
from agent.runfolder import DECISION, SELECTION_TRAJECTORY
from agent.schema import Behaviour, Candidate, Decision, ExecutionMatrix, RewardScore
from agent.ranking import contenders, repo_failures, tied_leaders
from agent.stages.context import StageContext


def _repo_tests(r, matrix: ExecutionMatrix | None) -> str:
    """What the repository's tests say, in words that stay true when some fail on the original code too."""
    if r.regression_ok is not True or matrix is None:
        return {True: "repo tests ok", False: "BREAKS repo tests", None: "repo tests not run"}[r.regression_ok]
    fails = repo_failures(matrix, r.candidate)
    base = set(matrix.baseline_regression.failed_tests) if matrix.baseline_regression else set()
    if not fails:
        return "repo tests all pass" + (f" ({len(base)} fail on the original code)" if base else "")
    return f"repo tests: no new failure ({len(fails)} fail, as on the original code)"


def _summary(r, matrix: ExecutionMatrix | None = None) -> str:
    reg = _repo_tests(r, matrix)
    judge = f"judge {r.reward:.2f}" if r.reward is not None else "no judge score"
    same = "" if r.support is None else f", behaves like {r.support} sample(s) on the probe inputs"
    return f"passes {r.tests_passed}/{r.tests_total} reproduction tests, {reg}, {judge}, {r.count} sample(s){same}"


def select(ctx: StageContext, candidates: list[Candidate], matrix: ExecutionMatrix,
           rewards: dict[str, RewardScore], behaviour: Behaviour | None = None) -> Decision:
    cached = ctx.run.read_model_or_none(DECISION, Decision)
    # Reuse a decision only for the same candidates: a run resumed with more samples decides anew.
    if (cached is not None and {r.candidate for r in cached.ranking} == {c.id for c in candidates}
            and cached.tests == matrix.tests):
        return cached
    cfg = ctx.config.select
    decision = decide_as_configured(cfg, candidates, matrix, rewards, behaviour)
    decision.tests = list(matrix.tests)
    leaders = contenders(decision.ranking, tied_leaders(decision.ranking, cfg.top_k), matrix)
    if (decision.status == "selected" and len(leaders) > 1 and ctx.config.use_selection_trajectory
            and cfg.samples > 0 and not ctx.ledger.exhausted_reason()):
        by_id = {c.id: c for c in candidates}
        ranked = {r.candidate: r for r in decision.ranking}
        shown = [{"id": cid, "diff": by_id[cid].diff[:3000], "summary": _summary(ranked[cid], matrix)} for cid in leaders]
        spec = StageSpec.from_config("select", cfg, parse=partial(parse_choice, ids=leaders),
                                     exec_timeout_s=ctx.config.exec_timeout_s,
                                     variables={"issue": ctx.issue_text, "candidates": shown, "ids": ", ".join(leaders)})
        traj, choice = run_trajectory(ctx.make_model("select", cfg), spec, sample=0, new_sandbox=ctx.new_sandbox,
                                      **sampling_params(0, cfg.temperature, ctx.config.seed, "select"))
        traj.output = {"choice": choice, "among": leaders}
        ctx.run.write_json(SELECTION_TRAJECTORY, traj)
        if choice and choice != decision.candidate:
            decision.diagnosis = (f"selection trajectory preferred {choice} over {decision.candidate} "
                                  f"among close candidates {leaders}. " + decision.diagnosis)
            decision.candidate = choice
            # The evidence ranked them as equals: picking one lowers the confidence a little.
            decision.confidence = round(decision.confidence * 0.9, 3)
        decision.method = "selection_trajectory" if choice else decision.method
        if traj.retry_on_resume:      # the model failed every try: this run decides on the evidence, a resume asks again
            return decision
    ctx.run.write_json(DECISION, decision)
    return decision
