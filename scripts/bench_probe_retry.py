#!/usr/bin/env python
"""After a probe script the parser refuses, does the retry do better in the same conversation or afresh?

    python scripts/bench_probe_retry.py --split train --draws 3 \
        --model openai/qwen2.5-coder-1.5b --api-base http://127.0.0.1:8767/v1 [--json OUT.json]

Reads the saved probe trajectories of the dev-set benchmark (`docs/reports/dev-<split>8/<commit>/folders/*.tar.gz`,
as scripts/count_probe_parses.py) and keeps those of which no answer gives a probe script under today's
`parse_probe` (one per distinct first prompt: the same example at several commits mostly asks the same). Its first
answer gets today's feedback, and the second turn is asked of the model two ways, `--draws` times each, in the same
run:
- `continue` (baseline, today's default): the conversation with the refused answer and the feedback, at the
  turn's temperature (agent/loop.py turn_params: a greedy trajectory retries at the stage's 0.5);
- `fresh+note`: the first prompt alone with the feedback as a note (agent/loop.py fresh_context, fresh_params).
Draw 0 uses the trajectory's own seed, draw k a seed derived from it. A reply counts when parse_probe gives a
script that calls something (the sandbox check that it reaches the code is not replayed). Printed: per prompt and
arm, usable replies, those that also reach the code (run here on the example's original repository with the
probe runner, as the probe stage's check in its sandbox: not every statement an import or name error), and replies
that copy the first answer word for word.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))     # runnable from a checkout without install
sys.path.insert(0, str(ROOT / "scripts"))

from count_probe_parses import refusal, trajectories  # noqa: E402

from agent.behaviour import PROBE_FILE, Probe, parse_outputs, reaches_nothing, render_script, run_command  # noqa: E402
from agent.examples import materialize  # noqa: E402
from agent.loop import fresh_context, fresh_params, sample_seed, turn_params  # noqa: E402
from agent.model.base import ModelConfig  # noqa: E402
from agent.model.client import LiteLLMModel  # noqa: E402
from agent.prompting import render  # noqa: E402
from agent.stages.probe import parse_probe  # noqa: E402

ARMS = ("continue", "fresh+note")


def reaches(statements: list[str], repo: Path) -> bool:
    """The script run on the original code reaches the code under test (the probe stage's check, run here)."""
    (repo / PROBE_FILE).write_text(render_script([Probe(id="m", origin="model", statements=statements)]))
    try:
        res = subprocess.run(run_command(), shell=True, cwd=repo, capture_output=True, text=True, timeout=60)
        output, timed_out = res.stdout + res.stderr, False
    except subprocess.TimeoutExpired as err:
        out = err.stdout or ""
        output, timed_out = out.decode(errors="replace") if isinstance(out, bytes) else out, True
    finally:
        (repo / PROBE_FILE).unlink(missing_ok=True)
    return not reaches_nothing(statements, parse_outputs(output, timed_out), "m")


def lost(reports: Path, split: str) -> list[tuple[str, str, dict]]:
    """(commit, example, trajectory) of every distinct first prompt whose answers all fail today."""
    seen, out = set(), []
    for sp, commit, example, rec in trajectories(reports, None):
        msgs = rec["messages"]
        replies = [m["content"] for m in msgs if m["role"] == "assistant"]
        if sp != split or not replies or msgs[1]["content"] in seen or any(refusal(r) is None for r in replies):
            continue
        seen.add(msgs[1]["content"])
        out.append((commit, example, rec))
    return out


def request(arm: str, rec: dict, draw: int, retry_temperature: float) -> tuple[list[dict], float, int | None]:
    msgs, temp, seed = rec["messages"], float(rec.get("temperature") or 0.0), rec.get("seed")
    seed = seed if draw == 0 or seed is None else sample_seed(seed, "bench-draw", draw)
    feedback = refusal(msgs[2]["content"])
    if arm == "continue":
        ask = msgs[:3] + [{"role": "user", "content": render("common", "format_error", error=feedback)}]
        return (ask, *turn_params(temp, seed, 1, True, retry_temperature))
    return (fresh_context(msgs[:2], feedback), *fresh_params(temp, seed, 1, retry_temperature))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=Path, default=ROOT / "docs" / "reports")
    ap.add_argument("--split", choices=["train", "test"], default="train")
    ap.add_argument("--draws", type=int, default=3)
    ap.add_argument("--model", required=True)
    ap.add_argument("--api-base")
    ap.add_argument("--retry-temperature", type=float, default=0.5, help="the probe stage's temperature")
    ap.add_argument("--max-tokens", type=int, default=512, help="the probe stage's cap")
    ap.add_argument("--json", type=Path, help="write every reply's verdict here")
    args = ap.parse_args(argv)
    model = LiteLLMModel(ModelConfig(name=args.model, api_base=args.api_base, max_tokens=args.max_tokens,
                                     timeout_s=900))
    cases = lost(args.reports, args.split)
    print(f"{len(cases)} distinct probe prompts with no usable answer ({args.split})", flush=True)
    records, totals, started = [], Counter(), time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="probe-retry-"))
    for commit, example, rec in cases:
        first = rec["messages"][2]["content"].strip()
        repo = materialize(example, tmp / example).repo
        for arm in ARMS:
            for draw in range(args.draws):
                messages, temp, seed = request(arm, rec, draw, args.retry_temperature)
                reply = model.query(messages, temperature=temp, seed=seed).content or ""
                why = refusal(reply)
                statements = parse_probe(reply) if why is None else None
                reached = bool(statements) and reaches(statements, repo)
                records.append({"commit": commit, "example": example, "arm": arm, "draw": draw, "temperature": temp,
                                "usable": why is None, "reaches": reached, "copy": reply.strip() == first,
                                "refused": why, "statements": statements})
                totals.update({f"{arm}:usable": why is None, f"{arm}:reaches": reached,
                               f"{arm}:copy": reply.strip() == first, f"{arm}:asked": 1})
        mine = records[-len(ARMS) * args.draws:]
        print(f"{example} ({commit}): " + ", ".join(
            f"{arm} {sum(r['usable'] for r in mine if r['arm'] == arm)}/{args.draws} usable "
            f"({sum(r['reaches'] for r in mine if r['arm'] == arm)} reach the code) "
            f"({sum(r['copy'] for r in mine if r['arm'] == arm)} copies)" for arm in ARMS), flush=True)
        if args.json:       # after every prompt: a killed run keeps what it asked
            args.json.write_text(json.dumps(records, indent=1))
    print(f"\n{len(cases)} prompts x {args.draws} draws; {time.monotonic() - started:.0f} s")
    for arm in ARMS:
        print(f"{arm}: {totals[arm + ':usable']} / {totals[arm + ':asked']} usable, {totals[arm + ':reaches']} reach "
              f"the code, {totals[arm + ':copy']} copies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
