"""Rebuild the synthesized dev set in agent/examples/synth/ (docs/synth.md).

    nice -n 15 .venv/bin/python scripts/synth_devset.py --work /tmp/synth-devset [--assemble-only]

Downloads the pinned sdists from PyPI (`pip download`, hashes checked), runs `swe-agent synth` on
each (resumable: rerunning reuses every verdict in --work), copies each project's rows and git
bundle here, and writes the fixed split files train.jsonl.gz / test.jsonl.gz and bench10.jsonl.gz
(10 test instances spread over the projects: the `bench` smoke set).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "agent" / "examples" / "synth"
# project, version, sha256 of the sdist, kept bugs wanted, kept per function at most
PROJECTS = [
    ("inflection", "0.5.1", "1a29730d366e996aaacffb2f1f1cb9593dc38e2ddd30c91250c6dde09ea9b417", 40, 3),
    ("six", "1.17.0", "ff70335d468e7eb6ec65b95b99d3a2836546063f63acc5171de367e834932a81", 35, 3),
    ("toolz", "1.2.0", "9667a038e9d6ecba37995e26cb2f59ec6420b6ad8dd9677de59db9b956b08490", 55, 2),
]


def sdist(work: Path, name: str, version: str, sha: str) -> Path:
    found = sorted(work.glob(f"{name.replace('-', '_')}-{version}.tar.gz")) + sorted(work.glob(f"{name}-{version}.tar.gz"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                        "-d", str(work), f"{name}=={version}"], check=True)
        return sdist(work, name, version, sha)
    digest = hashlib.sha256(found[0].read_bytes()).hexdigest()
    if digest != sha:
        raise SystemExit(f"{found[0]}: sha256 {digest} is not the pinned {sha}")
    return found[0]


def synth(work: Path, name: str, version: str, sha: str, n: int, per_function: int) -> None:
    src = sdist(work, name, version, sha)
    cmd = [sys.executable, "-m", "agent.cli", "synth", "--repo", str(src), "--name", name, "--version", version,
           "--origin", f"pypi sdist {name}=={version}", "-n", str(n),
           "--per-function", str(per_function), "-o", str(work / f"{name}.jsonl")]
    print("$", " ".join(cmd), flush=True)
    subprocess.run(["nice", "-n", "15", *cmd], check=True, cwd=ROOT)


def _write(path: Path, rows: list[dict]) -> None:
    # gzip: PASS_TO_PASS repeats hundreds of test ids per row (1 MB per 30 rows as text); mtime=0
    # keeps the file byte-identical when the rows are.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
        fh.write("".join(json.dumps(r) + "\n" for r in rows).encode())


def assemble(work: Path) -> None:
    DEST.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, *_ in PROJECTS:
        shutil.copy(work / f"{name}.bundle", DEST / f"{name}.bundle")
        rows += [json.loads(x) for x in (work / f"{name}.jsonl").read_text().splitlines() if x.strip()]
    for split in ("train", "test"):
        chosen = [r for r in rows if r["synth"]["split"] == split]
        _write(DEST / f"{split}.jsonl.gz", chosen)
        print(f"{split}: {len(chosen)} rows")
    test = [r for r in rows if r["synth"]["split"] == "test"]
    # round robin over projects, in file order: the first 10 test rows a reader would pick by hand
    by_project = [[r for r in test if r["repo"] == f"synth/{p[0]}"] for p in PROJECTS]
    bench = [q[i] for i in range(10) for q in by_project if i < len(q)][:10]
    _write(DEST / "bench10.jsonl.gz", bench)
    print(f"bench10: {', '.join(r['instance_id'] for r in bench)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, required=True, help="sdists, synth work folders, rows, bundles")
    ap.add_argument("--assemble-only", action="store_true", help="only copy rows/bundles and write the splits")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if not args.assemble_only:
        for name, version, sha, n, per_function in PROJECTS:
            synth(args.work.resolve(), name, version, sha, n, per_function)
    assemble(args.work)


if __name__ == "__main__":
    main()
