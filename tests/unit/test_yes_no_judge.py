"""The one-token judge (`reward.verifier: yes_no`): P(yes) from the first token's alternatives.
Real parts: the pure scorer; litellm over HTTP to a scripted OpenAI-compatible server on 127.0.0.1
that returns log probabilities as llama.cpp's server does; the reward stage through the one loop."""
from __future__ import annotations

import math

import pytest

from agent.config import load_config
from agent.model.base import ModelConfig, ModelError
from agent.model.client import LiteLLMModel, _token_logprobs
from agent.parsing import FormatError
from agent.pipeline import stage_context
from agent.progress import Progress
from agent.repo_input import issue_from_text
from agent.schema import Candidate, ExecutionMatrix
from agent.stages.reward import score_candidates
from agent.yes_no import YesNoModel, parse_probability, yes_probability
from tests.support.openai_server import ScriptedOpenAI
from tests.support.pipeline import ISSUE, make_repo

CAND = Candidate(id="cgood", diff="-    return a - b\n+    return a + b\n", key="k", samples=[0], files=["calc/ops.py"])


def test_yes_probability_pools_the_spellings_of_each_word():
    alts = {"Yes": math.log(0.5), " yes": math.log(0.1), "No": math.log(0.2), "NO.": math.log(0.1), "To": math.log(0.1)}
    assert yes_probability("Yes", [alts]) == pytest.approx(0.6 / 0.9)
    assert yes_probability("No", [{"No": 0.0}]) == 0.0


def test_without_usable_alternatives_the_answer_word_decides():
    assert yes_probability("Yes, it does.", []) == 1.0
    assert yes_probability("no", [{"To": -0.1, "Let": -2.0}]) == 0.0       # neither word among them
    assert yes_probability("Maybe", []) is None and yes_probability("", []) is None


def test_parse_probability_reads_what_the_adapter_writes_and_refuses_anything_else():
    assert parse_probability("P(yes) = 0.8312 (answered 'Yes')") == 0.8312
    assert parse_probability("P(yes) = 1.0000 (answered 'yes')") == 1.0
    with pytest.raises(FormatError, match="Yes or No"):
        parse_probability("Score: 8/10")


def test_logprobs_of_both_response_forms_are_read():
    as_dict = {"content": [{"token": "Yes", "logprob": -0.4, "top_logprobs": [{"token": "No", "logprob": -1.2}]}]}
    assert _token_logprobs(as_dict) == [{"No": -1.2, "Yes": -0.4}]
    assert _token_logprobs(None) == [] and _token_logprobs({"content": None}) == []


def test_the_adapter_asks_one_token_with_alternatives_over_http():
    answers = iter([("Yes", {"Yes": math.log(0.7), "No": math.log(0.3)}), ("Let", {"Let": -0.1})])
    with ScriptedOpenAI(lambda messages: next(answers)) as server:
        model = YesNoModel(LiteLLMModel(ModelConfig(name="openai/judge", api_base=server.api_base, retries=0)))
        reply = model.query([{"role": "user", "content": "Does it fix it?"}], temperature=0.0)
        assert reply.content == "P(yes) = 0.7000 (answered 'Yes')" and parse_probability(reply.content) == 0.7
        body = server.bodies[0]
        assert body["max_tokens"] == 1 and body["logprobs"] is True and body["top_logprobs"] == 20
        assert model.query([{"role": "user", "content": "again"}]).content == "Let"   # neither word: left as is


def test_a_server_that_refuses_logprobs_is_asked_for_the_word_alone(caplog):
    """HTTP 400 on `logprobs` (strict OpenAI-compatible servers): the same question without it, a warning
    once, and no second refusal for later calls; the score is then the answer word."""
    with ScriptedOpenAI(lambda messages: "Yes", refuse=("logprobs",)) as server:
        model = YesNoModel(LiteLLMModel(ModelConfig(name="openai/strict", api_base=server.api_base, retries=0)))
        with caplog.at_level("WARNING", logger="agent.yes_no"):
            first = model.query([{"role": "user", "content": "Does it fix it?"}])
            second = model.query([{"role": "user", "content": "And this one?"}])
        assert first.content == second.content == "P(yes) = 1.0000 (answered 'Yes', no log probabilities)"
        assert [("logprobs" in b, b["max_tokens"]) for b in server.bodies] == [(True, 1), (False, 1), (False, 1)]
        assert sum("refuses log probabilities" in r.getMessage() for r in caplog.records) == 1


def test_other_refusals_are_not_mistaken_for_missing_logprobs():
    with ScriptedOpenAI(lambda messages: "Yes", refuse=("logprobs", "max_tokens")) as server:
        model = YesNoModel(LiteLLMModel(ModelConfig(name="openai/strict", api_base=server.api_base, retries=0)))
        with pytest.raises(ModelError, match="BadRequest"):
            model.query([{"role": "user", "content": "Does it fix it?"}])
        assert model.plain is False


def test_the_reward_stage_scores_with_the_yes_no_verifier(tmp_path):
    """A first answer that is neither word gets the format feedback; the second is scored by its logprobs."""
    answers = iter([("Let", {"Let": -0.1}), ("No", {"Yes": math.log(0.25), "No": math.log(0.75)})])
    repo = make_repo(tmp_path)
    with ScriptedOpenAI(lambda messages: next(answers)) as server:
        cfg = load_config(None, [], **{"sandbox": "local", "model.name": "openai/judge", "model.api_base": server.api_base,
                                       "reward.verifier": "yes_no", "reward.samples": 1})
        with stage_context(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, None, Progress(False)) as ctx:
            scores = score_candidates(ctx, [CAND], ExecutionMatrix(candidates=["cgood"], tests=[], cells=[]))
        assert scores["cgood"].mean == 0.25
        asked = server.requests[0]
        assert "Answer with one word: Yes or No." in asked[-1]["content"] and "return a + b" in asked[-1]["content"]
        assert "Yes or No" in server.requests[1][-1]["content"] and len(server.requests) == 2


def test_one_judgement_per_candidate_whatever_reward_samples_says():
    from agent.stages.reward import yes_no_judge
    assert yes_no_judge(load_config(None, ["reward.samples=3"])).samples == 1
    assert yes_no_judge(load_config(None, ["reward.samples=0"])).samples == 0
