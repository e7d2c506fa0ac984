"""The whole pipeline with scripted model answers (a real OpenAI-compatible server on 127.0.0.1)
in real Docker sandboxes: selection with every artifact, resume after a kill, Ctrl-C. The rest of the
pipeline's behaviour runs on fakes (local sandbox): integration/test_pipeline_fakes.py."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from agent.pipeline import solve
from agent.progress import Progress
from agent.repo_input import issue_from_text
from agent.schema import Candidate, ExecutionMatrix, TestCase
from tests.support.openai_server import ScriptedOpenAI
from tests.support.pipeline import GOOD, ISSUE, WRONG, Script, config, hidden_test_passes, make_repo

pytestmark = pytest.mark.docker


def test_selects_the_candidate_the_evidence_supports(docker_client, tmp_path):
    repo = make_repo(tmp_path)
    with ScriptedOpenAI(Script()) as server:
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run", config(server.api_base),
                       progress=Progress(False))
    run = tmp_path / "run"
    assert result.status == "selected", result.diagnosis
    assert hidden_test_passes(repo, result.final_diff, tmp_path)
    assert (run / "final.diff").read_text() == result.final_diff
    cands = [Candidate.model_validate(c) for c in json.loads((run / "03_patches/candidates.json").read_text())]
    # GOOD and its comment-only variant are one candidate backed by two samples; WRONG is another.
    assert sorted(c.count for c in cands) == [1, 2]
    assert result.n_patch_samples == 4 and result.n_candidates == 2
    tests = [TestCase.model_validate(t) for t in json.loads((run / "02_tests/tests.json").read_text())]
    # The issue's own check (i000: add(2, 3) == 5, from the issue text) comes first, then the model's.
    assert [(t.id, t.kept) for t in tests] == [("i000", True), ("t000", True), ("t001", False)]
    assert "passes on the original code" in tests[2].reason
    matrix = ExecutionMatrix.model_validate_json((run / "04_execution/matrix.json").read_text())
    good = next(c for c in cands if c.count == 2)
    wrong = next(c for c in cands if c.count == 1)
    assert matrix.get(good.id, "t000").outcome == "pass"
    assert matrix.get(wrong.id, "t000").outcome == "fail"
    assert matrix.baseline_regression is not None and matrix.baseline_regression.outcome == "pass"
    assert matrix.get(good.id, "regression").outcome == "pass"
    assert (run / "06_reward" / f"{good.id}.json").exists()
    decision = json.loads((run / "07_selection/decision.json").read_text())
    assert decision["candidate"] == good.id and decision["confidence"] > 0.5
    assert json.loads((run / "result.json").read_text())["tokens"] > 0


def test_resume_after_kill_redoes_nothing_finished(docker_client, tmp_path):
    repo = make_repo(tmp_path)
    issue_file = tmp_path / "issue.md"
    issue_file.write_text(ISSUE)
    run = tmp_path / "run"
    with ScriptedOpenAI(Script(patches=(GOOD, WRONG)), delay_s=0.7) as server:
        cmd = [sys.executable, "-m", "agent.cli", "solve", str(issue_file), "--repo", str(repo), "--output", str(run),
               "--model", "openai/scripted", "--api-base", server.api_base, "-c", "workers=1",
               "-c", "early_stop=false", "--samples", "6", "-c", "patch.edit_format=search_replace",
               "-c", "patch.max_revisions=0", "-c", "escalate.rounds=0"]
        env = dict(os.environ, CI="1")
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.time() + 180
        while len(list((run / "03_patches").glob("sample_*.json"))) < 2 and time.time() < deadline:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        finished = {p.name: p.read_text() for p in (run / "03_patches").glob("sample_*.json")}
        assert 2 <= len(finished) < 6
        before = {stage: server.count(stage) for stage in ("find the code", "reproduce bug", "fixes bugs")}
        result = solve(issue_from_text(ISSUE), repo, run, config(server.api_base, **{"patch.samples": 6}),
                       progress=Progress(False))
        # Localization and test writing were finished before the kill: not asked again.
        assert server.count("find the code") == before["find the code"]
        assert server.count("reproduce bug") == before["reproduce bug"]
        # Only the patch samples without a file were run again.
        assert server.count("fixes bugs") - before["fixes bugs"] == 6 - len(finished)
    for name, text in finished.items():
        assert (run / "03_patches" / name).read_text() == text
    assert result.n_patch_samples == 6 and result.status == "selected"


@pytest.mark.parametrize("sig,code_expected", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_leaves_at_once_although_a_model_call_is_in_flight(docker_client, tmp_path, sig, code_expected):
    """SIGTERM too (a CI timeout, `kill`): with a model server of the user's (--api-base) its default action
    killed Python on the spot and left the run's sandboxes running; now it unwinds as Ctrl-C does."""
    repo = make_repo(tmp_path)
    issue_file = tmp_path / "issue.md"
    issue_file.write_text(ISSUE)
    # Every answer takes a minute: an interrupted run must not wait for the one in flight.
    with ScriptedOpenAI(Script(), delay_s=60) as server:
        cmd = [sys.executable, "-m", "agent.cli", "solve", str(issue_file), "--repo", str(repo),
               "--output", str(tmp_path / "run"), "--model", "openai/scripted", "--api-base", server.api_base]
        proc = subprocess.Popen(cmd, env=dict(os.environ, CI="1"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 120
        while not server.requests and time.time() < deadline:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            time.sleep(0.2)
        assert server.requests, "no model call started"
        sent = time.time()
        proc.send_signal(sig)
        code = proc.wait(timeout=50)
        assert time.time() - sent < 20 and code == code_expected
        assert "rerun the same command" in proc.stderr.read().decode()
    left = docker_client.containers.list(all=True, filters={"label": f"swe-agent.owner-pid={proc.pid}"})
    assert left == [], [c.name for c in left]
