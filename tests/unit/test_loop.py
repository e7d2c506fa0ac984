"""The one loop with litellm's mock_response (the real client, no server): final answers, format
errors, Revise feedback and its limits, and the per-sample sampling parameters."""
from __future__ import annotations

from agent.loop import Revise, StageSpec, run_trajectory, sample_seed, sampling_params, step_limits
from agent.model.base import ModelConfig
from agent.model.client import LiteLLMModel
from agent.parsing import FormatError


def model(*answers) -> LiteLLMModel:
    return LiteLLMModel(ModelConfig(name="openai/mock", mock_response=list(answers), retries=0))


def number(text: str) -> int:
    if not text.strip().isdigit():
        raise FormatError("Answer with a number.")
    return int(text)


def spec(act=None, **kw) -> StageSpec:
    s = StageSpec(name="reward", parse=number, act=act, variables={"issue": "i", "diff": "d", "evidence": ""}, **kw)
    s.max_turns = s.turns()
    return s


def test_revise_keeps_the_value_and_feeds_the_message_back_until_done():
    def act(value, sandbox):
        if value < 3:
            raise Revise(f"{value} is too small", value)
        return value * 10
    traj, out = run_trajectory(model("1", "2", "3"), spec(act, max_revisions=2), sample=1, temperature=0.5)
    assert out == 30 and traj.status == "ok" and traj.error is None
    assert [m["content"] for m in traj.messages if m["role"] == "user"][1:] == ["1 is too small", "2 is too small"]
    assert [s.observation for s in traj.steps][:2] == ["1 is too small", "2 is too small"]


def test_when_revisions_run_out_the_last_usable_value_is_the_result():
    def act(value, sandbox):
        raise Revise("still wrong", value)
    traj, out = run_trajectory(model("1", "2", "3"), spec(act, max_revisions=1), sample=1, temperature=0.5)
    assert out == 2 and traj.status == "ok" and "revisions exhausted" in traj.error
    assert traj.spend.calls == 2


def test_format_errors_are_capped_and_end_without_output():
    traj, out = run_trajectory(model("no", "still no", "7"), spec(max_format_errors=1), sample=0, temperature=0)
    assert out is None and traj.status == "no_output" and traj.spend.calls == 2
    assert "number" in traj.error


def test_a_format_error_after_a_usable_revision_keeps_that_revision():
    def act(value, sandbox):
        raise Revise("again", value)
    traj, out = run_trajectory(model("4", "garbage", "garbage"), spec(act, max_revisions=2, max_format_errors=1),
                               sample=0, temperature=0)
    assert out == 4 and traj.status == "ok"


def test_sample_zero_is_greedy_and_seeds_differ_per_sample_and_stage():
    assert sampling_params(0, 0.8, 5, "patch")["temperature"] == 0.0
    assert sampling_params(3, 0.8, 5, "patch")["temperature"] == 0.8
    seeds = {sampling_params(i, 0.8, 5, "patch")["seed"] for i in range(8)}
    assert len(seeds) == 8
    assert sample_seed(5, "patch", 1) == sample_seed(5, "patch", 1) != sample_seed(5, "test", 1)
    assert sample_seed(5, "patch", 1) != sample_seed(6, "patch", 1)
    assert sampling_params(2, 0.8, None, "patch")["seed"] is None


def test_step_limits_of_a_stage_config():
    assert step_limits(1) == {"allow_commands": False, "max_commands": 0, "max_turns": 2}   # answer only
    assert step_limits(4) == {"allow_commands": True, "max_commands": 3, "max_turns": 5}
