"""`bench` -> `eval` -> report on the in-repo SWE-bench-format dataset (tests/data/minibench), through a
real Docker engine, with no fetched mirror: the repository's mirror is made from files in tests/data.

The model is a scripted OpenAI server: for swe-agent__minicalc-1 it proposes the right fix, for -2 a
plausible wrong one (an empty mean returns 0.0; the hidden test wants ValueError) with a reproduction
test that agrees with it. So the pipeline selects a patch on both, and only the official grading, with
the hidden tests, tells them apart: resolved 1/2, in bench's summary and in `swe-agent eval`'s report.
Cold (environment + two instance images built) this takes ~2-4 min on 2 busy cores; warm < 1 min.
"""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.support import minibench
from agent.cli import app
from tests.support.openai_server import ScriptedOpenAI
from tests.support.pipeline import Script

pytestmark = [pytest.mark.docker, pytest.mark.slow]

FIX = ("minicalc/ops.py\n<<<<<<< SEARCH\n    if value > high:\n        return value\n=======\n"
       "    if value > high:\n        return high\n>>>>>>> REPLACE\n")
REPRO = "```python\nfrom minicalc import clamp\n\n\ndef test_clamp_above():\n    assert clamp(15, 0, 10) == 10\n```"
WRONG = ("minicalc/ops.py\n<<<<<<< SEARCH\n    values = list(values)\n    return sum(values) / len(values)\n=======\n"
         "    values = list(values)\n    if not values:\n        return 0.0\n    return sum(values) / len(values)\n"
         ">>>>>>> REPLACE\n")
WRONG_REPRO = "```python\nfrom minicalc import mean\n\n\ndef test_mean_empty():\n    assert mean([]) == 0.0\n```"


class PerIssue:
    """Answers with the script of the issue the conversation is about (recognised by its wording)."""

    def __init__(self, scripts: dict[str, Script], default: str):
        self.scripts, self.default = scripts, default

    def __call__(self, messages: list[dict]) -> str:
        text = "\n".join(str(m.get("content", "")) for m in messages)
        key = next((k for k in self.scripts if k in text), self.default)
        return self.scripts[key](messages)


@pytest.mark.timeout(900)
def test_bench_eval_report_on_the_in_repo_dataset(docker_client, tmp_path):
    mirrors = tmp_path / "mirrors"
    mirrors.mkdir()
    minibench.make_mirror(mirrors)
    out = tmp_path / "batch"
    respond = PerIssue({
        "above the upper bound": Script(patches=(FIX,), tests=(REPRO,), localize="minicalc/ops.py:clamp",
                                        judge=lambda diff: "Score: 9/10"),
        "ZeroDivisionError": Script(patches=(WRONG,), tests=(WRONG_REPRO,), localize="minicalc/ops.py:mean",
                                    judge=lambda diff: "Score: 8/10"),
    }, default="above the upper bound")
    runner = CliRunner()
    with ScriptedOpenAI(respond) as server:
        res = runner.invoke(app, [
            "bench", "--dataset", str(minibench.DATASET), "-o", str(out), "--model", "openai/scripted",
            "--api-base", server.api_base, "--mirrors", str(mirrors), "--model-name", "scripted",
            "-c", "patch.samples=1", "-c", "test.samples=1", "-c", "reward.samples=1", "-c", "workers=1",
            "-c", "use_selection_trajectory=false", "-c", "early_stop=false",
            "-c", "patch.edit_format=search_replace", "-c", "escalate.rounds=0"])
        assert res.exit_code == 0, res.output + repr(res.exception)
    summary = {r["instance_id"]: r for r in json.loads((out / "summary.json").read_text())}
    assert {i: (r["status"], r["resolved"]) for i, r in summary.items()} == {
        "swe-agent__minicalc-1": ("selected", True), "swe-agent__minicalc-2": ("selected", False)}, summary
    preds = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert {p["instance_id"]: bool(p["model_patch"].strip()) for p in preds} == {
        "swe-agent__minicalc-1": True, "swe-agent__minicalc-2": True}

    # The predictions file bench wrote goes through `swe-agent eval` as any submission would.
    report_dir = tmp_path / "eval"
    res = runner.invoke(app, ["eval", "--dataset", str(minibench.DATASET), "--predictions", str(out / "predictions.jsonl"),
                              "--repo-mirror", str(mirrors), "--report-dir", str(report_dir), "--run-id", "ci"])
    assert res.exit_code == 0, res.output + repr(res.exception)
    report = json.loads((report_dir / "scripted.ci.json").read_text())
    assert report["resolved_ids"] == ["swe-agent__minicalc-1"] and report["unresolved_ids"] == ["swe-agent__minicalc-2"]
    assert report["error_ids"] == [] and report["completed_instances"] == 2
    graded = json.loads((report_dir / "logs/run_evaluation/ci/scripted/swe-agent__minicalc-2/report.json").read_text())
    status = graded["swe-agent__minicalc-2"]["tests_status"]
    assert status["FAIL_TO_PASS"]["failure"] == ["tests/test_ops.py::test_mean_empty"]
    assert len(status["PASS_TO_PASS"]["success"]) == 4

    # And the batch renders as the HTML report.
    res = runner.invoke(app, ["show", str(out)])
    assert res.exit_code == 0, res.output + repr(res.exception)
    page = (out / "report.html").read_text()
    assert "swe-agent__minicalc-1" in page and "swe-agent__minicalc-2" in page
