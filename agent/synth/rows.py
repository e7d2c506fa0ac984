"""SWE-bench rows for kept bugs, and the dev set's fixed split. Pure functions."""
from __future__ import annotations

import hashlib
import json
from typing import Literal

from agent.synth.recipe import SPEC_COLUMN, SynthEnv

NAMESPACE = "synth"
SPLIT_SALT = "synth-devset-1"


def repo_name(project: str) -> str:
    """`synth/<project>`: the namespace keeps these apart from every real SWE-bench repository; the
    mirror folder `synth+<project>` follows agent.evaluation.mirror's owner+name rule."""
    return f"{NAMESPACE}/{project}"


def instance_id(project: str, mutant_id: str) -> str:
    return f"{NAMESPACE}__{project}-{mutant_id}"


def make_row(*, project: str, version: str, original: str, bug_commit: str, patch: str, problem: str,
             fail_to_pass: list[str], pass_to_pass: list[str], env: SynthEnv, mutant: dict,
             source: str) -> dict:
    """One SWE-bench row. `base_commit` holds the bug; `patch` (the inverse diff) removes it; the
    tests are the project's own, so `test_patch` is empty. `synth` records how the bug was made
    (for analysis only: no pipeline stage reads it)."""
    return {
        "instance_id": instance_id(project, mutant["id"]),
        "repo": repo_name(project),
        "base_commit": bug_commit,
        "environment_setup_commit": original,
        "version": version,
        "problem_statement": problem,
        "hints_text": "",
        "created_at": "2026-01-01T00:00:00Z",
        "patch": patch,
        "test_patch": "",
        "FAIL_TO_PASS": json.dumps(fail_to_pass),
        "PASS_TO_PASS": json.dumps(pass_to_pass),
        SPEC_COLUMN: env.env_spec(),
        "synth": {"source": source, "original_commit": original, "split": split_of(instance_id(project, mutant["id"])),
                  **{k: mutant[k] for k in ("kind", "path", "function", "line", "description")}},
    }


def split_of(iid: str) -> Literal["train", "test"]:
    """Fixed split by name only (as agent/examples/split.py): adding instances never moves one."""
    return "train" if hashlib.sha256(f"{SPLIT_SALT}:{iid}".encode()).digest()[0] % 2 == 0 else "test"
