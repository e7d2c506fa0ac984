"""Grading parity with the official harness: our `eval` verdicts on real candidate patches whose
official resolved labels are known (SWE-bench Lite candidates of ACR and SWE-agent runs).

Pure parts only: which candidates to grade (a deterministic, stratified plan, so a resumed run grades
the same set), the per-candidate record, and the table. scripts/bench_parity.py does the Docker work.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Candidate:
    instance_id: str
    repo: str
    system: str
    patch: str
    official: bool           # resolved according to the run's official report

    @property
    def patch_id(self) -> str:
        # Identical patches of different runs are graded once (their official labels may still differ).
        return "p" + hashlib.sha256(self.patch.encode()).hexdigest()[:12]


@dataclass
class Verdict:
    instance_id: str
    repo: str
    system: str
    patch_id: str
    official: bool
    ours: str                # resolved | unresolved | error (ours: patch did not apply, env failed, timeout)
    reason: str = ""
    needs_internet: bool = False   # its tests failed on DNS / an unreachable network in the network-less container

    @property
    def agree(self) -> bool:
        return self.official == (self.ours == "resolved")


def load_candidates(rows: list[dict], repo_of: dict[str, str]) -> list[Candidate]:
    """Rows of lite_candidates_*.jsonl: {instance_id, candidates: [{system, patch, resolved, ...}]}."""
    out = []
    for row in rows:
        iid = row["instance_id"]
        for c in row["candidates"]:
            out.append(Candidate(iid, repo_of[iid], c["system"], c.get("patch") or "", bool(c["resolved"])))
    return out


def plan(candidates: list[Candidate], repos: list[str], per_repo: dict[str, int] | int) -> list[str]:
    """Instance ids to grade: per repo, instances whose candidates disagree among themselves first (a
    grader that says "unresolved" to everything cannot pass those), then by id; whole instances only,
    until the repo's candidate quota is reached. Repos interleave so an interrupted run stays stratified."""
    by_instance: dict[str, list[Candidate]] = defaultdict(list)
    for c in candidates:
        by_instance[c.instance_id].append(c)
    queues = {}
    for repo in repos:
        quota = per_repo if isinstance(per_repo, int) else per_repo.get(repo, 0)
        ids = sorted((i for i, cs in by_instance.items() if cs[0].repo == repo),
                     key=lambda i: (len({c.official for c in by_instance[i]}) == 1, _num(i)))
        picked, total = [], 0
        for iid in ids:
            if total >= quota:
                break
            picked.append(iid)
            total += len(by_instance[iid])
        queues[repo] = picked
    order = []
    while any(queues.values()):
        for repo in repos:
            if queues[repo]:
                order.append(queues[repo].pop(0))
    return order


def _num(instance_id: str) -> tuple[str, int]:
    head, _, tail = instance_id.rpartition("-")
    return (head, int(tail) if tail.isdigit() else 0)


def save(verdict: Verdict, folder: Path) -> None:
    path = folder / verdict.instance_id / (verdict.system.replace("/", "__") + ".json")   # "acr/acr-run-1"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(asdict(verdict), indent=1))
    tmp.replace(path)


def load_all(folder: Path) -> dict[Path, Verdict]:
    return {p: Verdict(**json.loads(p.read_text())) for p in sorted(folder.rglob("*.json"))}


def table(verdicts: list[Verdict]) -> str:
    lines = ["| repository | candidates | instances | official resolved | ours resolved | agree | disagree "
             "| of which the tests need the internet | ours error |", "|---|---|---|---|---|---|---|---|---|"]
    by_repo: dict[str, list[Verdict]] = defaultdict(list)
    for v in verdicts:
        by_repo[v.repo].append(v)
    for repo in sorted(by_repo) + ["**total**"]:
        vs = verdicts if repo == "**total**" else by_repo[repo]
        agree = sum(v.agree for v in vs)
        lines.append(f"| {repo} | {len(vs)} | {len({v.instance_id for v in vs})} | {sum(v.official for v in vs)} | "
                     f"{sum(v.ours == 'resolved' for v in vs)} | {agree} ({100 * agree / max(len(vs), 1):.0f} %) | "
                     f"{len(vs) - agree} | {sum(not v.agree and v.needs_internet for v in vs)} | "
                     f"{sum(v.ours == 'error' for v in vs)} |")
    return "\n".join(lines) + "\n"


def disagreements(verdicts: list[Verdict]) -> str:
    rows = [v for v in verdicts if not v.agree]
    if not rows:
        return "No disagreements.\n"
    lines = ["| instance | system | official | ours | our grader's reason |", "|---|---|---|---|---|"]
    for v in rows:
        reason = ("tests need the internet (DNS failed without a network): " if v.needs_internet else "") + v.reason
        reason = reason.replace("|", "\\|").replace("\n", " ")[:240]
        lines.append(f"| {v.instance_id} | {v.system} | {'resolved' if v.official else 'unresolved'} | "
                     f"{v.ours} | {reason} |")
    return "\n".join(lines) + "\n"
