"""The summary `solve` prints after a run (stderr): pure text from a Result, shared by the local
and the GitHub paths."""
from __future__ import annotations

from pathlib import Path

from agent.schema import Result
from agent.timing import time_line


def summary_text(result: Result, run_dir: Path) -> str:
    lines = [f"run folder : {run_dir}"]
    if result.status == "selected":
        lines.append(f"decision   : candidate {result.candidate} (confidence {result.confidence:.2f})")
    else:
        lines.append(f"decision   : {result.status.upper()} — no patch proposed (confidence {result.confidence:.2f})")
    lines.append(f"why        : {result.diagnosis}")
    lines.append(f"candidates : {result.n_candidates} unique from {result.n_patch_samples} patch samples")
    if result.funnel:
        from agent.funnel import funnel_line
        lines.append(f"funnel     : {funnel_line(result.funnel)}")
    if len(result.rounds) > 1:
        lines.append("escalation : " + "; ".join(f"round {r['round']} {r['patch_samples']} samples → {r['status']}"
                                                 for r in result.rounds))
    lines.append(f"tests      : {result.n_tests_kept} of {result.n_tests_written} reproduction tests kept "
                 "(kept = fails on the original code)")
    spend = ", ".join(f"{k} {v.spend.prompt_tokens + v.spend.completion_tokens} tok/${v.spend.cost_usd:.4f}"
                      for k, v in result.stages.items() if v.spend.calls)
    lines.append(f"spent      : ${result.cost_usd:.4f}, {result.tokens} tokens ({spend or 'nothing'})")
    lines.append(f"time       : {result.duration_s:.1f} s" + (f" ({time_line(result.time)})" if result.time else ""))
    if result.stopped_reason:
        lines.append(f"stopped    : {result.stopped_reason}")
    return "\n".join(lines)
