"""Stage 2: patch trajectories, each in its own sandbox copy, editing with SEARCH/REPLACE blocks."""
from __future__ import annotations

from agent.loop import StageSpec, run_trajectory
from agent.parsing import Edit, FormatError, apply_edit, parse_search_replace, resolve_path, strip_line_numbers
from agent.patches import dedup_candidates, strip_diff_noise
from agent.repo_input import tracked_files
from agent.repomap import code_context
from agent.sampling import sample_many
from agent.schema import Candidate, Location, Trajectory
from agent.stages.context import StageContext

STAGE_DIR = "02_patches"


def apply_edits(edits: list[Edit], sandbox, known: set[str] | None = None) -> tuple[str, dict[str, str | None]]:
    """Apply the model's edits inside the sandbox; return (diff, files after). Raises FormatError."""
    new_contents: dict[str, str] = {}
    known = known or set()
    edits = [Edit(resolve_path(e.path, known), e.search, e.replace) for e in edits]
    for e in edits:
        if e.path.startswith("/") or ".." in e.path.split("/"):
            raise FormatError(f"Edit paths must be relative to the repository root: {e.path!r}.")
        current = new_contents.get(e.path)
        if current is None:
            try:
                current = sandbox.read_file(e.path)
            except Exception:
                if e.search.strip():
                    raise FormatError(f"File {e.path} does not exist. Use a path from the code shown.")
                current = ""
        new_contents[e.path] = apply_edit(current, e)
    for path, text in new_contents.items():
        if path.endswith(".py"):
            try:
                compile(text, path, "exec")
            except SyntaxError as err:
                raise FormatError(f"After your edit {path} has a syntax error at line {err.lineno}: {err.msg}. "
                                  "Send corrected SEARCH/REPLACE blocks for the original code.")
    for path, text in new_contents.items():
        sandbox.write_file(path, text)
    diff = strip_diff_noise(sandbox.diff())
    if not diff.strip():
        raise FormatError("Your edit does not change the code. Make a real change that fixes the issue.")
    return diff, dict(new_contents)


def generate_patches(ctx: StageContext, locations: list[Location],
                     stop=None) -> tuple[list[Trajectory], list[Candidate]]:
    cfg = ctx.config.patch
    model = ctx.make_model("patch", cfg)
    # Without line numbers: the small default model copies them into SEARCH blocks otherwise.
    code = strip_line_numbers(code_context(ctx.repo_path, locations, max_chars=7000))
    known = set(tracked_files(ctx.repo_path, ctx.commit))

    def one(i: int) -> Trajectory:
        spec = StageSpec(
            name="patch", parse=parse_search_replace, act=lambda edits, sb: apply_edits(edits, sb, known),
            allow_commands=cfg.max_steps > 1, max_commands=cfg.max_steps - 1, max_turns=cfg.max_steps + 1,
            exec_timeout_s=ctx.config.exec_timeout_s,
            variables={"issue": ctx.issue_text, "code": code,
                       "example_path": locations[0].file if locations else "package/module.py"},
        )
        try:
            sandbox = ctx.new_sandbox()
        except Exception as err:
            return Trajectory(stage="patch", sample=i, status="error", error=f"sandbox failed: {err}")
        with sandbox:
            traj, out = run_trajectory(model, spec, sample=i, temperature=cfg.temperature, sandbox=sandbox)
        if out is not None:
            traj.diff, traj.files_after = out
        return traj

    trajs = sample_many(ctx.run, STAGE_DIR, cfg.samples, one, workers=ctx.config.workers,
                        ledger=ctx.ledger, progress=ctx.progress, label="patches",
                        stop=(lambda done: stop(candidates_of(done))) if stop else None)
    cands = candidates_of(trajs)
    ctx.run.write_json(f"{STAGE_DIR}/candidates.json", cands)
    return trajs, cands


def candidates_of(trajs: list[Trajectory]) -> list[Candidate]:
    return dedup_candidates([(t.sample, t.diff, t.files_after or {}) for t in trajs if t.diff])
