"""The evidence a run folder holds, rendered as a PR body (or, on abstention, an issue comment).

Everything here reads finished records; nothing decides except `wants_draft`. Output is scrubbed of
secrets and capped below GitHub's 65,536-character body limit.
"""
from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from agent.budget import LedgerState
from agent.runfolder import RunFolder
from agent.schema import Decision, Result
from agent.github.scrub import scrub

TEMPLATES = Path(__file__).parent / "templates"
MAX_BODY_CHARS = 60_000
MARKER = "<!-- swe-agent -->"     # lets us recognise (and skip) our own comments when reading an issue


def wants_draft(result: Result, draft_below: float) -> bool:
    """Low confidence still earns a PR, but a draft one: a human has to look before it can merge."""
    return result.confidence < draft_below


def _tail(text: str, n: int = 1200) -> str:
    return text if len(text) <= n else "…" + text[-n:]


def evidence(run_dir: Path) -> dict:
    """Plain data for the templates, gathered from the run folder's records."""
    run = RunFolder(run_dir)          # the same typed reads as the report (agent/report/load.py)
    result = run.result()
    if result is None:                # a PR body only for a finished run
        raise ValueError(f"{run_dir} holds no finished run ({'; '.join(run.warnings) or 'no result.json'})")
    decision = run.decision() or Decision(status="abstained")
    candidates = run.candidates()
    tests = run.tests()
    matrix = run.matrix()
    ledger = run.ledger() or LedgerState()
    scores = run.rewards()
    rewards = {c.id: scores[c.id] for c in candidates if c.id in scores}
    chosen = result.candidate
    by_id = {c.id: c for c in candidates}

    repro = []
    for t in (t for t in tests if t.kept):
        after = matrix.get(chosen, t.id) if (matrix and chosen) else None
        repro.append({"id": t.id, "path": t.path, "command": t.command, "content": t.content,
                      "before": t.original_outcome or "?", "after": after.outcome if after else "not run",
                      "before_output": _tail(t.original_output), "after_output": _tail(after.output_tail) if after else ""})

    regression = None
    if matrix and matrix.regression_command:
        before = matrix.baseline_regression
        after = matrix.get(chosen, "regression") if chosen else None
        regression = {"command": matrix.regression_command,
                      "before": before.outcome if before else "not run",
                      "after": after.outcome if after else "not run",
                      "failed_before": before.failed_tests if before else [],
                      "failed_after": after.failed_tests if after else []}

    alternatives = []
    for r in decision.ranking:
        if r.candidate == chosen:
            continue
        c = by_id.get(r.candidate)
        alternatives.append({"id": r.candidate, "samples": r.count, "passed": r.tests_passed, "total": r.tests_total,
                             "regression_ok": r.regression_ok, "reward": r.reward,
                             "files": ", ".join(_code(f) for f in c.files) if c else "?"})

    stages = [{"name": name, "calls": s.calls, "tokens": s.tokens, "cost": s.cost_usd}
              for name, s in ledger.stages.items()]
    chosen_c = by_id.get(chosen) if chosen else None
    return {
        "result": result.model_dump(mode="json"),
        "decision": decision.model_dump(mode="json"),
        "chosen_samples": chosen_c.count if chosen_c else 0,
        "patch_samples": result.n_patch_samples,
        "repro": repro,
        "tests_written": len(tests),
        "regression": regression,
        "rewards": [{"id": cid, "mean": r.mean, "n": len(r.scores), "chosen": cid == chosen}
                    for cid, r in rewards.items()],
        "alternatives": alternatives[:5],
        "more_alternatives": max(0, len(alternatives) - 5),
        "stages": stages,
        "budget": ledger.budget_usd,
        "files": chosen_c.files if chosen_c else [],
    }


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, keep_trailing_newline=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["fence"] = _fence
    env.filters["nomention"] = _nomention
    env.filters["code"] = _code
    return env


def _code(text, table: bool = False) -> str:
    """A code span around model-written text (file names, test names): markdown, links and @mentions
    inside it are shown, not rendered. `table`: `|` would still end a table cell, so it is escaped."""
    text = " ".join(str(text).split())
    ticks = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    span = f"{ticks}{pad}{text}{pad}{ticks}"
    return span.replace("|", "\\|") if table else span


def _nomention(text: str) -> str:
    """Model-written prose must not ping people: a zero-width joiner after @ breaks the mention."""
    return text.replace("@", "@\u200d")


def _fence(text: str) -> str:
    """A code fence longer than any backtick run inside: untrusted text cannot close it early."""
    n, cur = 3, 0
    for ch in text:
        cur = cur + 1 if ch == "`" else 0
        n = max(n, cur + 1)
    return "`" * n


def _finish(text: str, secrets: list[str] | None) -> str:
    text = scrub(text, secrets)
    if len(text) > MAX_BODY_CHARS:
        text = text[:MAX_BODY_CHARS] + "\n\n… (truncated; the full evidence is in the run folder)\n"
    return text


def render_pr_body(run_dir: Path, *, issue_ref: str, draft: bool, run_name: str = "",
                   secrets: list[str] | None = None) -> str:
    data = evidence(run_dir)
    body = _env().get_template("pr_body.md.j2").render(issue_ref=issue_ref, draft=draft, run_name=run_name,
                                                       marker=MARKER, **data)
    return _finish(body, secrets)


def render_abstain_comment(run_dir: Path, *, run_name: str = "", secrets: list[str] | None = None) -> str:
    data = evidence(run_dir)
    body = _env().get_template("abstain_comment.md.j2").render(run_name=run_name, marker=MARKER, **data)
    return _finish(body, secrets)


def pr_title(issue_title: str, number: int) -> str:
    title = " ".join(issue_title.split())[:200] or f"issue #{number}"
    return f"Fix #{number}: {title}"


def render_refused_comment(run_dir: Path, paths: list[str], *, run_name: str = "",
                           secrets: list[str] | None = None) -> str:
    """The fix touches CI definitions: shown for a human to apply, never pushed."""
    data = evidence(run_dir)
    body = _env().get_template("refused_comment.md.j2").render(run_name=run_name, marker=MARKER, paths=paths, **data)
    return _finish(body, secrets)
