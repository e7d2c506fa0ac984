#!/usr/bin/env python
"""Decide saved dev-set runs again with today's evidence code: what a change to checks, probes or selection does.

    python scripts/bench_redecide.py --records docs/reports/dev-train8/fd16d17 --examples tags,envfile,orders \
        --out bench/redecide --model openai/qwen2.5-coder-1.5b --api-base http://127.0.0.1:8766/v1

Per example: its saved generation folder (RECORDS/folders/<name>.tar.gz, S = 8) is copied without the probe
stage's output (05_probes, the per-candidate probe runs, the behaviour clusters) and without the decision, and
the pipeline resumes it with today's code and defaults (the bench_scaling.py settings): localization, the model's
tests, patch samples, execution cells and judge scores are read back; the issue's own checks are read from the
issue again (no model: today's parser may find checks the saved run did not, and they run on every candidate),
the probe script is written again (model calls) and run on every candidate in fresh sandboxes, and selection
decides again (a judge call for a candidate that no longer behaves like the original code). The new pick is judged
by the example's hidden test, the saved one by its record (RECORDS/<name>.json). Printed: one row per example, saved
against redone (status, whether the pick is right, confidence, whether a probe script was used), and the counts.
Resumable: a finished example's row is read back from OUT/<name>.json.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.config import load_config  # noqa: E402
from agent.examples import check_hidden, materialize  # noqa: E402
from agent.examples.scaling import InstanceResult  # noqa: E402
from agent.pipeline import solve  # noqa: E402
from agent.progress import Progress  # noqa: E402
from agent.repo_input import issue_from_file  # noqa: E402
from agent.runfolder import (BEHAVIOUR, DECISION, PROBE_RUNS, PROBES_DIR, ROUNDS, SELECTION_TRAJECTORY,  # noqa: E402
                             RunFolder)

# What the probe stage and selection write: removed so that today's code writes them again.
REDONE = (PROBES_DIR, PROBE_RUNS, BEHAVIOUR, DECISION, ROUNDS, SELECTION_TRAJECTORY, "result.json", "final.diff")


def unpack(records: Path, name: str, dest: Path) -> Path:
    """The saved generation folder of `name`, unpacked under dest (once); returns runs/<name>/gen<S>."""
    saved = dest / "saved"
    if not (saved / "runs" / name).is_dir():
        with tarfile.open(records / "folders" / f"{name}.tar.gz") as tar:
            tar.extractall(saved, filter="data")
    return next((saved / "runs" / name).glob("gen*"))


def fresh_copy(gen: Path, dst: Path) -> None:
    """dst: the saved run folder gen without what the probe stage and selection wrote (built aside, then renamed)."""
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(gen, tmp)
    for rel in REDONE:
        p = tmp / rel
        shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
    tmp.rename(dst)


def probe_used(run: Path) -> bool | None:
    """Whether the run's behaviour clusters rest on a model-written probe script (None: no probe stage output)."""
    probes = run / PROBES_DIR / "probes.json"
    if not probes.is_file():
        return None
    return any(p.get("origin") == "model" for p in json.loads(probes.read_text(encoding="utf-8")))


def redo(name: str, records: Path, out: Path, cfg) -> dict:
    row_file = out / f"{name}.json"
    if row_file.is_file():
        return json.loads(row_file.read_text(encoding="utf-8"))
    rec = InstanceResult.model_validate_json((records / f"{name}.json").read_text(encoding="utf-8"))
    gen = unpack(records, name, out)
    run_dir = out / "redo" / name / gen.name
    if not run_dir.is_dir():
        fresh_copy(gen, run_dir)
    ex = materialize(name, out / "examples" / name)
    res = solve(issue_from_file(ex.issue), ex.repo, run_dir, cfg, progress=Progress(False))
    saved = RunFolder(gen).decision()
    right = res.status == "selected" and check_hidden(None, ex, res.final_diff)
    row = {"name": name, "candidates": len(rec.candidates), "correct_candidates": sum(rec.candidates.values()),
           "saved": {"status": saved.status if saved else None, "candidate": saved.candidate if saved else None,
                     "correct": bool(saved and saved.candidate and rec.candidates.get(saved.candidate)),
                     "confidence": saved.confidence if saved else None, "probe_script": probe_used(gen)},
           "redone": {"status": res.status, "candidate": res.candidate, "correct": right,
                      "confidence": res.confidence, "probe_script": probe_used(run_dir), "candidates": res.n_candidates,
                      "wall_s": round(res.duration_s, 1), "tokens": res.tokens}}
    row_file.write_text(json.dumps(row, indent=2) + "\n", encoding="utf-8")
    return row


def mark(side: dict) -> str:
    return "✓" if side["correct"] else ("–" if side["status"] != "selected" else "✗")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--records", type=Path, required=True, help="docs/reports/dev-SPLIT8/COMMIT")
    p.add_argument("--examples", required=True, help="comma-separated example names")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--model", default=None)
    p.add_argument("--api-base", default=None)
    p.add_argument("--set", "-c", action="append", default=[], help="config override, as in swe-agent solve")
    args = p.parse_args(argv)
    fixed = ["patch.samples=8", "test.samples=2", "localize.samples=1", "reward.samples=1",
             "patch.early_stop=false", "workers=1", "escalate.rounds=0"]     # scripts/bench_scaling.py's
    cfg = load_config(None, fixed + args.set, **{"model.name": args.model, "model.api_base": args.api_base})
    names = list(dict.fromkeys(n.strip() for n in args.examples.split(",") if n.strip()))   # once each, in order
    missing = [n for n in names if not (args.records / f"{n}.json").is_file()
               or not (args.records / "folders" / f"{n}.tar.gz").is_file()]
    if missing:
        p.error(f"no record or saved folder under {args.records} for: {', '.join(missing)} "
                "(RECORDS is a docs/reports/dev-SPLIT8/COMMIT folder: <name>.json and folders/<name>.tar.gz)")
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    print("| example | correct / candidates | saved | conf | probe script | redone | conf | probe script | wall s |")
    print("|---|---:|---|---:|---|---|---:|---|---:|")
    for name in names:
        r = redo(name, args.records, args.out, cfg)
        rows.append(r)
        s, d = r["saved"], r["redone"]
        if d.get("candidates", r["candidates"]) != r["candidates"]:    # not only a new decision: say so
            print(f"{name}: {d['candidates']} candidates now, {r['candidates']} saved", file=sys.stderr)
        print(f"| {name} | {r['correct_candidates']}/{r['candidates']} | {mark(s)} | {s['confidence']} | "
              f"{s['probe_script']} | {mark(d)} | {d['confidence']} | {d['probe_script']} | {d['wall_s']} |", flush=True)
    for side in ("saved", "redone"):
        sel = [r[side] for r in rows if r[side]["status"] == "selected"]
        print(f"{side}: selected right {sum(s['correct'] for s in sel)}, wrong {len(sel) - sum(s['correct'] for s in sel)},"
              f" abstained {len(rows) - len(sel)} of {len(rows)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
