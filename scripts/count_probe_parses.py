#!/usr/bin/env python
"""Count saved probe-stage answers that give a probe script (no model, no sandbox): replay parse_probe.

    python scripts/count_probe_parses.py [--reports docs/reports] [--commits C ...]

Reads every `05_probes/sample_*.json` inside `<reports>/dev-<split>8/<commit>/folders/*.tar.gz` (the saved
generation folders of the dev-set benchmark) and offers each of the trajectory's answers to today's
`agent.stages.probe.parse_probe`. Per split: trajectories, those that saved a probe, those whose first answer
parses today, those with any answer that parses today; then every trajectory whose outcome differs and why the
answers that still fail fail. The sandbox check that follows parsing (a script that never reaches the code) is not
replayed. Run it before and after a parser change (`git stash`) to see what the change moves.
"""
from __future__ import annotations

import argparse
import json
import sys
import tarfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))     # runnable from a checkout without install

from agent.parsing import FormatError  # noqa: E402
from agent.stages.probe import parse_probe  # noqa: E402


def trajectories(reports: Path, commits: list[str] | None):
    """(split, commit, example, sample record) of every saved probe trajectory."""
    for archive in sorted(reports.glob("dev-*8/*/folders/*.tar.gz")):
        split, commit = archive.parts[-4][4:-1], archive.parts[-3]
        if commits and commit not in commits:
            continue
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                if "/05_probes/sample_" in member.name and member.isfile():
                    yield split, commit, member.name.split("/")[1], json.load(tar.extractfile(member))


def refusal(reply: str) -> str | None:
    """Today's feedback on a probe answer, None when it gives a probe script."""
    try:
        parse_probe(reply)
        return None
    except FormatError as err:
        return str(err)


def verdict(reply: str) -> str:
    why = refusal(reply)
    return f"ok ({len(parse_probe(reply))} statements)" if why is None else why.split(". ")[0][:80]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=Path, default=ROOT / "docs" / "reports")
    ap.add_argument("--commits", nargs="*", help="only these commit folders (default: all)")
    args = ap.parse_args(argv)
    totals: dict[str, Counter] = {}
    failing: Counter = Counter()
    for split, commit, example, rec in trajectories(args.reports, args.commits):
        replies = [m["content"] for m in rec["messages"] if m["role"] == "assistant"]
        verdicts = [verdict(r) for r in replies]
        saved, first = bool(rec.get("output")), bool(verdicts) and verdicts[0].startswith("ok")
        now = any(v.startswith("ok") for v in verdicts)
        t = totals.setdefault(split, Counter())
        t.update(trajectories=1, saved=saved, first=first, any=now)
        if saved != now:
            print(f"{split} {commit} {example} sample {rec['sample']}: saved {saved}, today {now}: {verdicts}")
        failing.update(v for v in verdicts if not v.startswith("ok"))
    for split, t in sorted(totals.items()):
        print(f"{split}: {t['trajectories']} trajectories, saved a probe {t['saved']}, first answer parses today "
              f"{t['first']}, any answer parses today {t['any']}")
    for reason, n in failing.most_common():
        print(f"  {n} answers still refused: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
