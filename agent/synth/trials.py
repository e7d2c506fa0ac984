"""Test runs in sandboxes: the base commit's image (the SWE-bench offline builders), the baseline
runs with coverage, and one throwaway container per mutant.

Each mutant gets a fresh container from the base image: its file is copied in, the suite runs (twice
when some test notices the change, in the same container, so state a mutant leaves behind on disk
shows up as flakiness), and the container is removed.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from agent.evaluation import build, container as ctr
from agent.synth import verdict
from agent.synth.mutate import Mutant
from agent.synth.recipe import SynthEnv

WORKDIR = "/testbed"
# nice inside the container: dockerd runs it, so our own nice does not reach it; no .pyc: a mutant
# written within the same second as a cached original must never run the cached bytecode
_PREFIX = "export PYTHONDONTWRITEBYTECODE=1; nice -n 15 "


@dataclass
class Baseline:
    image: str
    passing: list[str]                      # pass on both baseline runs
    covered: dict[str, list[int]]           # file -> executed lines (coverage.py, base commit)
    seconds: float = 0.0
    outcomes: list[dict] = field(default_factory=list)


def base_row(project: str, version: str, commit: str, env: SynthEnv) -> dict:
    """The base commit as a pseudo SWE-bench row: what the offline builders need to make its image."""
    from agent.synth.rows import repo_name
    from agent.synth.recipe import SPEC_COLUMN
    return {"instance_id": f"synth__{project}-base", "repo": repo_name(project), "version": version,
            "base_commit": commit, "environment_setup_commit": commit, "test_patch": "", "patch": "",
            SPEC_COLUMN: env.env_spec()}


def ensure_image(client, row: dict, mirror_root: Path, log_dir: Path) -> str:
    return build.ensure_images(client, row, mirror_root, log_dir=log_dir).instance


def _name(tag: str) -> str:
    return f"synth-{tag}-{uuid.uuid4().hex[:8]}"


def run_baseline(client, image: str, env: SynthEnv, timeout: float) -> Baseline:
    """Two runs of the suite at the base commit; the first under coverage.py."""
    start = time.monotonic()
    with ctr.eval_container(client, image, _name("base")) as box:
        cov_cmd = env.test_cmd.replace("pytest", "python -m coverage run --source=. -m pytest", 1)
        first = ctr.run(box, _PREFIX + cov_cmd, timeout=timeout, workdir=WORKDIR)
        report = ctr.run(box, "python -m coverage json -q -o /tmp/synth-cov.json >/dev/null && cat /tmp/synth-cov.json",
                         timeout=120, workdir=WORKDIR)
        second = ctr.run(box, _PREFIX + env.test_cmd, timeout=timeout, workdir=WORKDIR)
    if first.timed_out or second.timed_out:
        raise RuntimeError(f"the test suite timed out at the base commit ({timeout:.0f}s)")
    runs = [verdict.outcomes(first.output), verdict.outcomes(second.output)]
    try:
        files = json.loads(report.output)["files"]
    except (ValueError, KeyError) as err:
        raise RuntimeError(f"no coverage report at the base commit: {report.output[-300:]}") from err
    covered = {path.removeprefix("./"): sorted(data["executed_lines"]) for path, data in files.items()}
    return Baseline(image=image, passing=sorted(verdict.baseline(runs)), covered=covered,
                    seconds=round(time.monotonic() - start, 1), outcomes=runs)


def trial(client, image: str, env: SynthEnv, base_pass: set[str], mutant: Mutant, timeout: float,
          max_fail_fraction: float = 0.5) -> tuple[dict, str]:
    """(record, first run's log). The record is what 02_mutants/<id>.json holds."""
    start = time.monotonic()
    runs, logs, timed_out = [], [], False
    try:
        with ctr.eval_container(client, image, _name(mutant.id)) as box:
            ctr.put_file(box, f"{WORKDIR}/{mutant.path}", mutant.source)
            for attempt in range(2):
                res = ctr.run(box, _PREFIX + env.test_cmd, timeout=timeout, workdir=WORKDIR)
                timed_out = timed_out or res.timed_out
                runs.append(verdict.outcomes(res.output))
                logs.append(res.output)
                if timed_out or not verdict.needs_second_run(base_pass, runs[0]):
                    break
        # one run means no test noticed the change: judge calls that equivalent
        v = verdict.judge(base_pass, runs, timed_out=timed_out, max_fail_fraction=max_fail_fraction)
        error = ""
    except Exception as err:  # noqa: BLE001 - one broken container must not stop the factory
        v, error = verdict.Verdict(False, "error"), f"{type(err).__name__}: {err}"[:500]
    record = {"id": mutant.id, "path": mutant.path, "function": mutant.function, "kind": mutant.kind,
              "line": mutant.line, "description": mutant.description, "reason": v.reason,
              "fail_to_pass": v.fail_to_pass, "pass_to_pass": v.pass_to_pass, "runs": len(runs),
              "seconds": round(time.monotonic() - start, 2), "error": error}
    return record, (logs[0] if logs else "")
