"""Grade one instance's patches (the final one, optionally every unique candidate) on the node.

SWE-bench rows go through the evaluation package (official eval script + `get_eval_report`, in the
instance image). Rows of a local dataset (`repo_path`: tests and custom benchmarks, no SWE-bench
spec) are graded the same way in spirit: apply the patch and the hidden `test_patch` in a fresh
sandbox of the repository and require every FAIL_TO_PASS and PASS_TO_PASS test to pass.
"""
from __future__ import annotations

import json
import shlex
import tempfile
from contextlib import ExitStack
from pathlib import Path

from pydantic import BaseModel

from agent.batch.task import pack

RUN_ID = "bench"


class GradeJob(BaseModel):
    instance: dict
    patches: dict[str, str]             # name ("final" or a candidate id) -> diff
    config: dict                        # SolveConfig dump (sandbox kind, pip/install for local rows)
    log_dir: str | None = None          # shared disk: logs go here; else they come back as a tar
    mirror_root: str | None = None
    timeout_s: float = 1800


class Graded(BaseModel):
    resolved: dict[str, bool | None]    # None = could not be evaluated (environment error)
    error: str = ""
    logs_tar: bytes | None = None


def _ids(value) -> list[str]:
    return json.loads(value) if isinstance(value, str) else list(value or [])


def grade_local(job: GradeJob, logs: Path) -> dict[str, bool | None]:
    from agent.config import SolveConfig
    from agent.sandboxes import sandbox_factory

    row = job.instance
    tests = _ids(row.get("FAIL_TO_PASS")) + _ids(row.get("PASS_TO_PASS"))
    if not tests:
        raise ValueError("row has no FAIL_TO_PASS / PASS_TO_PASS tests to grade with")
    command = "python -m pytest -q -p no:cacheprovider " + " ".join(shlex.quote(t) for t in tests)
    out: dict[str, bool | None] = {}
    with ExitStack() as stack:
        new_sandbox = sandbox_factory(SolveConfig.model_validate(job.config), Path(row["repo_path"]),
                                      row["base_commit"], run_id=f"{RUN_ID}-eval", stack=stack)
        for name, patch in job.patches.items():
            if not patch.strip():
                out[name] = False           # an empty patch resolves nothing (as the official harness)
                continue
            with new_sandbox() as box:
                log = []
                for label, diff in (("patch", patch), ("test_patch", row.get("test_patch", ""))):
                    if diff and not (applied := box.apply_patch(diff)).ok:
                        log.append(f"{label} did not apply: {applied.message}")
                        break
                else:
                    res = box.run(command, timeout=job.timeout_s)
                    log.append(f"$ {command}\n{res.output}\nexit code {res.exit_code}")
                    out[name] = res.exit_code == 0
                out.setdefault(name, False)
            (logs / f"{name}.log").write_text("\n".join(log))
    return out


def grade_swebench(job: GradeJob, logs: Path) -> dict[str, bool | None]:
    from agent.evaluation import run_all
    from agent.evaluation.run import evaluate, log_dir_for

    row, iid = job.instance, job.instance["instance_id"]
    opts = run_all.EvalOptions(run_id=RUN_ID, report_dir=logs, mirror_root=job.mirror_root,
                               timeout=job.timeout_s)
    client = run_all.docker_client(job.timeout_s)
    try:
        prepared = run_all.prepare(client, [row], opts)[iid]
        if prepared.error:
            raise RuntimeError(prepared.error)
        out: dict[str, bool | None] = {}
        for name, patch in job.patches.items():
            if not patch.strip():
                out[name] = False
                continue
            # One "model" per candidate keeps each in its own official log folder (and report.json
            # there makes a rerun reuse the grade).
            pred = {"instance_id": iid, "model_name_or_path": name, "model_patch": patch}
            res = evaluate(client, prepared.spec, pred, prepared.image, log_dir_for(logs, RUN_ID, pred), RUN_ID,
                           timeout=job.timeout_s)
            out[name] = res.status == "resolved"   # unresolved, patch not applying, timeout: not resolved
        return out
    finally:
        client.close()


def grade_job(job: GradeJob) -> Graded:
    with tempfile.TemporaryDirectory(prefix="swe-bench-eval-") as tmp:
        logs = Path(job.log_dir) if job.log_dir else Path(tmp)
        logs.mkdir(parents=True, exist_ok=True)
        try:
            fn = grade_local if job.instance.get("repo_path") else grade_swebench
            graded = Graded(resolved=fn(job, logs))
        except ImportError as err:
            graded = Graded(resolved={n: None for n in job.patches},
                            error=f"evaluation package unavailable: {err}")
        except Exception as err:  # an environment that cannot be built is a result, not a crash
            graded = Graded(resolved={n: None for n in job.patches}, error=f"{type(err).__name__}: {err}"[:2000])
        if not job.log_dir:
            graded.logs_tar = pack(logs)
        return graded
