"""Stage 2: patch trajectories, each in its own sandbox copy.

Each sample answers in one edit format (chosen per model and file size, or rotated over samples),
its edit lands through the tolerant rules of agent/editing.py, and then the kept reproduction
checks run on it in the same sandbox: while they fail, the failure goes back to the model for a
revision (the same loop, a `Revise` step). Every usable edit — the first and each revision — is a
candidate for the execution matrix.
"""
from __future__ import annotations

import re

from agent.editing import choose_format
from agent.focus import focus_of, focus_targets, helper_files, with_helpers
from agent.issue_render import observed_lines
from agent.loop import Revise, StageSpec, run_trajectory, sampling_params
from agent.parsing import (CutOffError, FormatError, IdenticalError, NoFunctionError, TakenBackError, UnchangedError,
                           classify_pytest)
from agent.search_replace import strip_line_numbers
from agent.patches import dedup_candidates
from agent.pieces import piece_mutants
from agent.prefill import answer_prefix
from agent.prompting import render
from agent.repo_input import tracked_files
from agent.repomap import code_context, read_repo_text
from agent.runfolder import CANDIDATES, STAGE_DIRS
from agent.sampling import sample_many
from agent.schema import Candidate, Location, PatchAttempt, PatchOutput, TestCase, Trajectory
from agent.stages.context import StageContext
from sandbox.base import SandboxLost
from agent.stages.patch_edits import PROMPTS, ask_one_line, copies_example, land_changes, parser_for, repeats_issue
from agent.stages.patch_cloze import cloze_mutants, samples_pass
from agent.stages.patch_mutants import try_mutants

STAGE_DIR = STAGE_DIRS["patch"]


def format_of(configured, sample: int) -> str:
    """A list of formats rotates over samples (sample 0 takes the first)."""
    if isinstance(configured, list):
        return configured[sample % len(configured)] if configured else "auto"
    return configured


def thinks(sample: int, think) -> bool:
    """Whether a sample's prompt asks for the diagnosis sentence (pure): every sample, or the greedy sample 0 only."""
    return think is True or (think == "greedy" and sample == 0)


def feedback_tests(tests: list[TestCase], revise_with: str) -> list[TestCase]:
    """The kept checks that drive revisions (pure): the issue's own expectations when there are any."""
    kept = [t for t in tests if t.kept]
    if revise_with == "none":
        return []
    issue = [t for t in kept if getattr(t, "origin", "model") == "issue"]
    if revise_with == "issue" and issue:
        return issue[:2]
    return kept[:2]


def run_checks(sandbox, tests: list[TestCase], timeout: float) -> tuple[dict[str, str], str]:
    """Run the checks in the sample's sandbox and remove them again (they are not part of the patch)."""
    outcomes, failure = {}, ""
    for t in tests:
        sandbox.write_file(t.path, t.content)
        try:
            res = sandbox.run(t.command, timeout=timeout)
        finally:
            sandbox.run(f"rm -f -- '{t.path}'", timeout=30)
        outcomes[t.id] = classify_pytest(res.exit_code, res.output, res.timed_out)
        if outcomes[t.id] != "pass" and not failure:
            failure = res.output[-1500:]
    return outcomes, failure


def generate_patches(ctx: StageContext, locations: list[Location], tests: list[TestCase] | None = None,
                     stop=None) -> tuple[list[Trajectory], list[Candidate]]:
    cfg = ctx.config.patch
    model = ctx.make_model("patch", cfg)
    model_cfg = cfg.model or ctx.config.model
    known = set(tracked_files(ctx.repo_path, ctx.commit))
    top = locations[0].file if locations else ""
    top_text = _read(ctx, top)
    checks = feedback_tests(tests or [], cfg.revise_with)
    sources = {f: _read(ctx, f) for f in dict.fromkeys(l.file for l in locations)}
    # Helper modules the located functions call are suspects too, and shown beside their callers.
    sources.update({f: _read(ctx, f) for f in helper_files(locations, sources, known)})
    targets = focus_targets(locations, sources)
    shown = with_helpers(locations, targets)
    # Without line numbers: the small default model copies them into SEARCH blocks otherwise.
    excerpt = strip_line_numbers(code_context(ctx.repo_path, shown, max_chars=7000, module_doc=cfg.module_doc))
    fn_excerpt = strip_line_numbers(code_context(ctx.repo_path, shown, max_chars=7000, outline=True,
                                                 module_doc=cfg.module_doc)) if cfg.function_excerpt == "outline" else excerpt
    issue_raw = f"{ctx.issue.title}\n\n{ctx.issue.body}"
    observed = "\n".join(f"- {line}" for line in observed_lines(tests or [])) if cfg.observed else ""
    think_ask = render("common", "patch_think").strip()

    def original(path: str) -> str:     # the base commit's file: a revision that takes its change back is refused
        return _read(ctx, path)

    def one(i: int) -> Trajectory:
        focus = focus_of(i, targets, cfg.focus)
        think = think_ask if thinks(i, cfg.think) else ""
        # The file a sample rewrites is its suspect's (a helper module's too), else the top-ranked one.
        path = focus.path if focus and sources.get(focus.path) else top
        text = sources[path] if path != top else top_text
        fmt = choose_format(getattr(model, "name", model_cfg.name), len(text) if text else 10**6,
                            format_of(cfg.edit_format, i), model_cfg.api_base)
        if fmt == "whole_file" and not text:
            fmt = "search_replace"
        attempts: list[PatchAttempt] = []
        reached: set[str] = set()
        example = render(PROMPTS[fmt], "system", example_path=path or "package/module.py")

        pointers: list[str] = []

        def pointed(err: FormatError) -> FormatError:
            hint, name = pointer(fmt, err, focus, targets, locations, full=cfg.pointer,
                                 one_line_file=path if cfg.unchanged_ask == "one_line" else "")
            if name:
                pointers.append(name)
            return type(err)(f"{err}{hint}")

        def parse(reply: str):
            if copies_example(reply, example):
                raise pointed(NoFunctionError(f"Your answer is the format example, not a fix for this issue. "
                                              f"{render(PROMPTS[fmt], 'revise', example_path=path).strip()}"))
            if repeats_issue(reply, issue_raw):
                raise pointed(NoFunctionError("Your code block repeats the example from the issue: that shows the bug, "
                                              f"it is not a fix. {render(PROMPTS[fmt], 'revise', example_path=path).strip()}"))
            try:
                changes = parser_for(fmt, path, len(text))(reply)
            except FormatError as err:
                raise pointed(err) from None
            reached.add("parsed")
            return changes

        def act(changes, sandbox) -> PatchAttempt:
            try:
                diff, files, rules = land_changes(changes, sandbox, known, reached, sources, original)
            except FormatError as err:
                if not attempts or isinstance(err, TakenBackError):
                    raise pointed(err) from None
                # A revision written against the code first shown (small models often do that):
                # try it on the original files before refusing it.
                try:
                    diff, files, rules = _land_on_original(ctx, changes, sandbox, known, reached, attempts[-1], sources)
                except FormatError as again:
                    raise pointed(again) from None
            if attempts and attempts[-1].diff == diff:
                raise FormatError("Your revision does not change the code you already had. Make a different change.")
            attempt = PatchAttempt(step=len(attempts), diff=diff, files_after=files, rules=rules)
            failure = ""
            try:
                if checks:
                    attempt.checks, failure = run_checks(sandbox, checks, ctx.config.exec_timeout_s)
            except SandboxLost:   # not an attempt yet: the act reruns from its start in a new sandbox
                raise
            except Exception:     # the edit landed, only its checks could not run: it stays a candidate
                attempts.append(attempt)
                raise
            attempts.append(attempt)
            if all(v == "pass" for v in attempt.checks.values()):
                return attempt
            raise Revise(render("common", "patch_revise", output=failure, diff=diff[:2500], expected="")
                         + render(PROMPTS[fmt], "revise", example_path=path), attempt)

        variables = {"issue": ctx.issue_text, "example_path": path or "package/module.py",
                     "code": {"whole_file": text, "function": fn_excerpt}.get(fmt, excerpt),
                     "other_code": _other_code(excerpt, path) if fmt == "whole_file" else "",
                     "observed": observed, "think": think,
                     "focus": focus.qualname if focus else "", "focus_path": focus.path if focus else "",
                     "focus_caller": focus.called_by if focus else ""}
        def restore(sandbox) -> None:   # a new sandbox (the old container was lost) gets the last attempt's files
            for changed, content in (attempts[-1].files_after.items() if attempts else ()):
                sandbox.write_file(changed, content)

        # Single-answer trajectories only: a begun ```python block leaves a multi-step one no room for a command.
        prefix = answer_prefix(cfg.prefill, text, suspects_in(path, focus, targets, locations)) \
            if fmt == "whole_file" and cfg.max_steps <= 1 else ""
        spec = StageSpec.from_config(PROMPTS[fmt], cfg, parse=parse, act=act, restore=restore, prefill=prefix,
                                     max_format_errors=cfg.max_format_errors,
                                     max_revisions=cfg.max_revisions if checks else 0,
                                     exec_timeout_s=ctx.config.exec_timeout_s, variables=variables)
        spec.max_turns = spec.turns()      # every revision and format error gets its turn
        traj, final = run_trajectory(model, spec, sample=i, new_sandbox=ctx.new_sandbox,
                                     **sampling_params(i, cfg.temperature, ctx.config.seed, "patch"))
        traj.variant = {"format": fmt, "reached": sorted(reached), **({"focus": focus.qualname} if focus else {}),
                        **({"pointer": pointers[-1]} if pointers else {}),
                        **({"observed": True} if observed else {}), **({"think": True} if think else {}),
                        **({"prefill": cfg.prefill} if prefix else {})}
        traj.output = PatchOutput(attempts=attempts, **({"diff": final.diff, "files_after": final.files_after}
                                                         if final is not None else {}))
        return traj

    trajs = sample_many(ctx.run, STAGE_DIR, cfg.samples, one, workers=ctx.config.workers,
                        ledger=ctx.ledger, progress=ctx.progress, label="patches",
                        stop=(lambda done: stop(candidates_of(done))) if stop else None)
    # Cloze fills cost model calls: only asked when no sample's edit already passes the issue's checks.
    # Pieces of the samples' edits (agent/pieces.py): no model call, tried before the cloze fills, and also when
    # a sample's edit passes the issue's checks (it may break the project's tests, which its piece does not).
    passed = samples_pass(trajs, [t.id for t in checks])
    edits = [(t.sample, a.files_after) for t in trajs for a in attempts_of(t) if a.files_after]
    split = (lambda: piece_mutants(edits, lambda p: _read(ctx, p), cfg.pieces)) if cfg.pieces else None
    cloze = (lambda reach: cloze_mutants(ctx, model, sources, targets, cfg.cloze, reach)) \
        if (cfg.cloze or cfg.regenerate) and not passed else None
    more = (lambda reach: (split() if split else []) + (cloze(reach) if cloze else [])) if split or cloze else None
    mutated = try_mutants(ctx, sources, targets, tests or [], cfg.mutants, more, cfg.mutants_error_gone) \
        if cfg.mutants or cfg.cloze or cfg.regenerate or cfg.pieces else None
    cands = candidates_of(trajs, mutated.kept if mutated else [])
    ctx.run.write_json(CANDIDATES, cands)
    return trajs, cands


# Replies that hold no usable edit: a small model shown a whole module answers with no function, with
# the module copied unchanged, or with a copy cut off by the token limit. The feedback names a
# function to look at; without one the next turn repeats the same answer.
_POINTED = (NoFunctionError, UnchangedError, CutOffError)


def pointer(fmt: str, err: FormatError, focus, targets, locations: list[Location],
            full: bool = True, one_line_file: str = "") -> tuple[str, str]:
    """(text to add to the feedback, qualname it names): the sample's own suspect, else the first
    suspect of agent/focus.py, else the first located function; nothing for other errors. Pure.
    `full=False` (patch.pointer off): only a function-format reply with no function, suspects unused,
    and a function copied unchanged, which is asked for its one wrong line instead (agent/stages/patch_edits.py);
    with `one_line_file` (patch.unchanged_ask "one_line") a whole file sent back unchanged is asked the same,
    for a suspect of that file."""
    if not full and fmt == "function" and isinstance(err, IdenticalError):
        # A copy sent back unchanged is asked for its one wrong line (the full pointer names a function).
        suspects = [focus.qualname] if focus else [loc.symbol for loc in locations if loc.symbol] + \
            [t.qualname for t in targets]
        return " " + ask_one_line(err, suspects), ""
    if not full and one_line_file and fmt == "whole_file" and isinstance(err, UnchangedError):
        suspects = suspects_in(one_line_file, focus, targets, locations)
        return " " + ask_one_line(err, suspects, one_line_file), ""
    if not full:
        err, targets = (err if isinstance(err, NoFunctionError) else None), []
    if not isinstance(err, _POINTED) or (fmt != "function" and not isinstance(err, UnchangedError)):
        return "", ""
    target = focus or (targets[0] if targets else None)
    if target is not None:
        path, qualname = target.path, target.qualname
    else:
        loc = next((loc for loc in locations if loc.symbol and loc.symbol[:1].islower() or
                    loc.symbol and "." in loc.symbol), None)
        if loc is None:
            return "", ""
        path, qualname = loc.file, loc.symbol
    name = qualname.rsplit(".", 1)[-1]
    if fmt != "function":
        return (f" Look again at `def {name}` in {path}: check it line by line against what the issue expects, "
                "and change what is wrong."), qualname
    if focus is not None:
        return f" Answer with {path} and the whole corrected `def {name}(...)`.", qualname
    return f" For example, answer with {path} and the whole corrected `def {name}(...)`.", qualname


def suspects_in(path: str, focus, targets, locations: list[Location]) -> list[str]:
    """The functions of `path` a sample may have to fix (pure): its own suspect, else every suspect and located
    function of that file."""
    if focus is not None and focus.path == path:
        return [focus.qualname]
    return [loc.symbol for loc in locations if loc.symbol and loc.file == path] + \
        [t.qualname for t in targets if t.path == path]


def candidates_of(trajs: list[Trajectory], mutants=()) -> list[Candidate]:
    """Every usable edit of every sample (revisions included) is a candidate; a sample backs each
    distinct candidate it produced once. Kept mutants (agent/stages/patch_mutants.py) join them."""
    rows = [(t.sample, a.diff, a.files_after) for t in trajs for a in attempts_of(t)]
    return dedup_candidates(rows, [(m.rule, m.diff, m.files_after) for m in mutants])


def attempts_of(t: Trajectory) -> list[PatchAttempt]:
    """A sample's edits, first and revised (a run folder of older code keeps only the last one; none without an edit)."""
    out = t.patch
    return out.attempts or ([PatchAttempt(step=0, diff=out.diff, files_after=out.files_after or {})] if out.diff else [])


def _land_on_original(ctx: StageContext, changes, sandbox, known, reached, last: PatchAttempt, sources):
    for path in last.files_after:
        sandbox.write_file(path, _read(ctx, path))
    try:
        return land_changes(changes, sandbox, known, reached, sources)
    except FormatError:
        for path, text in last.files_after.items():    # leave the sandbox as the last attempt had it
            sandbox.write_file(path, text)
        raise


def _read(ctx: StageContext, path: str) -> str:
    return read_repo_text(ctx.repo_path, path)


def _other_code(excerpt: str, top: str) -> str:
    """The excerpt's sections of files other than the one rewritten whole (sections start `### path`)."""
    parts = [p for p in re.split(r"(?m)^(?=### )", excerpt) if p.strip() and not p.startswith(f"### {top}\n")]
    return "".join(parts)[:2500]
