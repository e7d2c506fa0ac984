"""The whole pipeline on fakes: the local sandbox backend (a temporary checkout, no Docker) and a
scripted OpenAI-compatible server in a thread on 127.0.0.1 (no model). The same behaviours as
integration/test_pipeline.py, which keeps them in real Docker sandboxes. Not faster than Docker yet
(measured idle: 26–34 s each here against 14–20 s for the Docker versions): what they buy is a pipeline
test on a machine without a container engine."""
from __future__ import annotations

from agent.pipeline import solve
from agent.progress import Progress
from agent.repo_input import issue_from_text
from agent.runfolder import RunFolder
from tests.support.openai_server import ScriptedOpenAI
from tests.support.pipeline import GOOD, ISSUE, WRONG, Script, config, hidden_test_passes, make_repo


def fake_config(api_base: str, **over):
    return config(api_base, **{"sandbox": "local", **over})


def test_selects_the_candidate_the_evidence_supports(tmp_path):
    repo = make_repo(tmp_path)
    with ScriptedOpenAI(Script()) as server:
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run", fake_config(server.api_base),
                       progress=Progress(False))
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
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run",
                       fake_config(server.api_base, **{"patch.samples": 2}), progress=Progress(False))
    assert result.status == "abstained" and result.final_diff == ""
    assert (tmp_path / "run" / "final.diff").read_text() == ""


def test_a_rerun_of_a_finished_folder_asks_the_model_nothing_and_decides_the_same(tmp_path):
    repo = make_repo(tmp_path)
    with ScriptedOpenAI(Script(patches=(GOOD, WRONG))) as server:
        first = solve(issue_from_text(ISSUE), repo, tmp_path / "run",
                      fake_config(server.api_base, **{"patch.samples": 2}), progress=Progress(False))
        asked = len(server.requests)
        again = solve(issue_from_text(ISSUE), repo, tmp_path / "run",
                      fake_config(server.api_base, **{"patch.samples": 2}), progress=Progress(False))
        assert len(server.requests) == asked
    assert first.status == "selected" and (again.status, again.final_diff) == (first.status, first.final_diff)
