"""Cloze candidates (agent/cloze.py): hide each line of the suspect functions in turn and ask the model
for it, fill-in-the-middle where the model is a code model served raw, else in a chat. Every fill that
changes the code becomes a hypothesis for the mutation search (agent/stages/patch_mutants.py), which keeps
only those that pass the issue's own checks and the repository's tests; a kept fill adds no votes.

The search asks for at most `patch.cloze` fills, in rounds over every hole that every check reaches on the
original code (agent/reach.py: a line no failing check executes cannot make it pass; the located functions before
their callees; ROUNDS: greedy fill-in-the-middle, greedy chat, the hidden line shown as a suspect, a
sampled chat, then a new statement before each reached statement), until the limit. Before them, at most
`patch.regenerate` regenerated body tails (agent/regenerate.py, BODY_ROUNDS). It runs only when the issue states checkable values and no patch sample's
edit passes them. Calls are sequential, in line order, so a server's prompt cache reuses the file prefix
from one hole to the next. The replies are saved
(`03_patches/cloze.json`), so a resumed run rebuilds the same fills without calling the model again.
"""
from __future__ import annotations

import time

from pydantic import BaseModel, Field

from agent.budget import BudgetExceeded
from agent.cloze import (FIM_FORMATS, Hole, fill_insert, fill_line, filled, fim_format, fim_prompt, holes, insert_points,
                         issue_comment_lines, masked_function)
from agent.loop import sampling_params
from agent.model.base import ModelError, ModelUnavailable
from agent.mutate import Mutant
from agent.prompting import render
from agent.reach import reachable
from agent.regenerate import KINDS as BODY_KINDS, body_holes, body_prompt, chat_body, fill_body, filled_body, \
    function_name, masked_body
from agent.runfolder import STAGE_DIRS
from agent.stages.context import StageContext
from agent.stages.patch_mutants import suspect_spans

CLOZE = f"{STAGE_DIRS['patch']}/cloze.json"
FIM_MAX_TOKENS = 64         # one line
INSERT_MAX_TOKENS = 48      # a statement, or a header and its one-line body
CHAT_MAX_TOKENS = 160       # a chat model may repeat a few lines around it
BODY_MAX_TOKENS = 320       # a regenerated body (agent/regenerate.py): ~25 lines; a chat reply may repeat the def
BODY_ROUND = 100            # body rounds are numbered from here (their seeds and the bench's rows stay apart from the lines')


class ClozeFill(BaseModel):
    path: str
    line: int
    function: tuple[int, int]   # the span of the function whose holes were asked
    sample: int                 # the round (see schedule)
    kind: str = ""              # "fim", "fim_hint", "fim_insert" (a new statement before `line`) or "chat"
    reply: str = ""
    proposed: str | None = None   # the new line, None when the reply proposes nothing usable
    changed: bool = False         # the file parses and differs from the original
    error: str = ""


class ClozeRecord(BaseModel):
    mode: str = ""              # "mixed", "fim" or "chat" (ROUNDS)
    holes: int = 0              # of the suspect functions
    insert_points: int = 0      # of the suspect functions
    asked: list[str] | None = None   # "path:line" of the holes the rounds go over (those the checks reach)
    bodies: int = 0             # the schedule's first fills are this many regenerated bodies (patch.regenerate)
    fills: list[ClozeFill] = Field(default_factory=list)
    duration_s: float = 0.0
    done: bool = True           # False while asking: a killed run resumes after the fills already saved


def suspect_holes(sources: dict[str, str], targets, insert: bool = False) -> list[Hole]:
    """The holes (with `insert`: the insertion points) of every suspect function, the located ones
    before their callees (pure)."""
    find = insert_points if insert else holes
    return [h for path, span in suspect_spans(sources, targets) for h in find(path, sources[path], span)]


def _key(h: Hole) -> str:
    return f"{h.path}:{'+' if h.insert else ''}{h.line}"


# How each round over the holes asks (mode -> kinds). "fim": the file around the hole, "fim_hint": the same
# with the hidden line shown as a suspect, "chat": the issue and the masked function in a chat, "fim_insert":
# a new statement at each insertion point (a missing guard or step; fill-in-the-middle only). The first round
# of a kind is greedy, its repeats are sampled (seeded by the round's index: the insertion round comes last so
# that the rounds measured before it keep their seeds). "auto" mixes both forms where fill-in-the-middle works:
# on the train split's one-line bugs (hole given) each form found fixes the other did not.
ROUNDS = {"fim": ("fim", "fim_hint", "fim", "fim_hint", "fim_insert"), "chat": ("chat", "chat", "chat", "chat"),
          "mixed": ("fim", "chat", "fim_hint", "chat", "fim_insert")}
# The rounds over the suspect functions' bodies (agent/regenerate.py), asked before the lines' (patch.regenerate
# caps them): greedy first, then sampled repeats.
BODY_ROUNDS = {"fim": ("fim_body",) * 4, "chat": ("chat_body",) * 4,
               "mixed": ("fim_body", "chat_body", "fim_body", "chat_body")}


def schedule(hole_list: list[Hole], limit: int, kinds: tuple[str, ...] = ROUNDS["chat"],
             inserts: list[Hole] = ()) -> list[tuple[Hole, int, str, bool]]:
    """(hole, round, kind, greedy) to ask, at most `limit`, every hole of a round before the next; an
    insertion round goes over `inserts` (pure)."""
    out = [(h, r, k, kinds.index(k) == r) for r, k in enumerate(kinds)
           for h in (inserts if k == "fim_insert" else hole_list)]
    return out[:limit]


def body_schedule(bodies: list[Hole], limit: int, kinds: tuple[str, ...]) -> list[tuple[Hole, int, str, bool]]:
    """(body hole, round, kind, greedy) to ask, at most `limit`, every hole of a round before the next (pure).
    Fill-in-the-middle rounds go over every tail, chat rounds over the whole bodies (a chat answer is a whole
    function: agent/regenerate.py chat_body)."""
    wholes = [h for i, h in enumerate(bodies) if not any((b.path, b.start) == (h.path, h.start) for b in bodies[:i])]
    out = [(h, BODY_ROUND + r, k, kinds.index(k) == r) for r, k in enumerate(kinds)
           for h in (wholes if k == "chat_body" else bodies)]
    return out[:limit]


def suspect_bodies(sources: dict[str, str], targets) -> list[Hole]:
    """The body holes (every tail, the whole body first) of the suspect functions, the located ones first (pure)."""
    return [h for path, span in suspect_spans(sources, targets) for h in body_holes(path, sources[path], span)]


def samples_pass(trajs, check_ids: list[str]) -> bool:
    """Some sample's edit already passes every one of these checks in its own sandbox (pure): then the
    cloze search, which costs model calls, has nothing to add and is skipped."""
    if not check_ids:
        return False
    for t in trajs:
        for a in t.patch.attempts:
            if all(a.checks.get(c) == "pass" for c in check_ids):
                return True
    return False


def cloze_mutants(ctx: StageContext, model, sources: dict[str, str], targets, limit: int,
                  reach: dict[str, set[int]] | None = None) -> list[Mutant]:
    """The changed fills as mutants (in the order asked); see the module docstring."""
    record = ctx.run.read_model_or_none(CLOZE, ClozeRecord)
    if record is None or not record.done:
        record = _ask(ctx, model, sources, targets, limit, record, reach)
    return fills_as_mutants(record, sources)


def fills_as_mutants(record: ClozeRecord, sources: dict[str, str], rounds: set[int] | None = None) -> list[Mutant]:
    """The saved fills that change the code, as mutants in the order asked, one per distinct file
    (pure); `rounds` keeps only the fills of those rounds."""
    out, seen = [], set()
    for f in record.fills:
        if rounds is not None and f.sample not in rounds:
            continue
        if f.kind in BODY_KINDS:
            hole = next((h for h in body_holes(f.path, sources[f.path], f.function) if h.line == f.line), None)
            text = filled_body(sources[f.path], hole, f.proposed) if hole and f.changed else None
            if text and text not in seen:
                seen.add(text)
                out.append(Mutant(f.path, text, f"cloze body of {function_name(sources[f.path], hole)} "
                                  f"(lines {hole.line}-{hole.last}, round {f.sample - BODY_ROUND})", hole.line))
            continue
        find = insert_points if f.kind == "fim_insert" else holes
        hole = next((h for h in find(f.path, sources[f.path], f.function) if h.line == f.line), None)
        text = filled(sources[f.path], hole, f.proposed) if hole and f.changed else None
        if text and text not in seen:
            seen.add(text)
            extra = (text.count("\n") - sources[f.path].count("\n")      # the imports the fill needs
                     - f.proposed.count("\n") - hole.insert)
            what = f"cloze insert before line {f.line}" if hole.insert else f"cloze line {f.line}"
            out.append(Mutant(f.path, text, f"{what}: {f.proposed[:80]}"
                              + (f" (+{extra} import{'s' if extra > 1 else ''})" if extra else ""), f.line))
    return out


def _ask(ctx: StageContext, model, sources, targets, limit: int, partial: ClozeRecord | None,
         reach: dict[str, set[int]] | None) -> ClozeRecord:
    """Ask for the fills of the schedule that `partial` (a killed run's record) does not hold yet; the
    record is saved after every fill and marked done at the end."""
    cfg = ctx.config.patch
    model_cfg = cfg.model or ctx.config.model
    mode = cfg.cloze_mode
    fmt = fim_format(getattr(model, "name", model_cfg.name), model_cfg.api_base)
    if mode == "auto":
        mode = "mixed" if fmt and hasattr(model, "complete") else "chat"
    if partial is not None:                   # a resumed search keeps its schedule
        mode = partial.mode
        while partial.fills and partial.fills[-1].error:   # the calls a model outage failed just before the
            partial.fills.pop()                            # run stopped: asked again (the schedule stays aligned)
    if mode != "chat" and fmt is None:        # asked for: a served model whose family the table does not know
        fmt = FIM_FORMATS[0][1]
    every = suspect_holes(sources, targets)
    every_insert = suspect_holes(sources, targets, insert=True) if "fim_insert" in ROUNDS[mode] else []
    if partial is None:                       # the lines the checks reach (a new statement runs when the next one does)
        keep = lambda h: reachable(h.path, h.line, (h.start, h.end), reach)  # noqa: E731
    elif partial.asked is None:               # a record of older code: every hole, no insertion
        keep = lambda h: not h.insert  # noqa: E731
    else:                                     # the same holes as before the kill
        keep = lambda h: _key(h) in set(partial.asked)  # noqa: E731
    hole_list, inserts = [h for h in every if keep(h)], [h for h in every_insert if keep(h)]
    # Tails of the bodies the checks run: a tail starting at a statement no check executes could change nothing.
    bodies = [h for h in suspect_bodies(sources, targets) if reachable(h.path, h.line, (h.start, h.end), reach)]
    # A resumed search keeps the bodies it scheduled (none in a record of older code), whatever the limit is now.
    first = body_schedule(bodies, cfg.regenerate if partial is None else partial.bodies, BODY_ROUNDS[mode])
    record = partial or ClozeRecord(mode=mode, holes=len(every), insert_points=len(every_insert),
                                    asked=[_key(h) for h in hole_list + inserts], bodies=len(first), done=False)
    issue = f"{ctx.issue.title}\n\n{ctx.issue.body}"
    header = render("cloze", "fim_header", issue_lines=issue_comment_lines(issue))
    started = time.monotonic() - record.duration_s
    for hole, sample, kind, greedy in (first + schedule(hole_list, limit, ROUNDS[mode], inserts))[len(record.fills):]:
        source = sources[hole.path]
        params = sampling_params(0 if greedy else sample, cfg.cloze_temperature, ctx.config.seed,
                                 f"{'body' if kind in BODY_KINDS else 'cloze'}:{hole.path}:{hole.line}")
        fill = ClozeFill(path=hole.path, line=hole.line, function=(hole.start, hole.end), sample=sample, kind=kind)
        try:
            if kind in BODY_KINDS:
                reply = _ask_body(model, kind, fmt, source, hole, header, ctx.issue_text, params)
            elif kind == "fim_insert":
                reply = model.complete(fim_prompt(fmt, source, hole, header), max_tokens=INSERT_MAX_TOKENS,
                                       stop=["\n\n"], **params)
            elif kind != "chat":
                reply = model.complete(fim_prompt(fmt, source, hole, header, kind == "fim_hint"),
                                       max_tokens=FIM_MAX_TOKENS, stop=["\n"], **params)
            else:
                messages = [{"role": "system", "content": render("cloze", "system")},
                            {"role": "user", "content": render("cloze", "user", issue=ctx.issue_text, path=hole.path,
                                                               masked=masked_function(source, hole))}]
                reply = model.query(messages, max_tokens=CHAT_MAX_TOKENS, **params)
        except ModelUnavailable:
            raise                                   # every later call fails alike: the run stops, a rerun resumes
        except BudgetExceeded:
            break                                   # the cap is reached: the fills so far are tried
        except ModelError as err:                   # one fill lost; the others go on
            fill.error = str(err)[:300]
        else:
            fill.reply = reply.content[:2000 if kind in BODY_KINDS else 500]
            if kind in BODY_KINDS:
                fill.proposed = fill_body(reply.content, hole) if kind == "fim_body" else \
                    chat_body(reply.answer, hole, function_name(source, hole))
                fill.changed = filled_body(source, hole, fill.proposed) is not None
            else:
                fill.proposed = fill_insert(reply.content, hole, source) if hole.insert else \
                    fill_line(reply.answer if kind == "chat" else reply.content, hole, source, chat=kind == "chat")
                fill.changed = filled(source, hole, fill.proposed) is not None
        record.fills.append(fill)
        record.duration_s = round(time.monotonic() - started, 2)
        ctx.run.write_json(CLOZE, record)
    record.done = True
    record.duration_s = round(time.monotonic() - started, 2)
    ctx.run.write_json(CLOZE, record)
    return record


def _ask_body(model, kind: str, fmt: str, source: str, hole: Hole, header: str, issue: str, params: dict):
    """One regenerated body: fill-in-the-middle over the file, or the chat form with the body masked."""
    if kind == "fim_body":
        return model.complete(body_prompt(fmt, source, hole, header), max_tokens=BODY_MAX_TOKENS, **params)
    messages = [{"role": "system", "content": render("cloze", "body_system")},
                {"role": "user", "content": render("cloze", "body_user", issue=issue, path=hole.path,
                                                   masked=masked_body(source, hole))}]
    return model.query(messages, max_tokens=BODY_MAX_TOKENS, **params)
