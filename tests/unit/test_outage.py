"""A provider outage during a run: samples whose model call failed on every try are not finished (a resume
runs them again), calls failing in a row stop the run, and the resumed run ends as an uninterrupted one.
The real client and loop with litellm's mock_response; the run folder on disk."""
from __future__ import annotations

import pytest

from agent.budget import Ledger
from agent.loop import StageSpec, run_trajectory
from agent.model._litellm import litellm
from agent.model.base import ModelConfig, ModelUnavailable
from agent.model.client import LiteLLMModel
from agent.model.health import CallHealth, outage
from agent.parsing import FormatError
from agent.progress import Progress
from agent.runfolder import RunFolder
from agent.sampling import sample_many

DOWN = litellm.ServiceUnavailableError("overloaded", llm_provider="openai", model="x")
BAD = litellm.BadRequestError("context too long", llm_provider="openai", model="x")


def number(text: str) -> int:
    if not text.strip().isdigit():
        raise FormatError("Answer with a number.")
    return int(text)


def run_stage(run: RunFolder, answers: list, n: int = 3, stop_after: int = 3):
    model = LiteLLMModel(ModelConfig(name="openai/mock", mock_response=answers, retries=0,
                                     stop_after_failed_calls=stop_after), sleep=lambda s: None)
    spec = StageSpec(name="reward", parse=number, variables={"issue": "i", "diff": "d", "evidence": ""}, max_turns=1)

    def one(i: int):
        return run_trajectory(model, spec, sample=i, temperature=0.0)[0]

    return sample_many(run, "06_reward", n, one, workers=1, ledger=Ledger(), progress=Progress(False), label="t")


def test_a_sample_lost_to_a_failing_call_is_run_again_on_resume_and_a_refused_one_is_not(tmp_path):
    run = RunFolder(tmp_path / "run")
    first = run_stage(run, [DOWN, BAD, "3"])
    assert [t.status for t in first] == ["error", "error", "ok"]       # this run counts both as failed samples
    assert [run.exists(f"06_reward/sample_{i:03d}.json") for i in range(3)] == [False, True, True]
    again = run_stage(run, ["7"])            # resumed: only the sample the outage took is asked again
    assert [t.output for t in again] == [7, None, 3]
    assert "BadRequestError" in again[1].error   # a call retrying cannot fix stays failed


def test_calls_failing_in_a_row_stop_the_run_and_the_resume_finishes_it(tmp_path):
    run = RunFolder(tmp_path / "run")
    with pytest.raises(ModelUnavailable, match="failed 2 calls in a row"):
        run_stage(run, [DOWN], n=4, stop_after=2)
    assert not list((tmp_path / "run").rglob("sample_*.json"))   # nothing the outage took is kept as finished
    assert [t.output for t in run_stage(run, ["1", "2", "3", "4"], n=4, stop_after=2)] == [1, 2, 3, 4]


def test_the_outage_rule():
    assert [outage(n, 3) for n in (0, 2, 3, 4)] == [False, False, True, True]
    assert not outage(100, 0)                                   # 0: never stop
    h = CallHealth(2)
    assert (h.failed(), h.answered(), h.failed(), h.failed()) == (False, None, False, True)


def test_a_selection_trajectory_lost_to_the_outage_leaves_no_decision_and_the_resume_asks_it(tmp_path):
    """The strong preset's selection call failing every try: this run decides on the evidence, but the
    decision is not cached, so a resume (the provider back) asks the trajectory."""
    from agent.config import load_config
    from agent.schema import Candidate, Cell, ExecutionMatrix, Issue
    from agent.stages.context import StageContext
    from agent.stages.select import select
    from agent.runfolder import DECISION

    cands = [Candidate(id=c, diff=f"diff {c}", key=c, samples=s, files=["a.py"])
             for c, s in (("c1", [0, 1]), ("c2", [2, 3]))]
    m = ExecutionMatrix(candidates=["c1", "c2"], tests=["t1"],
                        cells=[Cell(candidate=c, test="t1", outcome="pass") for c in ("c1", "c2")])
    run = RunFolder(tmp_path / "run")

    def ctx(answers):
        model = LiteLLMModel(ModelConfig(name="openai/mock", mock_response=answers, retries=0), sleep=lambda s: None)
        cfg = load_config(None, ["use_selection_trajectory=true", "select.samples=1", "select.max_steps=1"])
        return StageContext(run=run, config=cfg, issue=Issue(id="i", title="t", body="b"), repo_path=tmp_path, commit="0" * 40,
                            ledger=Ledger(), progress=Progress(False), new_sandbox=lambda: None,
                            make_model=lambda stage, c: model)

    lost = select(ctx([DOWN]), cands, m, {})
    assert lost.status == "selected" and lost.candidate == "c1" and lost.method != "selection_trajectory"
    assert not run.exists(DECISION)
    resumed = select(ctx(["ANSWER: c2"]), cands, m, {})
    assert (resumed.candidate, resumed.method) == ("c2", "selection_trajectory") and run.exists(DECISION)
