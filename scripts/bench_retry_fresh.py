#!/usr/bin/env python
"""After an unusable patch answer, does the retry do better in the same conversation or in a fresh one?

    python scripts/bench_retry_fresh.py --runs RUNS --split train \
        --model openai/qwen2.5-coder-1.5b --api-base http://127.0.0.1:8766/v1

For every saved patch sample `<runs>/<example>/<variant>/03_patches/sample_*.json` of a dev-set example whose
first answer was unusable (a no-op edit, the issue's example repeated, a cut-off or unparsable block: a format
error fed back to the model), the second turn is asked again of the model three ways, in the same run:
- `continue` (baseline: what agent/loop.py did when those runs were made): the conversation with the unusable
  answer and the feedback, at the turn's temperature and seed (agent/loop.py turn_params);
- `fresh+note`: only the first prompt, the feedback appended to it as a note about an earlier answer, with a
  seed of its own (the unusable answer is not in the context, so it cannot be copied);
- `fresh`: only the first prompt, with a seed of its own (a plain resample);
- `fresh+note-nocode`: as `fresh+note`, with the issue's fenced code blocks left out of the prompt
  (agent/prompting.py `without_issue_code`): for answers that copied the issue's example (`--feedback example`).
Each reply is landed by the patch stage's own parsing on the example's original files
(`bench_replay_edits.land`) and every edit is judged by the hidden test. Printed: per arm, the replies that
land a changed edit, that the hidden test accepts, and that repeat the first answer word for word.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_replay_edits import land  # noqa: E402

from agent.examples import check_hidden, list_examples, materialize  # noqa: E402
from agent.examples.split import split_of  # noqa: E402
from agent.loop import fresh_context, fresh_params, turn_params  # noqa: E402
from agent.prompting import without_issue_code  # noqa: E402
from agent.model.base import ModelConfig  # noqa: E402
from agent.model.client import LiteLLMModel  # noqa: E402

ARMS = ("continue", "fresh+note", "fresh", "fresh+note-nocode")


def lost_samples(runs: Path, split: str):
    """(example, variant folder, trajectory) of every sample whose first answer drew format feedback."""
    for ex_dir in sorted(p for p in runs.iterdir() if p.name in list_examples()):
        if split != "all" and split_of(ex_dir.name) != split:
            continue
        for var in sorted(p for p in ex_dir.iterdir() if (p / "03_patches").is_dir()):
            for f in sorted((var / "03_patches").glob("sample_*.json")):
                t = json.loads(f.read_text())
                msgs, steps = t.get("messages") or [], t.get("steps") or []
                if (len(msgs) >= 4 and steps and steps[0].get("error") and msgs[2]["role"] == "assistant"
                        and msgs[3]["role"] == "user"):
                    yield ex_dir.name, var, t


def arm_request(arm: str, t: dict, retry_temperature: float) -> tuple[list[dict], float, int | None]:
    msgs, temp, seed = t["messages"], float(t.get("temperature") or 0.0), t.get("seed")
    if arm == "continue":
        t1, s1 = turn_params(temp, seed, 1, True, retry_temperature)
        return msgs[:4], t1, s1
    feedback = msgs[3]["content"] if arm.startswith("fresh+note") else None
    first = msgs[:2]
    if arm == "fresh+note-nocode":
        first = [first[0], {**first[1], "content": without_issue_code(first[1]["content"])}]
    return (fresh_context(first, feedback), *fresh_params(temp, seed, 1, retry_temperature))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=Path, required=True, help="folder of <example>/<variant>/ run folders")
    ap.add_argument("--split", choices=["train", "test", "all"], default="train")
    ap.add_argument("--model", required=True)
    ap.add_argument("--api-base", default=None)
    ap.add_argument("--retry-temperature", type=float, default=0.8, help="the patch stage's (its temperature)")
    ap.add_argument("--per-example", type=int, default=0, help="at most this many samples per example (0: all)")
    ap.add_argument("--skip", type=int, default=0, help="leave out each example's first K such samples (a second run)")
    ap.add_argument("--arms", default=",".join(ARMS), help="comma-separated arms to ask (continue is the baseline)")
    ap.add_argument("--examples", default="", help="comma-separated example names (default: all of the split)")
    ap.add_argument("--feedback", default="", help="only samples whose first feedback contains this text "
                    "(e.g. 'repeats the example')")
    ap.add_argument("--json", type=Path, help="write every reply's verdict here")
    args = ap.parse_args()
    arms = tuple(a for a in ARMS if a in args.arms.split(","))
    if not args.runs.is_dir():
        ap.error(f"--runs {args.runs}: no such folder (expected <example>/<variant>/03_patches/ inside)")
    model = LiteLLMModel(ModelConfig(name=args.model, api_base=args.api_base, max_tokens=1024, timeout_s=900))
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    records = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        examples: dict = {}
        judged: dict[tuple[str, str], bool] = {}
        per: dict[str, int] = defaultdict(int)
        for name, var, t in lost_samples(args.runs, args.split):
            if args.feedback and args.feedback not in (t["messages"][3]["content"] or ""):
                continue
            per[name] += 1
            if (args.examples and name not in args.examples.split(",") or per[name] <= args.skip
                    or args.per_example and per[name] > args.skip + args.per_example):
                continue
            ex = examples.get(name) or examples.setdefault(name, materialize(name, Path(tmp) / name))
            locs = json.loads((var / "01_localize" / "locations.json").read_text())
            top = locs[0]["file"] if locs else ""
            shown = list(dict.fromkeys(loc["file"] for loc in locs))
            fmt = (t.get("variant") or {}).get("format") or "search_replace"
            first = t["messages"][2]["content"]
            row = rows[name]
            row["samples"] += 1
            for arm in arms:
                messages, temp, seed = arm_request(arm, t, args.retry_temperature)
                reply = model.query(messages, temperature=temp, seed=seed).content or ""
                diff = land(reply, fmt, ex.repo, top, shown)
                if diff and (name, diff) not in judged:
                    judged[(name, diff)] = check_hidden(None, ex, diff)
                ok = bool(diff) and judged[(name, diff)]
                row[f"{arm}:lands"] += bool(diff)
                row[f"{arm}:correct"] += ok
                row[f"{arm}:repeat"] += reply.strip() == first.strip()
                records.append({"example": name, "sample": t.get("sample"), "arm": arm, "temperature": temp,
                                "lands": bool(diff), "correct": ok, "repeat": reply.strip() == first.strip()})
            print(f"{name} sample {t.get('sample')}: " + ", ".join(
                f"{a} {'✓' if r['correct'] else ('edit' if r['lands'] else ('same' if r['repeat'] else '–'))}"
                for a, r in zip(arms, records[-len(arms):])), flush=True)
            if args.json:         # after every sample: a killed run keeps what it asked
                args.json.write_text(json.dumps(records, indent=1))
    print(f"\n{sum(r['samples'] for r in rows.values())} samples whose first answer was unusable, "
          f"{len(rows)} examples; {time.monotonic() - started:.0f} s\n")
    print("| example | samples | " + " | ".join(f"{a}: lands / correct / repeats" for a in arms) + " |")
    print("|---|---:|" + "---:|" * len(arms))
    total: dict[str, int] = defaultdict(int)
    for name, r in sorted(rows.items()):
        print(f"| {name} | {r['samples']} | " + " | ".join(
            f"{r[a + ':lands']} / {r[a + ':correct']} / {r[a + ':repeat']}" for a in arms) + " |")
        for k, v in r.items():
            total[k] += v
        for a in arms:
            total[a + ":covered"] += r[a + ":correct"] > 0
    print(f"| **all** | {total['samples']} | " + " | ".join(
        f"{total[a + ':lands']} / {total[a + ':correct']} / {total[a + ':repeat']}" for a in arms) + " |")
    print("\nexamples with an accepted retry: " + ", ".join(f"{a} {total[a + ':covered']}" for a in arms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
