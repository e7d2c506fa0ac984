"""Mutation candidates: try the one-token repairs of agent/mutate.py on the suspect functions, in one
sandbox, and keep those that make every issue check pass without breaking the repository's tests
that pass on the original code. No model call: a mutant costs a test run (about a second). The
model's cloze fills (agent/stages/patch_cloze.py, asked and saved there) are tried the same way, after them.

Only checks built from the issue's own stated values drive it (a model-written test can assert an
invented value, and a mutant tuned to it would be wrong). A kept mutant is a candidate with no
samples behind it: it adds no votes, only a hypothesis the execution matrix and selection weigh.
"""
from __future__ import annotations

import re
import shlex
import time
from collections import Counter
from typing import Callable

from pydantic import BaseModel, Field

from agent.focus import Target
from agent.issue_render import OBSERVED
from agent.mutate import Mutant, function_span, mutants
from agent.parsing import classify_pytest, pytest_failures
from agent.patches import is_test_file, strip_diff_noise
from agent.reach import parse_trace, reached_lines, trace_command
from agent.renewable import in_new_sandbox
from agent.runfolder import MUTANTS
from agent.schema import TestCase
from agent.stages.context import StageContext
from agent.stages.execute import regression_command

CHECK_TIMEOUT_S = 20.0      # a mutant that loops forever must not hold the stage


class MutantTry(BaseModel):
    rule: str
    path: str
    outcome: str                     # "fails_check", "breaks_tests", "kept", "timeout", "ambiguous"
    diff: str = ""
    observed: str = ""               # error-gone checks only: what the issue's calls returned with it
    files_after: dict[str, str] = Field(default_factory=dict)


class MutationRecord(BaseModel):
    checks: list[str] = Field(default_factory=list)
    targets: list[str] = Field(default_factory=list)
    regression_command: str | None = None
    tried: list[MutantTry] = Field(default_factory=list)
    reach: dict[str, list[int]] | None = None   # lines every check executes on the original (agent/reach.py)
    duration_s: float = 0.0
    error: str = ""                  # why the search could not run (then nothing is kept and nothing saved)

    @property
    def kept(self) -> list[MutantTry]:
        return [t for t in self.tried if t.outcome == "kept"]


def mutation_checks(tests: list[TestCase], error_gone: bool = False) -> list[TestCase]:
    """The kept checks built from the issue's own values (pure). At least one of them must state a
    value: "the error must disappear" alone is met by any mutant that takes another path, right or
    wrong (it still has to pass alongside), unless `error_gone` (`patch.mutants_error_gone` is not "off"): then
    `agreeing` decides which passing tries stay. Checks of older run folders have no kind: taken as stating one."""
    checks = [t for t in tests if t.kept and t.origin in ("issue", "issue_value")]
    return checks if error_gone or any(t.check_kind != "not_raises" for t in checks) else []


def error_gone_only(checks: list[TestCase]) -> bool:
    return bool(checks) and all(t.check_kind == "not_raises" for t in checks)


def agreeing(observed: list[str]) -> list[bool]:
    """Which passing tries stay kept when the checks only say that an error must disappear (pure), given
    what the issue's calls returned with each (tries are distinct code). Any try that takes another path
    passes such checks, so agreement stands in for the missing expected value: when all agree they stay;
    otherwise only a strictly largest group of at least two does; a try with nothing observed never does."""
    groups = Counter(o for o in observed if o)
    if not groups:
        return [False] * len(observed)
    (top, n), *rest = groups.most_common()
    if rest and (n < 2 or n == rest[0][1]):
        return [False] * len(observed)
    return [o == top for o in observed]


def observed_returns(output: str) -> str:
    """The OBSERVED lines a passing error-gone check printed, joined, object addresses removed (pure)."""
    found = [ln.split(OBSERVED, 1)[1].strip() for ln in (output or "").splitlines() if OBSERVED in ln]
    return re.sub(r" at 0x[0-9a-fA-F]+", "", " | ".join(found))


def suspect_spans(sources: dict[str, str], targets: list[Target]) -> list[tuple[str, tuple[int, int]]]:
    """(path, line span) of each suspect function once, the located functions before their callees, test
    files left out: a test is what the fix must satisfy, never what it edits (pure). Shared by the
    one-token mutants and the cloze fills (agent/stages/patch_cloze.py)."""
    out: list[tuple[str, tuple[int, int]]] = []
    for t in sorted(targets, key=lambda t: bool(t.called_by)):
        if is_test_file(t.path):
            continue
        span = function_span(sources.get(t.path, ""), t.qualname)
        if span and (t.path, span) not in out:
            out.append((t.path, span))
    return out


def candidate_mutants(sources: dict[str, str], targets: list[Target], limit: int) -> list[Mutant]:
    """Mutants of the suspect functions, at most `limit` in all (pure). The located functions come
    before their callees, and the functions take turns so that a large one cannot use up the limit."""
    groups = [mutants(path, sources[path], [span], limit=limit) for path, span in suspect_spans(sources, targets)]
    width = max((len(g) for g in groups), default=0)
    return [g[i] for i in range(width) for g in groups if i < len(g)][:limit]


def try_mutants(ctx: StageContext, sources: dict[str, str], targets: list[Target], tests: list[TestCase],
                limit: int, more: Callable[[dict[str, set[int]] | None], list[Mutant]] | None = None,
                error_gone: str = "off") -> MutationRecord:
    """Run (or read back) the mutation search of this run folder; see the module docstring. `more`
    gives further hypotheses to try after the one-token mutants (the model's cloze fills,
    agent/stages/patch_cloze.py), told which lines the checks reach; it is only called when there are
    checks to try them against."""
    rel = MUTANTS
    done = ctx.run.read_model_or_none(rel, MutationRecord)
    if done is not None:
        return done
    checks = mutation_checks(tests, error_gone != "off")
    gone = error_gone_only(checks)
    record = MutationRecord(checks=[t.id for t in checks], targets=[f"{t.path}:{t.qualname}" for t in targets])
    todo = candidate_mutants(sources, targets, limit) if checks and limit > 0 else []
    if checks and more is not None and not (gone and error_gone == "one_token"):
        reach = trace_checks(ctx, checks, sources, targets)
        record.reach = {p: sorted(ls) for p, ls in reach.items()} if reach is not None else None
        known = {m.text for m in todo}
        todo += [m for m in more(reach) if m.text not in known]
    if todo:
        started = time.monotonic()
        def search(sb):
            command, baseline = _baseline(sb, sorted({m.path for m in todo}), ctx.config.exec_timeout_s)
            _write(sb, checks)
            tried = []
            for m in todo:
                original = sources[m.path] if m.path in sources else sb.read_file(m.path)   # pieces: any file
                tried.append(_try(sb, m, original, checks, command, baseline,
                                  min(CHECK_TIMEOUT_S, ctx.config.exec_timeout_s), ctx.config.exec_timeout_s, gone))
            return command, tried

        try:   # a container lost under the search: the whole search again in one new sandbox
            record.regression_command, record.tried = in_new_sandbox(ctx.new_sandbox, search)
        except Exception as err:  # a dead engine or sandbox: the samples' candidates still go on
            return MutationRecord(checks=record.checks, targets=record.targets, error=str(err)[:500])  # not saved: a resume retries
        record.duration_s = round(time.monotonic() - started, 2)
        if gone:
            _keep_agreeing(record.kept)
    ctx.run.write_json(rel, record)
    return record


def trace_checks(ctx: StageContext, checks: list[TestCase], sources: dict[str, str],
                 targets: list[Target]) -> dict[str, set[int]] | None:
    """The lines of the suspect functions' files that every check executes on the original code, or None
    (agent/reach.py). One pytest run per check in a fresh sandbox, a few seconds; a failure skips nothing."""
    spans = suspect_spans(sources, targets)
    if not spans:
        return None
    paths = sorted({path for path, _ in spans})
    timeout = min(CHECK_TIMEOUT_S, ctx.config.exec_timeout_s)
    def trace(sb):
        _write(sb, checks)
        return [parse_trace(sb.run(trace_command(paths, t.path), timeout=timeout).output) for t in checks]

    try:
        traces = in_new_sandbox(ctx.new_sandbox, trace)
    except Exception:  # a dead engine: the search tries every line, as before
        return None
    return reached_lines(traces, spans)


def _keep_agreeing(kept: list[MutantTry]) -> None:
    for t, keep in zip(kept, agreeing([t.observed for t in kept])):
        if not keep:
            t.outcome = "ambiguous"


def _baseline(sb, paths: list[str], timeout: float) -> tuple[str | None, set[str]]:
    """The regression command (as the execute stage builds it) and the failures the original code has."""
    command = regression_command(sb, paths)
    if command is None:
        return None, set()
    return command, set(pytest_failures(sb.run(command, timeout=timeout).output))


def _try(sb, m: Mutant, original: str, checks: list[TestCase], reg_cmd: str | None, baseline: set[str],
         check_timeout: float, timeout: float, show: bool = False) -> MutantTry:
    """One mutant: the checks (already written in the sandbox) in one pytest run, then the tests."""
    sb.write_file(m.path, m.text)
    try:
        res = sb.run(_checks_command(checks, show), timeout=check_timeout)
        if res.timed_out:
            return MutantTry(rule=m.rule, path=m.path, outcome="timeout")
        if classify_pytest(res.exit_code, res.output, res.timed_out) != "pass":
            return MutantTry(rule=m.rule, path=m.path, outcome="fails_check")
        observed = res.output
        if reg_cmd:
            # A failure the original code has too does not count; without any, stop at the first (-x).
            res = sb.run(reg_cmd if baseline else reg_cmd.replace(" -q ", " -x -q ", 1), timeout=timeout)
            new = set(pytest_failures(res.output)) - baseline
            if res.timed_out or (res.exit_code != 0 and (new or not pytest_failures(res.output))):
                return MutantTry(rule=m.rule, path=m.path, outcome="breaks_tests")
        _remove(sb, checks)                   # the checks are not part of the patch
        try:
            diff = strip_diff_noise(sb.diff())
        finally:
            _write(sb, checks)
        return MutantTry(rule=m.rule, path=m.path, outcome="kept", diff=diff, files_after={m.path: m.text},
                         observed=observed_returns(observed) if show else "")
    finally:
        sb.write_file(m.path, original)


def _checks_command(checks: list[TestCase], show: bool = False) -> str:
    """`show`: the checks' own prints are kept in the output (-s), where error-gone checks say what the call returned."""
    return ("python -m pytest -x -q --tb=line -p no:cacheprovider " + "-s " * show
            + " ".join(shlex.quote(t.path) for t in checks))


def _write(sb, checks: list[TestCase]) -> None:
    for t in checks:
        sb.write_file(t.path, t.content)


def _remove(sb, checks: list[TestCase]) -> None:
    sb.run("rm -f -- " + " ".join(shlex.quote(t.path) for t in checks), timeout=30)
