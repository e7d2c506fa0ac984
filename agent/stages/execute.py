"""Stage 4: every unique candidate × every kept test (+ the repository's own tests), each cell in a
fresh copy-on-write sandbox without network. Cells already on disk are not rerun.

A cell passes only when pytest's JUnit XML (written outside the repository) shows tests run and none
failing; a candidate that edits tests, conftest.py, pytest config or CI files never passes a cell."""
from __future__ import annotations

import shlex
import uuid
from functools import partial
from concurrent.futures import ThreadPoolExecutor

from agent.covering_tests import regression_targets
from agent.parsing import classify_pytest, junit_counts, junit_outcome, pytest_failures
from agent.patches import tampered_files
from agent.runfolder import CELLS, MATRIX
from agent.schema import Candidate, Cell, ExecutionMatrix, TestCase
from agent.renewable import in_new_sandbox
from agent.stages.context import StageContext


def with_junit(command: str, path: str) -> str:
    """The pytest command reporting to `path` (outside the repository: the candidate cannot ship one)."""
    return f"{command} --junitxml={shlex.quote(path)}" if "pytest" in command else command


def _read_junit(sb, path: str) -> str | None:
    # `cat`, not read_file: a container's /tmp can be a tmpfs that the archive API does not see.
    res = sb.run(f"cat -- {shlex.quote(path)} && rm -f -- {shlex.quote(path)}", timeout=30)
    return res.output if res.exit_code == 0 else None


def _run_cell(ctx: StageContext, candidate: Candidate | None, test: TestCase | None, command: str,
              test_id: str) -> Cell:
    cand_id = candidate.id if candidate else "original"
    origin = test.origin if test is not None else "model"
    tampered = tampered_files(candidate.diff) if candidate is not None else []
    # A random name: code under test cannot prepare a report for a path it does not know.
    junit = f"/tmp/swe-agent-junit-{uuid.uuid4().hex}.xml"
    cell = partial(Cell, candidate=cand_id, test=test_id, origin=origin, tampered=tampered)

    def run(sb) -> Cell:
        if candidate is not None:
            applied = sb.apply_patch(candidate.diff)
            if not applied.ok:
                return cell(outcome="apply_failed", output_tail=applied.message[-2000:])
        if test is not None:
            sb.write_file(test.path, test.content)
        res = sb.run(with_junit(command, junit), timeout=ctx.config.exec_timeout_s)
        counts = junit_counts(_read_junit(sb, junit) if not res.timed_out else None)
        outcome = junit_outcome(classify_pytest(res.exit_code, res.output, res.timed_out), counts)
        tail = res.output[-3000:]
        if tampered and outcome == "pass":
            outcome = "fail"
            tail = f"not counted: the candidate edits test/config files {tampered}\n" + tail
        return cell(outcome=outcome, duration_s=round(res.duration_s, 3), output_tail=tail, junit=counts,
                    failed_tests=pytest_failures(res.output) if test is None else [])

    try:   # a container lost under the cell (removed, engine restarted) gets one new sandbox
        return in_new_sandbox(ctx.new_sandbox, run)
    except Exception as err:  # a dead sandbox is this cell's error, not the run's
        return cell(outcome="error", output_tail=f"sandbox failure: {err}")


def _cell_file(cand: str, test: str) -> str:
    return f"{CELLS}/{cand}__{test}.json"


def find_regression_command(ctx: StageContext, candidates: list[Candidate]) -> str | None:
    if not ctx.config.execute.regression:
        return None
    touched = sorted({f for c in candidates for f in c.files})
    with ctx.new_sandbox() as sb:
        return regression_command(sb, touched)


def regression_command(sb, touched: list[str]) -> str | None:
    """The pytest command for the repository's tests that cover `touched`, listed in sandbox `sb`."""
    listing = sb.run("git ls-files '*test*.py'", timeout=30).output.split()
    targets = regression_targets(touched, listing)
    if not targets:
        return None
    return "python -m pytest -q -p no:cacheprovider -rfE " + " ".join(shlex.quote(t) for t in targets)


def execute(ctx: StageContext, candidates: list[Candidate], tests: list[TestCase]) -> ExecutionMatrix:
    kept = [t for t in tests if t.kept]
    reg_cmd = find_regression_command(ctx, candidates) if candidates else None
    jobs = [(c, t, t.command, t.id) for c in candidates for t in kept]
    if reg_cmd:
        jobs.append((None, None, reg_cmd, "regression"))
        jobs += [(c, None, reg_cmd, "regression") for c in candidates]
    bar = ctx.progress.stage("execution", len(jobs))

    def one(job) -> Cell:
        cand, test, command, test_id = job
        rel = _cell_file(cand.id if cand else "original", test_id)
        cell = ctx.run.read_model_or_none(rel, Cell)
        if cell is None:
            cell = _run_cell(ctx, cand, test, command, test_id)
            ctx.run.write_json(rel, cell)
        bar.advance()
        return cell

    # Docker exec is I/O-bound: more cells than model workers can run at once.
    with ThreadPoolExecutor(max_workers=max(2, ctx.config.workers * 2)) as pool:
        cells = list(pool.map(one, jobs))
    bar.close()
    baseline = next((c for c in cells if c.candidate == "original"), None)
    matrix = ExecutionMatrix(candidates=[c.id for c in candidates], tests=[t.id for t in kept],
                             cells=[c for c in cells if c.candidate != "original"],
                             regression_command=reg_cmd, baseline_regression=baseline)
    ctx.run.write_json(MATRIX, matrix)
    return matrix


def passes_all(ctx: StageContext, candidate: Candidate, tests: list[TestCase]) -> bool:
    """Used by adaptive compute between patch rounds."""
    kept = [t for t in tests if t.kept]
    for t in kept:
        rel = _cell_file(candidate.id, t.id)
        cell = ctx.run.read_model_or_none(rel, Cell)
        if cell is None:
            cell = _run_cell(ctx, candidate, t, t.command, t.id)
            ctx.run.write_json(rel, cell)
        if cell.outcome != "pass":
            return False
    return bool(kept)
