"""One real SWE-bench Verified instance (pallets__flask-5014) through `bench`: checkout from a local git
mirror, the pipeline in Docker, official grading in the offline-built instance image. The model is
scripted to propose the upstream fix and a reproduction test, so the result is known: resolved.
Skipped, with the reason, without the dataset, the pallets/flask mirror or a Docker engine."""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.batch.cli import app
from tests.support.openai_server import ScriptedOpenAI
from tests.support.pipeline import Script

pytestmark = [pytest.mark.docker, pytest.mark.slow]

DATA = Path("/work/shared/data/swebench/swebench_verified.jsonl.gz")
MIRRORS = Path(os.environ.get("SWE_AGENT_REPO_MIRROR", "/work/.mirror"))
IID = "pallets__flask-5014"
FIX = ('src/flask/blueprints.py\n<<<<<<< SEARCH\n            root_path=root_path,\n        )\n\n        if "." in name:\n'
       '=======\n            root_path=root_path,\n        )\n\n        if not name:\n'
       '            raise ValueError("\'name\' may not be empty.")\n\n        if "." in name:\n>>>>>>> REPLACE\n')
REPRO = ("```python\nimport pytest\nfrom flask import Blueprint\n\n\ndef test_empty_name():\n"
         "    with pytest.raises(ValueError):\n        Blueprint('', __name__)\n```")


def test_real_swebench_instance_is_solved_and_graded(docker_client, tmp_path):
    from agent.evaluation import mirror
    if not DATA.exists():
        pytest.skip(f"SWE-bench Verified not at {DATA}")
    if mirror.find_mirror(MIRRORS, "pallets/flask") is None:
        pytest.skip(f"no pallets/flask mirror under {MIRRORS} (set SWE_AGENT_REPO_MIRROR)")
    with gzip.open(DATA, "rt") as fh:
        row = next(r for r in map(json.loads, fh) if r["instance_id"] == IID)
    dataset = tmp_path / "one.jsonl"
    dataset.write_text(json.dumps(row) + "\n")
    out = tmp_path / "batch"
    script = Script(patches=(FIX,), tests=(REPRO,), localize="src/flask/blueprints.py:Blueprint.__init__",
                    judge=lambda diff: "Score: 9/10")
    with ScriptedOpenAI(script) as server:
        res = CliRunner().invoke(app, [
            "bench", "--dataset", str(dataset), "-o", str(out), "--model", "openai/scripted",
            "--api-base", server.api_base, "--mirrors", str(MIRRORS), "--coverage",
            "-c", "patch.samples=1", "-c", "test.samples=1", "-c", "reward.samples=1", "-c", "workers=1",
            "-c", "use_selection_trajectory=false", "-c", "early_stop=false",
            "-c", "patch.edit_format=search_replace", "-c", "escalate.rounds=0"])
        assert res.exit_code == 0, res.output + repr(res.exception)
    summary = json.loads((out / "summary.json").read_text())
    assert summary[0]["status"] == "selected" and summary[0]["resolved"] is True, summary
    assert summary[0]["coverage"] is True
    # Graded by the official harness code: its report sits in the official log layout.
    reports = list((out / "instances" / IID / "eval").glob("logs/run_evaluation/bench/*/*/report.json"))
    assert reports and json.loads(reports[0].read_text())[IID]["resolved"] is True
    pred = json.loads((out / "predictions.jsonl").read_text())
    assert pred["instance_id"] == IID and "may not be empty" in pred["model_patch"]
