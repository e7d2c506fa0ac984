#!/usr/bin/env python
"""A/B of the feedback to a whole file sent back unchanged (`patch.unchanged_ask`), replayed on saved runs.

    python scripts/bench_unchanged.py --runs bench/dev-train8/runs --split train \
        --model openai/qwen2.5-coder-1.5b --api-base http://127.0.0.1:8768/v1 --reps 2

For every saved whole-file patch sample (`<runs>/<example>/<variant>/03_patches/sample_*.json`, e.g. the
folders of scripts/bench_scaling.py) whose first answer changed nothing the code does, the conversation up
to that answer is replayed once per variant and rep: the feedback is built by the patch stage's own
`pointer` (today's suspects from the run's saved localization), the turn's temperature and seed are the
stage's (agent/loop.turn_params; rep r > 0 derives its own seed, the same for every variant), the answer is
landed on the original files exactly as the stage lands it (scripts/bench_replay_edits.land) and judged by
the example's hidden test, which the pipeline never sees. Baseline: "again" (the default), in the same run.
Only the one feedback turn is replayed: what follows it (revisions against the checks) is not.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]     # runnable from a checkout; bench_replay_edits beside it

from bench_replay_edits import land  # noqa: E402

from agent.config import load_config  # noqa: E402
from agent.examples import check_hidden, list_examples, materialize  # noqa: E402
from agent.examples.split import split_of  # noqa: E402
from agent.focus import Target, focus_targets, helper_files  # noqa: E402
from agent.loop import sample_seed, turn_params  # noqa: E402
from agent.model.base import ModelError  # noqa: E402
from agent.model.client import LiteLLMModel  # noqa: E402
from agent.model.embedded import resolve as resolve_model  # noqa: E402
from agent.parsing import UnchangedError  # noqa: E402
from agent.repo_input import tracked_files  # noqa: E402
from agent.schema import Location  # noqa: E402
from agent.stages.patch import pointer  # noqa: E402

VARIANTS = ("again", "one_line")
_NO_CHANGE = ("Your edit does not change the code.", "Your edit changes only comments, spacing or layout")
_SHOWN = re.compile(r"The file `([^`]+)`:")
_SUSPECT = re.compile(r"Suspect: `([^`]+)` in (\S+?)[: ]")


def unchanged_turns(runs: list[Path], split: str):
    """(example, run folder, sample file, trajectory) of every whole-file sample whose first answer was a no-op."""
    for root in runs:
        for f in sorted(root.glob("*/*/03_patches/sample_*.json")):
            run, ex = f.parents[1], f.parents[2].name
            if ex not in list_examples() or (split != "all" and split_of(ex) != split):
                continue
            t = json.loads(f.read_text())
            msgs = t.get("messages") or []
            if (t.get("variant") or {}).get("format") == "whole_file" and len(msgs) >= 4 \
                    and msgs[3]["role"] == "user" and msgs[3]["content"].startswith(_NO_CHANGE):
                yield ex, run, f, t


@lru_cache(maxsize=None)
def suspects_of(run: Path, repo: Path) -> tuple[list[Location], list[Target]]:
    """The run's saved localization and today's suspects on the example's files (read once per run)."""
    locs = [Location(**x) for x in json.loads((run / "01_localize" / "locations.json").read_text())]
    known = set(tracked_files(repo, "HEAD"))
    sources = {f: (repo / f).read_text() for f in dict.fromkeys(l.file for l in locs) if f in known}
    sources.update({f: (repo / f).read_text() for f in helper_files(locs, sources, known)})
    return locs, focus_targets(locs, sources)


def feedback(variant: str, t: dict, run: Path, repo: Path) -> str:
    """The stage's feedback to the sample's no-op answer under `variant`."""
    msgs = t["messages"]
    shown = (_SHOWN.search(msgs[1]["content"]) or [None, ""])[1]
    base = msgs[3]["content"].split(" Find the line of ")[0]       # the recorded message, before any hint
    if variant == "again":
        return base
    locs, targets = suspects_of(run, repo)
    hit = _SUSPECT.search(msgs[1]["content"])
    focus = Target(hit[2], hit[1]) if hit else None
    hint, _ = pointer("whole_file", UnchangedError(base), focus, targets, locs, full=False, one_line_file=shown)
    return base + hint


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=Path, nargs="+", required=True, help="folders of <example>/<variant>/ run folders")
    ap.add_argument("--split", choices=["train", "test", "all"], default="train")
    ap.add_argument("--model", default="openai/qwen2.5-coder-1.5b")
    ap.add_argument("--api-base", default=None)
    ap.add_argument("--reps", type=int, default=1, help="replays per variant and turn (rep r > 0: seed derived from r)")
    ap.add_argument("--first-rep", type=int, default=0, help="number of the first rep (continue an earlier run's reps)")
    ap.add_argument("--json", type=Path, help="also write every replay here")
    args = ap.parse_args()
    for r in args.runs:
        if not r.is_dir():
            ap.error(f"--runs {r}: no such folder (expected <example>/<variant>/03_patches/ inside)")
    cfg = load_config(None, [], **{"model.name": args.model, **({"model.api_base": args.api_base} if args.api_base else {})})
    cap = cfg.patch.max_tokens or cfg.model.max_tokens
    turns = list(unchanged_turns(args.runs, args.split))
    if not turns:
        ap.error(f"no whole-file sample with an unchanged first answer in {', '.join(map(str, args.runs))} ({args.split})")
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp, resolve_model(cfg.model) as model_cfg:
        model = LiteLLMModel(model_cfg)
        examples, judged = {}, {}
        for ex, run, f, t in turns:
            if ex not in examples:
                examples[ex] = materialize(ex, Path(tmp) / ex)
            example = examples[ex]
            shown = (_SHOWN.search(t["messages"][1]["content"]) or [None, ""])[1]
            for rep in range(args.first_rep, args.first_rep + args.reps):
                temp, seed = turn_params(t["temperature"], t["seed"], 1, True, 0.7)
                if rep and seed is not None:
                    seed = sample_seed(seed, "bench_unchanged", rep)
                for variant in VARIANTS:
                    messages = t["messages"][:3] + [{"role": "user", "content": feedback(variant, t, run, example.repo)}]
                    started = time.monotonic()
                    try:
                        reply = model.query(messages, temperature=temp, seed=seed, **({"max_tokens": cap} if cap else {}))
                    except ModelError as err:        # a dead server or a timeout: keep what was replayed
                        if args.json:
                            args.json.write_text(json.dumps(rows, indent=1))
                        sys.exit(f"error: the model failed on {ex} {f.stem} ({err}); {len(rows)} replays done"
                                 + (f", written to {args.json}" if args.json else ""))
                    diff = land(reply.answer, "whole_file", example.repo, shown, [shown])
                    if diff and diff not in judged:
                        judged[diff] = check_hidden(None, example, diff)
                    rows.append({"example": ex, "sample": f.stem, "rep": rep, "variant": variant, "temperature": temp,
                                 "seed": seed, "edit": bool(diff), "correct": bool(diff) and judged[diff],
                                 "tokens": reply.usage.completion_tokens, "s": round(time.monotonic() - started, 1),
                                 "feedback": messages[-1]["content"], "reply": reply.content})
                    print(f"{ex} {f.stem} rep {rep} {variant}: {'edit' if diff else 'no edit'}"
                          f"{' (correct)' if rows[-1]['correct'] else ''}", file=sys.stderr, flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    n = len(turns) * args.reps
    print(f"{len(turns)} unchanged whole-file answers in {len({r['example'] for r in rows})} examples "
          f"({args.split}), {args.reps} rep(s) each; model {args.model}\n")
    print("| feedback | replays | real edit | hidden test accepts | tokens / replay | s / replay | edit ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    base = sum(r["edit"] for r in rows if r["variant"] == "again")
    for v in VARIANTS:
        rs = [r for r in rows if r["variant"] == v]
        edits = sum(r["edit"] for r in rs)
        ratio = f"{edits / base:.2f}x" if base else "–"
        print(f"| {v}{' (baseline)' if v == 'again' else ''} | {n} | {edits} | {sum(r['correct'] for r in rs)} | "
              f"{sum(r['tokens'] for r in rs) / max(n, 1):.0f} | {sum(r['s'] for r in rs) / max(n, 1):.1f} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
