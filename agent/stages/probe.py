"""Behaviour voting: probe inputs (05_probes/), then the original code and every candidate run them.

Probes come from the issue's own calls (agent/issue_checks.py, no model) and from sampled model
scripts that call the code near the issue's failing example and print the results. Each code
version runs all probes in a fresh sandbox; the original code runs twice, so that output which
changes between two runs of the same code (clocks, randomness) is not taken for behaviour.
Runs are cached per candidate and probe set (04_execution/probes/): resume recomputes nothing.
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from agent.behaviour import (PROBE_FILE, Probe, ProbeRun, check_statements, cluster, has_call,
                             parse_outputs, probes_key, reaches_nothing, render_script, run_command, split_statements)
from agent.loop import StageSpec, run_trajectory, sampling_params
from agent.cutoff import complete_prefix, parsable_statements, unclosed_block
from agent.parsing import FormatError, code_blocks
from agent.prompting import render
from agent.renewable import in_new_sandbox
from agent.repomap import code_context
from agent.runfolder import BEHAVIOUR, PROBE_RUNS, PROBES_DIR
from agent.sampling import sample_many
from agent.schema import Behaviour, Candidate, ExecutionMatrix, Location, Trajectory
from agent.stages.context import StageContext
from agent.stages.testgen import resolved_issue_checks

STAGE_DIR = PROBES_DIR
RUN_DIR = PROBE_RUNS
BEHAVIOUR_FILE = BEHAVIOUR
ORIGINALS = ("original", "original2")


MAX_STATEMENTS = 20     # a looping script repeats itself: more statements add run time, not evidence
# The statement the token cap cut off builds a list of cases or loops (`test_cases = [` …, every case seen so far).
LISTING = re.compile(r"(?:[ \t]*(?:#.*)?\n)*[ \t]*(?:[\w.]+[ \t]*=[ \t]*[\[{(]|for[ \t]|while[ \t]|[\[{(][ \t]*$)", re.M)


def parse_probe(reply: str) -> list[str]:
    """The statements of the reply's Python script (pure), duplicates dropped, at most MAX_STATEMENTS. A
    script cut off by the token cap (its block never closed) keeps its complete leading statements; in a
    script that does not parse, the statements that do are kept (agent/cutoff.py parsable_statements)."""
    blocks = code_blocks(reply, ("python", "py", "python3")) or code_blocks(reply, ("",))
    cut, listing = not blocks and unclosed_block(reply), False
    if cut:
        blocks = [complete_prefix(cut)]
        listing = bool(LISTING.match("\n".join(cut.splitlines()[len(blocks[0].splitlines()):])))
    if not blocks:
        raise FormatError("No ```python code block found. Reply with the whole script in one ```python block.")
    script = max(blocks, key=len)
    try:
        statements = split_statements(script)
    except ValueError as err:       # each statement runs on its own: the lines that parse are still probes
        if not (statements := parsable_statements(script)):
            raise FormatError(f"{err}. Reply with the whole script in one ```python block.") from None
    statements = list(dict.fromkeys(statements))[:MAX_STATEMENTS]
    if not has_call(statements):     # e.g. cut off before its first call, in a list of cases that never ended
        raise FormatError(render("probe", "cut_off", listing=listing) if cut else
                          "The script calls nothing. Call the code the issue is about and print the results.")
    return statements


def issue_probes(ctx: StageContext) -> list[Probe]:
    """The issue's own calls with their setup: the failing example itself, no model needed."""
    return [Probe(id=f"i{i:03d}", origin="issue", statements=check_statements(c.setup, c.call))
            for i, c in enumerate(resolved_issue_checks(ctx))]


def model_probes(ctx: StageContext, locations: list[Location]) -> list[Probe]:
    cfg = ctx.config.probe
    if cfg.samples <= 0:
        return []
    model = ctx.make_model("probe", cfg)
    code = code_context(ctx.repo_path, locations, max_chars=4000)

    def act(statements: list[str], sandbox) -> list[str]:
        # Run on the original code: a script that never reaches the code under test observes nothing.
        probe = Probe(id="m", origin="model", statements=statements)
        sandbox.write_file(PROBE_FILE, render_script([probe]))
        res = sandbox.run(run_command(), timeout=ctx.config.exec_timeout_s)
        outputs = parse_outputs(res.output, res.timed_out)
        if reaches_nothing(statements, outputs, probe.id):
            raise FormatError(render("probe", "rejected", output=res.output[-1500:]))
        return statements

    def one(i: int) -> Trajectory:
        spec = StageSpec.from_config("probe", cfg, commands=False, parse=parse_probe, act=act, max_turns=2,
                                     max_format_errors=1, exec_timeout_s=ctx.config.exec_timeout_s,
                                     variables={"issue": ctx.issue_text, "code": code})
        return run_trajectory(model, spec, sample=i, new_sandbox=ctx.new_sandbox,
                              **sampling_params(i, cfg.temperature, ctx.config.seed, "probe"))[0]

    trajs = sample_many(ctx.run, STAGE_DIR, cfg.samples, one, workers=ctx.config.workers,
                        ledger=ctx.ledger, progress=ctx.progress, label="probes")
    return [Probe(id=f"m{t.sample:03d}", origin="model", statements=statements)
            for t in trajs if (statements := t.output_as(list[str]))]


def write_probes(ctx: StageContext, locations: list[Location]) -> list[Probe]:
    probes = issue_probes(ctx) + model_probes(ctx, locations)
    ctx.run.write_json(f"{STAGE_DIR}/probes.json", probes)
    return probes


def _run(ctx: StageContext, candidate: Candidate | None, label: str, script: str, key: str) -> ProbeRun | None:
    def run(sb) -> ProbeRun:
        if candidate is not None:
            applied = sb.apply_patch(candidate.diff)
            if not applied.ok:
                return ProbeRun(candidate=label, probes=key, status="apply_failed", message=applied.message[-500:])
        sb.write_file(PROBE_FILE, script)
        res = sb.run(run_command(), timeout=ctx.config.exec_timeout_s)
        # A script timing out as a whole is a behaviour too (it is marked in the last statement's output).
        return ProbeRun(candidate=label, probes=key, outputs=parse_outputs(res.output, res.timed_out),
                        duration_s=round(res.duration_s, 3))

    try:    # once more in a new sandbox if the container is lost under it
        return in_new_sandbox(ctx.new_sandbox, run)
    except Exception:       # a dead sandbox observes nothing; not cached, so a resumed run tries again
        return None


def run_probes(ctx: StageContext, candidates: list[Candidate], probes: list[Probe]) -> dict[str, ProbeRun]:
    """Label ("original", "original2", candidate id) -> its run; in parallel, cached per probe set."""
    script = render_script(probes)
    key = probes_key(script)
    jobs = [(None, label) for label in ORIGINALS] + [(c, c.id) for c in candidates]
    bar = ctx.progress.stage("behaviour", len(jobs))

    def one(job) -> ProbeRun | None:
        cand, label = job
        rel = f"{RUN_DIR}/{label}__{key}.json"
        run = ctx.run.read_model_or_none(rel, ProbeRun)
        if run is None:
            run = _run(ctx, cand, label, script, key)
            if run is not None:
                ctx.run.write_json(rel, run)
        bar.advance()
        return run

    with ThreadPoolExecutor(max_workers=max(2, ctx.config.workers * 2)) as pool:
        runs = list(pool.map(one, jobs))
    bar.close()
    return {label: run for (_, label), run in zip(jobs, runs) if run is not None}


def passes_issue_checks(matrix: ExecutionMatrix, candidate: str) -> bool:
    """Every kept check built from the issue's own values passes (True when there is none)."""
    checks = {c.test for c in matrix.cells if c.origin == "issue" and c.test in matrix.tests}
    return len(matrix.passed(candidate, checks)) == len(checks)


def observe_behaviour(ctx: StageContext, locations: list[Location], candidates: list[Candidate],
                      matrix: ExecutionMatrix) -> Behaviour | None:
    """Clusters of candidates by behaviour on the probes (04_execution/behaviour.json); None when
    behaviour voting is off or there is nothing to probe with."""
    if not ctx.config.use_probes or not candidates:
        return None
    probes = write_probes(ctx, locations)
    if not probes:
        return None
    runs = run_probes(ctx, candidates, probes)
    originals = [runs[label] for label in ORIGINALS if label in runs]
    issue_ok = {c.id: passes_issue_checks(matrix, c.id) for c in candidates}
    behaviour = cluster(candidates, {c.id: runs[c.id] for c in candidates if c.id in runs}, originals, issue_ok)
    ctx.run.write_json(BEHAVIOUR_FILE, behaviour)
    return behaviour
