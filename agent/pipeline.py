"""The pipeline: localize → tests → patches (adaptive) → execution → reward → selection.

Everything lands in the run folder; a rerun on the same folder resumes from what is on disk.
"""
from __future__ import annotations

import time
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path

from agent.budget import Ledger, LedgerState
from agent.config import SolveConfig, StageConfig
from agent.funnel import patch_funnel
from agent.model.client import LiteLLMModel
from agent.model.health import CallHealth
from agent.model.embedded import resolve as resolve_model
from agent.progress import Progress
from agent.runfolder import CONFIG, FINAL_DIFF, ISSUE, LEDGER, META, RESULT, ROUNDS, TRAJECTORY_GLOBS, RunFolder
from agent.sandboxes import sandbox_factory
from agent.schema import Decision, Issue, Result, StageSummary, SpendRecord
from agent.ranking import behaviour_votes, is_decisive
from agent.stages.context import StageContext
from agent.stages.execute import execute, passes_all
from agent.stages.localize import localize
from agent.stages.patch import generate_patches
from agent.stages.probe import observe_behaviour
from agent.stages.reward import Verifier, score_candidates
from agent.stages.select import select
from agent.stages.testgen import write_tests
from agent.timing import StageClock, TimedModel, stage_times, timed_factory, total


class RunMismatch(ValueError):
    """The run folder belongs to another issue or repository commit."""


def public_config(config: SolveConfig) -> dict:
    """The config as stored on disk: scripted answers reduced to a marker (they may hold exceptions)."""
    data = config.model_dump(mode="python")
    for part in [data] + [v for v in data.values() if isinstance(v, dict)]:
        model = part.get("model") if isinstance(part.get("model"), dict) else None
        if model and model.get("mock_response") is not None:
            model["mock_response"] = "<scripted>"
    return data


def model_names(config: dict) -> dict[str, str | None]:
    """Which model answers each stage, as a stored config says (None: the embedded default)."""
    names = {"run": (config.get("model") or {}).get("name")}
    for stage, part in config.items():
        if isinstance(part, dict) and isinstance(part.get("model"), dict):
            names[stage] = part["model"].get("name")
    return names


def _names(names: dict[str, str | None]) -> str:
    return ", ".join(f"{k}: {v or 'the embedded default'}" for k, v in names.items())


def _prepare_folder(run: RunFolder, issue: Issue, commit: str, config: SolveConfig) -> Ledger:
    run.migrate()       # also where no lock is taken (batch jobs, bench sub-runs): an old folder resumes in place
    if run.exists(ISSUE):
        old = run.read_model(ISSUE, Issue)
        meta = run.read_json(META) if run.exists(META) else {}
        if old.id != issue.id or meta.get("commit", commit) != commit:
            raise RunMismatch(f"{run.root} holds a run for {old.id} at {meta.get('commit', '?')[:12]}; "
                              "choose another --output folder")
        before = model_names(run.read_json(CONFIG)) if run.exists(CONFIG) else None
        if before is not None and before != model_names(public_config(config)):
            raise RunMismatch(f"{run.root} was sampled by {_names(before)}, not {_names(model_names(public_config(config)))}: "
                              "its samples would be reused under the new name. Rerun with the same --model to resume "
                              "it, or choose another --output folder for the new model")
    run.write_json(ISSUE, issue)
    run.write_json(META, {"commit": commit})
    run.write_json(CONFIG, public_config(config))
    state = run.read_model_or_none(LEDGER, LedgerState)
    return Ledger(config.budget_usd, config.max_tokens, state=state)


@contextmanager
def stage_context(issue: Issue, repo: Path, run_dir: Path, config: SolveConfig, commit: str | None,
                   progress: Progress | None):
    """The run folder prepared, the model resolved, sandboxes on offer: what every stage needs."""
    import git
    repo = Path(repo).resolve()
    commit = commit or git.Repo(repo).head.commit.hexsha
    run = RunFolder(run_dir)
    ledger = _prepare_folder(run, issue, commit, config)
    with ExitStack() as stack:
        progress = stack.enter_context(progress or Progress())
        base_model = stack.enter_context(resolve_model(config.model))

        clock = StageClock()
        health = CallHealth(base_model.stop_after_failed_calls)   # one outage counter for every stage's calls

        def make_model(stage: str, cfg: StageConfig):
            return TimedModel(LiteLLMModel(cfg.model or base_model, ledger=ledger, stage=stage, health=health),
                              clock, stage)

        with clock.stage("setup"), clock.timed("sandbox"):   # the repository image is built (or found) here
            new_sandbox = sandbox_factory(config, repo, commit, run_id=f"{issue.id}@{commit[:8]}", stack=stack)
        yield StageContext(run=run, config=config, issue=issue, repo_path=repo, commit=commit, ledger=ledger,
                           progress=progress, new_sandbox=timed_factory(new_sandbox, clock), make_model=make_model,
                           clock=clock)


def generate(issue: Issue, repo: Path, run_dir: Path, config: SolveConfig, *, commit: str | None = None,
             progress: Progress | None = None):
    """Candidate generation only (localize, the tests that drive revisions, patch samples): what the
    candidate benchmark measures. Returns (patch trajectories, candidates); resumable like solve."""
    with stage_context(issue, repo, run_dir, config, commit, progress) as ctx:
        locations = localize(ctx)
        tests = write_tests(ctx, locations)
        trajs, candidates = generate_patches(ctx, locations, tests)
        ctx.run.write_json(LEDGER, ctx.ledger.snapshot())
    return trajs, candidates


def solve(issue: Issue, repo: Path, run_dir: Path, config: SolveConfig, *, commit: str | None = None,
          verifier: Verifier | None = None, progress: Progress | None = None) -> Result:
    started = time.monotonic()
    with stage_context(issue, repo, run_dir, config, commit, progress) as ctx:
        run, ledger = ctx.run, ctx.ledger
        with ctx.clock.stage("localize"):
            locations = localize(ctx)
        decision, candidates, patch_trajs, tests, matrix, rounds = _decide_in_rounds(ctx, locations, verifier)
        clock = ctx.clock
    result = _result(run, issue, config, ledger, decision, candidates, patch_trajs, tests, started, len(rounds))
    result.time = total(clock.rows(), (started, started + result.duration_s))
    for name, spent in stage_times(clock.rows()).items():
        result.stages.setdefault(name, StageSummary()).time = spent
    result.funnel = patch_funnel(patch_trajs, candidates, matrix)
    result.rounds = rounds
    run.write_json(LEDGER, ledger.snapshot())
    run.write_text(FINAL_DIFF, result.final_diff)
    run.write_json(RESULT, result)
    return result


def _decide_in_rounds(ctx: StageContext, locations, verifier):
    """Tests, patches, execution, reward, selection; then, while the decision is an abstention and
    the budget allows, more samples (escalation rounds) and decide again. Think longer only where
    the evidence is weak."""
    config, rounds, tests = ctx.config, [], []
    for n in range(config.escalate.rounds + 1):
        if n:
            esc = config.escalate
            more_tests = esc.test_samples if not any(t.kept for t in tests) else 0
            cfg = config.model_copy(update={
                "patch": config.patch.model_copy(update={"samples": config.patch.samples + n * esc.patch_samples}),
                "test": config.test.model_copy(update={"samples": config.test.samples + n * more_tests})})
            ctx = replace(ctx, config=cfg)
        with ctx.clock.stage("test"):
            tests = write_tests(ctx, locations)

        def decisive(cands) -> bool:
            agree = ctx.config.patch.early_stop_agree
            if not ctx.config.patch.early_stop:
                return False
            strong = [c for c in cands if c.count >= agree]
            return is_decisive(strong, {c.id: passes_all(ctx, c, tests) for c in strong}, agree)

        with ctx.clock.stage("patch"):
            patch_trajs, candidates = generate_patches(ctx, locations, tests, stop=decisive)
        with ctx.clock.stage("execute"):
            matrix = execute(ctx, candidates, tests)
        with ctx.clock.stage("probe"):
            behaviour = observe_behaviour(ctx, locations, candidates, matrix)
        # A candidate that behaves like the original code is never selected: no judge calls for it.
        unchanged = behaviour_votes(candidates, behaviour, matrix)[1]
        judged = [c for c in candidates if c.id not in unchanged]
        with ctx.clock.stage("reward"):
            rewards = score_candidates(ctx, judged, matrix, verifier)
        with ctx.clock.stage("select"):
            decision = select(ctx, candidates, matrix, rewards, behaviour)
        rounds.append({"round": n, "patch_samples": len(patch_trajs), "tests_kept": sum(t.kept for t in tests),
                       "candidates": len(candidates), "status": decision.status, "confidence": decision.confidence})
        ctx.run.write_json(ROUNDS, rounds)
        if decision.status == "selected" or ctx.ledger.exhausted_reason():
            break
    return decision, candidates, patch_trajs, tests, matrix, rounds


def _result(run, issue, config, ledger, decision: Decision, candidates, patch_trajs, tests, started,
            n_rounds: int) -> Result:
    chosen = next((c for c in candidates if c.id == decision.candidate), None) if decision.status == "selected" else None
    reason = ledger.exhausted_reason()
    status = decision.status
    if reason and not candidates:
        status = "budget_exhausted"
    stages = {}
    for name, spend in ledger.snapshot().stages.items():
        stages[name] = StageSummary(spend=SpendRecord(**spend.model_dump()))
    for name in TRAJECTORY_GLOBS:         # every sampling stage: samples run, with output, without
        trajs = run.trajectories(name)
        if trajs:
            ok = sum(1 for t in trajs if t.status == "ok")
            summary = stages.setdefault(name, StageSummary())
            summary.samples, summary.finished, summary.failed = len(trajs), ok, len(trajs) - ok
    asked = config.patch.samples + max(n_rounds - 1, 0) * config.escalate.patch_samples
    patch = stages.setdefault("patch", StageSummary())
    patch.samples = max(patch.samples, asked)    # an early stop or the budget ran fewer than were asked for
    return Result(
        issue_id=issue.id, status=status, final_diff=chosen.diff if chosen else "",
        candidate=chosen.id if chosen else None, confidence=decision.confidence,
        diagnosis=decision.diagnosis if not reason else f"{decision.diagnosis} Stopped: {reason}.",
        n_candidates=len(candidates), n_patch_samples=len(patch_trajs),
        n_tests_kept=sum(1 for t in tests if t.kept), n_tests_written=len(tests), stages=stages,
        cost_usd=round(ledger.cost_usd, 6), tokens=ledger.tokens,
        duration_s=round(time.monotonic() - started, 2), stopped_reason=reason,
    )
