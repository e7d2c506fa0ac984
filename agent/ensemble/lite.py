"""The labelled Lite candidate set (/work/shared/data/swebench/lite_candidates_acr_sweagent.jsonl.gz)
as prediction files, one per system run, plus the official labels for the benchmark.

Each line there is {instance_id, candidates: [{system, model, patch, resolved, applied}]}.
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path

# Repositories whose git mirrors fit the library's fetch limit (django, matplotlib, scikit-learn do not).
FETCHABLE = ("sympy/sympy", "pytest-dev/pytest", "psf/requests", "pallets/flask", "astropy/astropy",
             "sphinx-doc/sphinx", "pydata/xarray", "mwaskom/seaborn", "pylint-dev/pylint")


def repo_of(instance_id: str) -> str:
    owner, rest = instance_id.split("__", 1)
    return f"{owner}/{rest.rsplit('-', 1)[0]}"


def read_candidates(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") if str(path).endswith(".gz") else open(path) as fh:
        return [json.loads(line) for line in fh if line.strip()]


def labels(rows: list[dict]) -> dict[str, dict[str, bool]]:
    """{instance_id: {system: resolved}} (the official label of each system's submission)."""
    return {r["instance_id"]: {c["system"]: bool(c["resolved"]) for c in r["candidates"]} for r in rows}


def file_name(system: str) -> str:
    return system.replace("/", "__") + ".jsonl"


def export_predictions(rows: list[dict], out_dir: Path, repos: tuple[str, ...] = FETCHABLE) -> list[Path]:
    """One official-format prediction file per system; model_name_or_path = the system's name."""
    by_system: dict[str, list[dict]] = {}
    for r in rows:
        if repo_of(r["instance_id"]) not in repos:
            continue
        for c in r["candidates"]:
            by_system.setdefault(c["system"], []).append(
                {"instance_id": r["instance_id"], "model_name_or_path": c["system"], "model_patch": c["patch"] or ""})
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for system in sorted(by_system):
        path = out_dir / file_name(system)
        path.write_text("".join(json.dumps(p) + "\n" for p in by_system[system]), encoding="utf-8")
        paths.append(path)
    return paths
