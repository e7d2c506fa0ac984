"""Evaluate one prediction the way swebench.harness.run_evaluation.run_instance does.

Same patch application fallbacks, same eval script (venv instead of conda), same grading
(`get_eval_report`), same log files; differences: the container has no network, and every
command is bounded by a timeout.
"""
from __future__ import annotations

import json
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

import docker
from swebench.harness.constants import (APPLY_PATCH_FAIL, APPLY_PATCH_PASS, DOCKER_PATCH, KEY_MODEL,
                                        KEY_PREDICTION, LOG_INSTANCE, LOG_REPORT, LOG_TEST_OUTPUT)
from swebench.harness.grading import get_eval_report
from swebench.harness.run_evaluation import GIT_APPLY_CMDS
from swebench.harness.test_spec.test_spec import TestSpec

from agent.evaluation import container as ctr
from agent.evaluation.spec import eval_script


@dataclass
class InstanceResult:
    instance_id: str
    status: str                  # resolved | unresolved | error | empty_patch
    reason: str = ""             # why error / why unresolved in one line
    eval_s: float = 0.0          # container start → graded
    tests_s: float = 0.0         # the eval script alone

    def to_dict(self) -> dict:
        return asdict(self)


def log_dir_for(report_dir: Path, run_id: str, pred: dict) -> Path:
    """Official layout: logs/run_evaluation/<run_id>/<model with / as __>/<instance_id>/."""
    model = (pred.get(KEY_MODEL) or "None").replace("/", "__")
    return Path(report_dir) / "logs" / "run_evaluation" / run_id / model / pred["instance_id"]


class _Log:
    """run_instance.log, written as we go (no logging module globals shared across threads)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(path, "w", encoding="utf-8")

    def info(self, msg: str) -> None:
        self.fh.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} - INFO - {msg}\n")
        self.fh.flush()

    def close(self) -> None:
        self.fh.close()


def apply_failure(outputs: list[str]) -> str:
    """Why a patch did not apply, in one line: git apply's first `error:` line (it names the file and line),
    else the first line of the last tool's output (patch(1): "can't find file to patch at input line 3")."""
    for out in outputs:
        for line in out.splitlines():
            if line.startswith("error:"):
                return line[len("error:"):].strip()[:200]
    lines = [ln.strip() for ln in (outputs[-1] if outputs else "").splitlines() if ln.strip()]
    return lines[0][:200] if lines else "no output"


def summarize_report(report: dict, instance_id: str) -> str:
    """One line: which FAIL_TO_PASS / PASS_TO_PASS tests failed."""
    ts = report.get(instance_id, {}).get("tests_status") or {}
    f2p = ts.get("FAIL_TO_PASS", {}).get("failure", [])
    p2p = ts.get("PASS_TO_PASS", {}).get("failure", [])
    parts = [f"F2P failing {len(f2p)}: {', '.join(f2p[:2])}" if f2p else "",
             f"P2P failing {len(p2p)}: {', '.join(p2p[:2])}" if p2p else ""]
    if not report.get(instance_id, {}).get("patch_successfully_applied", True):
        parts.insert(0, "tests did not run (no test output markers or bad codes)")
    return "; ".join(p for p in parts if p)


def evaluate(client: docker.DockerClient, spec: TestSpec, pred: dict, image: str, log_dir: Path,
             run_id: str, timeout: float = 1800, online: bool = False, apply_empty: bool = False,
             network: bool = False) -> InstanceResult:
    """Apply pred's patch in a fresh container of image, run the eval script, grade, write logs.

    An existing report.json is reused (resume). apply_empty=True runs the tests on an empty patch
    instead of failing it at `git apply` (that is how `validate` checks the tests fail without a fix).
    The container has no network unless online or network is set (the official harness gives it one).
    """
    iid = spec.instance_id
    report_path = log_dir / LOG_REPORT
    if report_path.exists():
        report = json.loads(report_path.read_text())
        return InstanceResult(iid, "resolved" if report[iid]["resolved"] else "unresolved",
                              summarize_report(report, iid))
    log = _Log(log_dir / LOG_INSTANCE)
    start = time.monotonic()
    patch = pred.get(KEY_PREDICTION) or ""
    try:
        name = f"sweb.eval.{iid.lower()}.{run_id}.{int(time.time() * 1000) % 10**8}"
        net = online or network
        with ctr.eval_container(client, image, name, network=net) as box:
            log.info(f"Container for {iid} started: {box.id[:12]} (network={'on' if net else 'none'})")
            (log_dir / "patch.diff").write_text(patch)
            if patch or not apply_empty:
                ctr.put_file(box, DOCKER_PATCH, patch)
                outputs = []
                for cmd in GIT_APPLY_CMDS:
                    res = ctr.run(box, f"{cmd} {DOCKER_PATCH}", timeout=120)
                    if res.exit_code == 0:
                        log.info(f"{APPLY_PATCH_PASS}:\n{res.output}")
                        break
                    outputs.append(res.output)
                    log.info(f"Failed to apply patch to container: {cmd}")
                else:
                    log.info(f"{APPLY_PATCH_FAIL}:\n{res.output}")
                    return InstanceResult(iid, "error", f"patch did not apply: {apply_failure(outputs)}",
                                          time.monotonic() - start)
            before = ctr.run(box, "git -c core.fileMode=false diff", timeout=120).output.strip()
            log.info(f"Git diff before:\n{before}")
            script = eval_script(spec, online=online)
            (log_dir / "eval.sh").write_text(script)
            ctr.put_file(box, "/eval.sh", script)
            # With a network, pip may use the index again (the image's pip.conf says no-index), as upstream:
            # an eval script's `pip install -e .` then fetches dependencies a patch adds (pylint-4661).
            res = ctr.run(box, "/bin/bash /eval.sh", timeout=timeout, workdir="/",
                          env={"PIP_NO_INDEX": "0"} if network and not online else None)
            log.info(f"Test runtime: {res.seconds:_.2f} seconds")
            with open(log_dir / LOG_TEST_OUTPUT, "w", encoding="utf-8") as fh:
                fh.write(res.output)
                if res.timed_out:
                    fh.write(f"\n\nTimeout error: {timeout} seconds exceeded.")
            if res.timed_out:
                return InstanceResult(iid, "error", f"tests timed out after {timeout:.0f}s",
                                      time.monotonic() - start, res.seconds)
            after = ctr.run(box, "git -c core.fileMode=false diff", timeout=120).output.strip()
            if after != before:
                log.info("Git diff changed after running eval script")
        report = get_eval_report(test_spec=spec, prediction=pred,
                                 test_log_path=str(log_dir / LOG_TEST_OUTPUT), include_tests_status=True)
        report_path.write_text(json.dumps(report, indent=4))
        resolved = report[iid]["resolved"]
        log.info(f"report: {report}\nResult for {iid}: resolved: {resolved}")
        return InstanceResult(iid, "resolved" if resolved else "unresolved", summarize_report(report, iid),
                              time.monotonic() - start, res.seconds)
    except Exception as err:  # noqa: BLE001 - one broken instance must not stop a batch
        log.info(f"Error in evaluating {iid}: {err}\n{traceback.format_exc()}")
        return InstanceResult(iid, "error", f"{type(err).__name__}: {str(err)[:300]}", time.monotonic() - start)
    finally:
        log.close()
