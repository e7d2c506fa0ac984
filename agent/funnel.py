"""Where patch samples are lost, stage by stage (pure): samples → parsed → applied → compiles →
changed (not a no-op) → unique candidates → passing every kept check; plus how edits landed."""
from __future__ import annotations

from collections import Counter

from agent.schema import Candidate, ExecutionMatrix, Trajectory

STEPS = ("parsed", "applied", "compiles", "changed")

# Why a sample left no candidate, read from the feedback the patch stage gave (agent/splice.py,
# agent/ast_splice.py, agent/editing.py, agent/stages/patch_edits.py): first match wins.
LOSS_REASONS = (
    ("format_example", ("the format example",)),
    ("issue_example", ("repeats the example from the issue",)),
    ("demo_only", ("only adds code that runs an example",)),
    ("no_change", ("identical to the current code", "does not change the code", "only comments, spacing",
                   "are the same: change the code")),
    ("cut_off", ("cut off", "cut short", "placeholder line")),
    ("syntax", ("syntax error", "does not parse")),
    ("not_found", ("were not found", "does not exist", "not found in")),
    ("ambiguous", ("more than once", "equally well")),
    ("no_code", ("no ```python", "no function or class", "no file path", "search/replace block")),
)


def loss_reason(t: Trajectory) -> str | None:
    """None when the sample produced a diff; else what stopped it (a LOSS_REASONS key, the trajectory's
    status for a model / sandbox error or the budget, "other" for feedback not listed)."""
    if t.patch.diff or t.patch.attempts:      # an attempt is a candidate too (agent/stages/patch.py candidates_of)
        return None
    if t.status in ("error", "budget"):
        return t.status
    text = (t.error or next((s.error for s in reversed(t.steps) if s.error), "") or "")
    text = text.split("\n", 1)[0].lower()     # the feedback's own sentence, not the code it quotes after it
    return next((name for name, keys in LOSS_REASONS if any(k in text for k in keys)), "other")


def patch_funnel(trajs: list[Trajectory], candidates: list[Candidate], matrix: ExecutionMatrix | None) -> dict:
    outs = [t.patch for t in trajs]
    reached = [set(t.variant.get("reached", [])) | ({"parsed", "applied", "compiles", "changed"} if o.diff and
               "reached" not in t.variant else set()) for t, o in zip(trajs, outs)]
    out: dict = {"samples": len(trajs)}
    for step in STEPS:
        out[step] = sum(1 for r in reached if step in r)
    out["revised"] = sum(1 for o in outs if len(o.attempts) > 1)
    out["unique_candidates"] = len(candidates)
    if matrix is not None and matrix.tests:
        out["pass_kept_checks"] = sum(1 for c in candidates if len(matrix.passed(c.id)) == len(matrix.tests))
    else:
        out["pass_kept_checks"] = None
    out["rules"] = dict(Counter(rule for o in outs for a in o.attempts for rule in a.rules))
    out["formats"] = dict(Counter(t.variant.get("format", "search_replace") for t in trajs))
    out["lost"] = dict(Counter(r for t in trajs if (r := loss_reason(t))))
    # Repairs tried against the checks (agent/stages/patch_mutants.py): candidates a kept one-token
    # mutant, piece of a sample's edit (agent/pieces.py) or cloze fill produced, of those the ones no sample
    # produced too, and those a cloze fill or a piece made.
    out["mutants"] = sum(1 for c in candidates if c.mutants)
    out["mutant_only"] = sum(1 for c in candidates if c.mutants and not c.samples)
    out["cloze"] = sum(1 for c in candidates if any(r.startswith("cloze") for r in c.mutants))
    out["bodies"] = sum(1 for c in candidates if any(r.startswith("cloze body") for r in c.mutants))
    out["pieces"] = sum(1 for c in candidates if any(r.startswith("piece ") for r in c.mutants))
    return out


def funnel_line(f: dict) -> str:
    if not f:
        return ""
    passing = "n/a (no kept checks)" if f.get("pass_kept_checks") is None else f["pass_kept_checks"]
    rules = ", ".join(f"{k} {v}" for k, v in sorted(f.get("rules", {}).items())) or "none"
    return (f"{f['samples']} samples → {f['parsed']} parsed → {f['applied']} applied → {f['compiles']} compile → "
            f"{f['changed']} changed ({f.get('revised', 0)} revised) → {f['unique_candidates']} unique → "
            f"{passing} pass kept checks; edits landed by: {rules}"
            + (f"; samples lost to: {', '.join(f'{k} {v}' for k, v in sorted(f['lost'].items()))}" if f.get("lost") else "")
            + (f"; {f['mutants']} candidate(s) from repairs tried on the issue's checks ({f.get('cloze', 0)} "
               f"cloze fill(s), {f.get('bodies', 0)} of them regenerated bodies, {f.get('pieces', 0)} piece(s) of samples' edits; {f.get('mutant_only', 0)} found by them alone)" if f.get("mutants") else ""))
