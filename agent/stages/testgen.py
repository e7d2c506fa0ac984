"""Stage 3: reproduction tests. A test is kept only if it runs and FAILS on the original code.

First the issue's own checks (agent/issue_checks.py: the values the issue states, no model), then
model-written tests. An issue check is kept only if it fails for the reason the issue states.
"""
from __future__ import annotations

from agent.issue_checks import IssueCheck, check_from_code, checks_needing_call, extract_checks, value_src
from agent.issue_names import with_imports
from agent.stdlib_imports import stdlib_import
from agent.issue_traceback import shown_errors
from agent.issue_render import render_check_test, reproduced_reason
from agent.loop import StageSpec, run_trajectory, sampling_params
from agent.model.base import ModelUnavailable
from agent.cutoff import extract_test
from agent.parsing import FormatError, classify_pytest, extract_python, issue_errors, repro_failure_reason
from agent.prompting import render
from agent.renewable import in_new_sandbox
from agent.patches import is_test_file
from agent.repomap import RepoMap, build_repo_map, code_context
from agent.repro_imports import repair_imports
from agent.runfolder import REPOMAP, STAGE_DIRS, TESTS
from agent.sampling import sample_many
from agent.schema import Location, TestCase, Trajectory
from agent.stages.context import StageContext

STAGE_DIR = STAGE_DIRS["test"]


def repro_test_path(i: int) -> str:
    return f"test_swe_agent_repro_{i:03d}.py"


def repro_command(path: str) -> str:
    # -p no:cacheprovider keeps .pytest_cache out of diffs; -x stops at the first failure.
    return f"python -m pytest -x -q --tb=short -p no:cacheprovider {path}"


def issue_test_path(i: int) -> str:
    return f"test_swe_agent_issue_{i:03d}.py"


def _module_parts(path: str) -> list[str]:
    """`src/pkg/sub/__init__.py` -> ["pkg", "sub"]: the dotted name a file is imported under."""
    return path.removeprefix("src/").removesuffix(".py").removesuffix("/__init__").split("/")


def definitions(repo_map: RepoMap) -> dict[str, list[str]]:
    """Top-level function/class name -> the importable modules defining it (tests excluded)."""
    out: dict[str, list[str]] = {}
    for f in repo_map.files:
        if is_test_file(f.path) or not f.path.endswith(".py"):
            continue
        module = ".".join(_module_parts(f.path))
        for sym in f.symbols:
            if sym.kind in ("function", "class") and "." not in sym.qualname:
                out.setdefault(sym.name, []).append(module)
    return out


def module_names(repo_map: RepoMap) -> frozenset[str]:
    """The repository's importable modules and packages as dotted names, every parent package included (tests excluded)."""
    out = set()
    for f in repo_map.files:
        if is_test_file(f.path) or not f.path.endswith(".py"):
            continue
        parts = _module_parts(f.path)
        out.update(".".join(parts[:k]) for k in range(1, len(parts) + 1))
    return frozenset(p for p in out if p.replace(".", "").replace("_", "a").isalnum())


def _run_issue_check(ctx: StageContext, i: int, check: IssueCheck, path: str = "", id_: str = "",
                     origin: str = "issue") -> TestCase:
    path = path or issue_test_path(i)
    case = TestCase(id=id_ or f"i{i:03d}", sample=i, path=path, content=render_check_test([check]),
                    command=repro_command(path), origin=origin, check_kind=check.kind)
    def run(sb):
        sb.write_file(path, case.content)
        return sb.run(case.command, timeout=ctx.config.exec_timeout_s)

    try:
        res = in_new_sandbox(ctx.new_sandbox, run)     # once more in a new one if the container is lost
    except Exception as err:       # a dead sandbox is not a verdict on the check: redone on resume
        case.reason = f"sandbox failed: {err}"
        return case
    case.original_outcome = classify_pytest(res.exit_code, res.output, res.timed_out)
    case.original_output = res.output[-4000:]
    reason = reproduced_reason(case.original_outcome, res.output)
    case.kept, case.reason = reason is None, reason or "fails on the original code as the issue reports"
    return case


def resolved_issue_checks(ctx: StageContext) -> list[IssueCheck]:
    """The issue's checks with the imports their names need (from the repository map)."""
    checks = extract_checks(f"{ctx.issue.title}\n\n{ctx.issue.body}")
    if not checks:
        return []
    repo_map = ctx.run.read_model_or_none(REPOMAP, RepoMap) or build_repo_map(ctx.repo_path)
    defs, modules = definitions(repo_map), module_names(repo_map)
    return [with_imports(check, defs, modules, stdlib_import) for check in checks]


def issue_tests(ctx: StageContext) -> list[TestCase]:
    """The issue's checks, each validated on the original code; one file per check (resume: reused)."""
    out = []
    for i, check in enumerate(resolved_issue_checks(ctx)):
        rel = f"{STAGE_DIR}/issue_{i:03d}.json"
        case = ctx.run.read_model_or_none(rel, TestCase)
        if case is None:
            case = _run_issue_check(ctx, i, check)
            if case.original_outcome is not None:
                ctx.run.write_json(rel, case)
        out.append(case)
    return out


def value_tests(ctx: StageContext, model, code: str, limit: int = 2) -> list[TestCase]:
    """The values the issue states in prose with no call shown: the model writes only the call, the
    expected value is the issue's own (agent/issue_checks.py checks_needing_call)."""
    def ask(want, value):
        expected = value_src(value)
        prompt = render("test", "value_call", issue=ctx.issue_text, code=code, value=expected, sentence=want.text[:300])
        return prompt, lambda src: check_from_code(src, expected, want.lines)
    wants = [(w, v) for w in checks_needing_call(f"{ctx.issue.title}\n\n{ctx.issue.body}") for v in w.values]
    return _call_tests(ctx, model, [lambda w=w, v=v: ask(w, v) for w, v in wants[:limit]], "value", "v")


def traceback_tests(ctx: StageContext, model, code: str, limit: int = 1) -> list[TestCase]:
    """A traceback the issue shows, with no call that the text gives: the model writes only the call that
    raises it; the check is that the error disappears, and it is kept only if the call raises the shown
    exception in the shown function with a message of the shown shape (agent/issue_traceback.py). A call
    that does not reproduce it is shown what happened and asked once more."""
    def ask(error):
        prompt = render("test", "traceback_call", issue=ctx.issue_text, code=code, error=error.line[:300],
                        frame=error.frame)
        again = lambda reason: render("test", "traceback_again", reason=reason[:400], error=error.line[:300],  # noqa: E731
                                      frame=error.frame)
        return prompt, lambda src: check_from_code(src, None, error=error), again
    errors = shown_errors(f"{ctx.issue.title}\n\n{ctx.issue.body}")
    return _call_tests(ctx, model, [lambda e=e: ask(e) for e in errors[:limit]], "error", "e")


def _call_tests(ctx: StageContext, model, asks, tag: str, prefix: str) -> list[TestCase]:
    """Greedy answers per ask (a function giving the prompt, the check builder for a reply and, if a call
    that does not reproduce the issue gets a second turn, its feedback); kept, like every issue check, only
    if it fails on the original code as the issue says. Saved per ask, so a resume asks nothing again (a
    model or sandbox failure is not saved: retried)."""
    out = []
    for i, ask in enumerate(asks):
        rel, path, id_ = f"{STAGE_DIR}/{tag}_{i:03d}.json", f"test_swe_agent_{tag}_{i:03d}.py", f"{prefix}{i:03d}"
        case = ctx.run.read_model_or_none(rel, TestCase)
        if case is None:
            case = _ask_call(ctx, model, ask, i, path, id_)
            if case.original_outcome is not None or case.reason.startswith("no usable call"):
                ctx.run.write_json(rel, case)
        out.append(case)
    return out


def _ask_call(ctx: StageContext, model, ask, i: int, path: str, id_: str) -> TestCase:
    def unusable(err) -> TestCase:
        return TestCase(id=id_, sample=i, path=path, content="", command="", origin="issue_value",
                        reason=f"no usable call: {err}"[:300])
    try:
        prompt, build, *more = ask()
    except ValueError as err:
        return unusable(err)
    again = more[0] if more else None      # the feedback of a second turn, if the ask has one
    messages = [{"role": "system", "content": render("test", "system")}, {"role": "user", "content": prompt}]
    case = None
    for _ in range(2 if again else 1):
        try:
            reply = model.query(messages, temperature=0.0, seed=ctx.config.seed)
        except ModelUnavailable:     # the run stops (agent/loop.py)
            raise
        except Exception as err:     # the model is down or over budget: said in tests.json, not cached (a resume retries)
            return TestCase(id=id_, sample=i, path=path, content="", command="", origin="issue_value",
                            reason=f"model failed: {type(err).__name__}: {err}"[:300])
        try:
            check = build(extract_python(reply.content))
        except (FormatError, ValueError) as err:
            case, reason = unusable(err), str(err)
        else:
            case = _run_issue_check(ctx, i, check, path=path, id_=id_, origin="issue_value")
            if case.kept or case.original_outcome is None:
                return case
            reason = "it ran without raising any error" if case.original_outcome == "pass" else case.reason
        if again:
            messages += [{"role": "assistant", "content": reply.content}, {"role": "user", "content": again(reason)}]
    return case


def write_tests(ctx: StageContext, locations: list[Location]) -> list[TestCase]:
    from_issue = issue_tests(ctx)
    cfg = ctx.config.test
    model = ctx.make_model("test", cfg)
    code = code_context(ctx.repo_path, locations, max_chars=5000)
    if cfg.value_calls:
        from_issue += value_tests(ctx, model, code, limit=cfg.value_calls)
    if cfg.traceback_calls and not any(t.kept for t in from_issue):
        from_issue += traceback_tests(ctx, model, code, limit=cfg.traceback_calls)

    shown = issue_errors(f"{ctx.issue.title}\n\n{ctx.issue.body}")
    repo_map = ctx.run.read_model_or_none(REPOMAP, RepoMap) or build_repo_map(ctx.repo_path)
    defs, modules = definitions(repo_map), module_names(repo_map)

    def one(i: int) -> Trajectory:
        path, command = repro_test_path(i), repro_command(repro_test_path(i))
        attempts: list[TestCase] = []

        def run(content: str, sandbox):
            sandbox.write_file(path, content)
            res = sandbox.run(command, timeout=ctx.config.exec_timeout_s)
            outcome = classify_pytest(res.exit_code, res.output, res.timed_out)
            return res, outcome, repro_failure_reason(outcome, res.output, path, shown)

        def act(content: str, sandbox) -> TestCase:
            res, outcome, reason = run(content, sandbox)
            repaired = []
            while cfg.repair_imports and reason and len(repaired) < 3:    # a missing or misplaced import: fixed here, run again
                fixed = repair_imports(content, res.output, defs, modules, stdlib_import)
                if fixed is None:
                    break
                content, done = fixed
                repaired.append(done)
                res, outcome, reason = run(content, sandbox)
            case = TestCase(id=f"t{i:03d}", sample=i, path=path, content=content, command=command,
                            original_outcome=outcome, original_output=res.output[-4000:],
                            kept=reason is None, reason=reason or "fails on the original code")
            attempts.append(case)
            if reason:
                raise FormatError(render("test", "rejected", reason=reason, output=res.output[-1500:],
                                         repaired="; ".join(repaired), content=content))
            return case

        spec = StageSpec.from_config("test", cfg, commands=False, parse=extract_test, act=act,
                                     exec_timeout_s=ctx.config.exec_timeout_s,
                                     variables={"issue": ctx.issue_text, "code": code, "test_path": path,
                                                "command": command})
        traj, case = run_trajectory(model, spec, sample=i, new_sandbox=ctx.new_sandbox,
                                    **sampling_params(i, cfg.temperature, ctx.config.seed, "test"))
        traj.output = case or (attempts[-1] if attempts else None)     # a rejected test is shown too
        return traj

    trajs = sample_many(ctx.run, STAGE_DIR, cfg.samples, one, workers=ctx.config.workers,
                        ledger=ctx.ledger, progress=ctx.progress, label="tests")
    tests = from_issue + [case for t in trajs if (case := t.output_as(TestCase)) is not None]
    ctx.run.write_json(TESTS, tests)
    return tests
