#!/usr/bin/env python
"""Count saved model probe scripts that reach nothing on the original code (no model, no sandbox).

    python scripts/count_probe_reach.py DIR [DIR ...]

DIRs hold unpacked benchmark generation folders (`**/gen8`, e.g. the `docs/reports/dev-*8/<commit>/folders/*.tar.gz`
archives unpacked, or `scripts/bench_redecide.py --out` folders). For each folder with an accepted model probe
script (05_probes/probes.json) and the original code's probe run (04_execution/probes/original__*.json), it prints
the scripts that agent.behaviour.reaches_nothing refuses today — every calling statement failed to import or raised
NameError on a name the script uses and never defined — and the total.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.behaviour import reaches_nothing  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    roots = [Path(a) for a in (sys.argv[1:] if argv is None else argv)]
    if not roots:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    hit = total = 0
    for gen in sorted(g for r in roots for g in r.glob("**/gen8")):
        probes, originals = gen / "05_probes" / "probes.json", sorted((gen / "04_execution" / "probes").glob("original__*.json"))
        if not probes.is_file() or not originals:
            continue
        outputs = json.loads(originals[0].read_text(encoding="utf-8"))["outputs"]
        for p in json.loads(probes.read_text(encoding="utf-8")):
            if p["origin"] != "model":
                continue
            total += 1
            if reaches_nothing(p["statements"], outputs, p["id"]):
                hit += 1
                print(f"{gen} {p['id']}: {p['statements'][-1][:100]}")
    print(f"{hit} of {total} saved model probe scripts reach nothing")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
