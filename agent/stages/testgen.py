"""Stage 3: reproduction tests. A test is kept only if it runs and FAILS on the original code."""
from __future__ import annotations

from agent.loop import StageSpec, run_trajectory
from agent.parsing import FormatError, classify_pytest, extract_python, repro_failure_reason
from agent.prompting import render
from agent.repomap import code_context
from agent.sampling import sample_many
from agent.schema import Location, TestCase, Trajectory
from agent.stages.context import StageContext

STAGE_DIR = "03_tests"


def repro_test_path(i: int) -> str:
    return f"test_swe_agent_repro_{i:03d}.py"


def repro_command(path: str) -> str:
    # -p no:cacheprovider keeps .pytest_cache out of diffs; -x stops at the first failure.
    return f"python -m pytest -x -q --tb=short -p no:cacheprovider {path}"


def write_tests(ctx: StageContext, locations: list[Location]) -> list[TestCase]:
    cfg = ctx.config.test
    model = ctx.make_model("test", cfg)
    code = code_context(ctx.repo_path, locations, max_chars=5000)

    def one(i: int) -> Trajectory:
        path, command = repro_test_path(i), repro_command(repro_test_path(i))
        attempts: list[TestCase] = []

        def act(content: str, sandbox) -> TestCase:
            sandbox.write_file(path, content)
            res = sandbox.run(command, timeout=ctx.config.exec_timeout_s)
            outcome = classify_pytest(res.exit_code, res.output, res.timed_out)
            reason = repro_failure_reason(outcome, res.output, path)
            case = TestCase(id=f"t{i:03d}", sample=i, path=path, content=content, command=command,
                            original_outcome=outcome, original_output=res.output[-4000:],
                            kept=reason is None, reason=reason or "fails on the original code")
            attempts.append(case)
            if reason:
                raise FormatError(render("test", "rejected", reason=reason, output=res.output[-1500:]))
            return case

        spec = StageSpec(name="test", parse=extract_python, act=act, max_turns=cfg.max_steps + 1,
                         exec_timeout_s=ctx.config.exec_timeout_s,
                         variables={"issue": ctx.issue_text, "code": code, "test_path": path, "command": command})
        try:
            sandbox = ctx.new_sandbox()
        except Exception as err:
            return Trajectory(stage="test", sample=i, status="error", error=f"sandbox failed: {err}")
        with sandbox:
            traj, case = run_trajectory(model, spec, sample=i, temperature=cfg.temperature, sandbox=sandbox)
        traj.test = case or (attempts[-1] if attempts else None)
        return traj

    trajs = sample_many(ctx.run, STAGE_DIR, cfg.samples, one, workers=ctx.config.workers,
                        ledger=ctx.ledger, progress=ctx.progress, label="tests")
    tests = [t.test for t in trajs if t.test is not None]
    ctx.run.write_json(f"{STAGE_DIR}/tests.json", tests)
    return tests
