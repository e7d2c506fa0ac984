"""The pipeline's behaviour on fakes: the local sandbox backend (a temporary checkout, no Docker) and
a scripted OpenAI-compatible server in a thread on 127.0.0.1 (no model). Selection, abstention,
bad answers, budgets, early stop and resumes. integration/test_pipeline.py keeps a small set in real
Docker sandboxes (selection with every artifact, a resume after a kill, Ctrl-C)."""
from __future__ import annotations

import json

import pytest

from agent.model.base import ModelUnavailable
from agent.pipeline import RunMismatch, solve
from agent.progress import Progress
from agent.repo_input import issue_from_text
from agent.runfolder import RunFolder
from tests.support.openai_server import ScriptedOpenAI
from tests.support.pipeline import GARBAGE, GOOD, ISSUE, WRONG, Script, config, hidden_test_passes, make_repo


pytestmark = pytest.mark.usefixtures("venv_python_first")


def fake_config(api_base: str, **over):
    return config(api_base, **{"sandbox": "local", **over})


def run_solve(repo, run, cfg, issue: str = ISSUE):
    return solve(issue_from_text(issue), repo, run, cfg, progress=Progress(False))


def test_selects_the_candidate_the_evidence_supports(tmp_path):
    repo = make_repo(tmp_path)
    with ScriptedOpenAI(Script()) as server:
        result = run_solve(repo, tmp_path / "run", fake_config(server.api_base))
    assert result.status == "selected", result.diagnosis
    assert hidden_test_passes(repo, result.final_diff, tmp_path)
    run = RunFolder(tmp_path / "run")
    # GOOD and its comment-only variant are one candidate backed by two samples; WRONG is another.
    assert sorted(c.count for c in run.candidates()) == [1, 2]
    assert [(t.id, t.kept) for t in run.tests()] == [("i000", True), ("t000", True), ("t001", False)]
    good = next(c for c in run.candidates() if c.count == 2)
    assert run.matrix().get(good.id, "i000").outcome == "pass"
    assert run.decision().candidate == good.id and run.decision().confidence > 0.5


def test_abstains_when_no_candidate_has_evidence(tmp_path):
    repo = make_repo(tmp_path)
    script = Script(patches=(WRONG,), judge=lambda diff: "Score: 1/10")
    with ScriptedOpenAI(script) as server:
        result = run_solve(repo, tmp_path / "run", fake_config(server.api_base, **{"patch.samples": 2}))
    assert result.status == "abstained" and result.final_diff == ""
    assert "No candidate passes" in result.diagnosis
    assert (tmp_path / "run/final.diff").read_text() == ""


def test_garbage_and_failing_model_are_recorded_not_fatal(tmp_path):
    repo = make_repo(tmp_path)

    def respond(messages):
        if "fixes bugs" in messages[0]["content"]:
            raise RuntimeError("model crashed")  # the server answers HTTP 500
        return GARBAGE

    cfg = fake_config(api_base="", **{"patch.samples": 2, "model.retries": 1})
    with ScriptedOpenAI(respond) as server:
        cfg.model.api_base = server.api_base
        result = run_solve(repo, tmp_path / "run", cfg)
    assert result.status == "abstained"
    assert result.funnel["lost"] == {"error": 2}        # failed samples (2 calls in a row: no outage yet)
    # A call that failed every try is not finished work: not on disk, so a rerun asks it again.
    assert not list((tmp_path / "run/03_patches").glob("sample_*.json"))
    with ScriptedOpenAI(lambda messages: GARBAGE) as server:
        cfg.model.api_base = server.api_base
        run_solve(repo, tmp_path / "run", cfg)
    samples = sorted((tmp_path / "run/03_patches").glob("sample_*.json"))
    assert len(samples) == 2 and all(json.loads(p.read_text())["status"] != "error" for p in samples)


def test_a_model_server_that_goes_away_stops_the_run_and_a_rerun_resumes_it(tmp_path):
    """Connection refused is not one sample's failure: the run stops with a clear error, instead of
    recording every sample as failed and abstaining on answers no model gave; a rerun resumes it."""
    repo = make_repo(tmp_path)
    script = Script()

    def respond(messages):
        if "fixes bugs" in messages[0]["content"]:      # the patch stage: the server goes away
            server.server.shutdown()
            server.server.server_close()
            raise RuntimeError("shutting down")          # this answer is an HTTP 500; the retry is refused
        return script(messages)

    server = ScriptedOpenAI(respond)
    with server:
        with pytest.raises(ModelUnavailable, match=f"cannot reach the model .* at {server.api_base}"):
            run_solve(repo, tmp_path / "run", fake_config(server.api_base, **{"model.retries": 1}))
    run = tmp_path / "run"
    assert not list((run / "03_patches").glob("sample_*.json"))     # nothing recorded as the model's failure
    assert list((run / "02_tests").glob("sample_*.json"))            # what finished is kept
    with ScriptedOpenAI(Script()) as again:
        result = run_solve(repo, run, fake_config(again.api_base))
    assert result.status == "selected", result.diagnosis
    asked = [m[0]["content"] for m in again.requests]
    assert not any("find the code" in a or "reproduce bug reports" in a for a in asked)   # not asked again
    assert any("fixes bugs" in a for a in asked)


def test_budget_zero_and_token_cap_stop_cleanly(tmp_path):
    repo = make_repo(tmp_path)
    with ScriptedOpenAI(Script()) as server:
        r0 = run_solve(repo, tmp_path / "run0", fake_config(server.api_base, budget_usd=0))
        assert len(server.requests) == 0
        assert r0.status == "budget_exhausted" and "budget" in r0.stopped_reason
        # A call goes out only if its worst case (prompt + max_tokens) fits: under 50 tokens none does.
        r1 = run_solve(repo, tmp_path / "run1", fake_config(server.api_base, max_tokens=50))
        assert r1.stopped_reason and "token cap" in r1.stopped_reason and len(server.requests) == 0
        r2 = run_solve(repo, tmp_path / "run2", fake_config(server.api_base, max_tokens=3000))
        assert r2.stopped_reason and "token cap" in r2.stopped_reason and len(server.requests) >= 1
    ledger = json.loads((tmp_path / "run2/ledger.json").read_text())
    used = sum(s["prompt_tokens"] + s["completion_tokens"] for s in ledger["stages"].values())
    assert ledger["max_tokens"] == 3000 and 0 < used <= 3000     # hard: never over, not even by one call


def test_early_stop_when_evidence_is_decisive(tmp_path):
    repo = make_repo(tmp_path)
    with ScriptedOpenAI(Script(patches=(GOOD,))) as server:
        cfg = fake_config(server.api_base, early_stop=True, early_stop_agree=2, **{"patch.samples": 8})
        result = run_solve(repo, tmp_path / "run", cfg)
        assert server.count("fixes bugs") == 2
    assert result.status == "selected" and result.n_patch_samples == 2


def test_run_folder_of_another_issue_is_refused(tmp_path):
    repo = make_repo(tmp_path)
    with ScriptedOpenAI(Script()) as server:
        cfg = fake_config(server.api_base, budget_usd=0)
        run_solve(repo, tmp_path / "run", cfg)
        with pytest.raises(RunMismatch):
            run_solve(repo, tmp_path / "run", cfg, issue="another issue\nbody")


def test_resuming_with_another_model_is_refused(tmp_path):
    """Its samples would be reused under the new model's name (config.json relabelled, no call made)."""
    repo = make_repo(tmp_path)
    with ScriptedOpenAI(Script()) as server:
        run_solve(repo, tmp_path / "run", fake_config(server.api_base, budget_usd=0))
        with pytest.raises(RunMismatch, match="openai/scripted"):
            run_solve(repo, tmp_path / "run", fake_config(server.api_base, budget_usd=0, **{"model.name": "openai/other"}))
        with pytest.raises(RunMismatch, match="patch: openai/other"):
            run_solve(repo, tmp_path / "run", fake_config(server.api_base, budget_usd=0, **{"patch.model": {"name": "openai/other"}}))
    assert '"openai/other"' not in (tmp_path / "run" / "config.json").read_text()


def test_resume_with_more_samples_decides_again(tmp_path):
    repo = make_repo(tmp_path)
    with ScriptedOpenAI(Script(patches=(WRONG, GOOD), judge=lambda diff: "Score: 1/10")) as server:
        first = run_solve(repo, tmp_path / "run", fake_config(server.api_base, **{"patch.samples": 1}))
        assert first.status == "abstained"
        more = run_solve(repo, tmp_path / "run", fake_config(server.api_base, **{"patch.samples": 2}))
        assert server.count("fixes bugs") == 2          # the first sample was reused
    assert more.status == "selected" and "a + b" in more.final_diff


def test_a_rerun_of_a_finished_folder_asks_the_model_nothing_and_decides_the_same(tmp_path):
    repo = make_repo(tmp_path)
    with ScriptedOpenAI(Script(patches=(GOOD, WRONG))) as server:
        first = run_solve(repo, tmp_path / "run", fake_config(server.api_base, **{"patch.samples": 2}))
        asked = len(server.requests)
        again = run_solve(repo, tmp_path / "run", fake_config(server.api_base, **{"patch.samples": 2}))
        assert len(server.requests) == asked
    assert first.status == "selected" and (again.status, again.final_diff) == (first.status, first.final_diff)
