"""The one loop with litellm's mock_response (the real client, no server): final answers, format
errors, Revise feedback and its limits, and the per-sample sampling parameters."""
from __future__ import annotations

import pytest

from agent.config import StageConfig
from agent.loop import Revise, StageSpec, run_trajectory, sample_seed, sampling_params, step_limits
from agent.model.base import ModelConfig
from agent.model.client import LiteLLMModel
from agent.parsing import FormatError
from sandbox.base import SandboxError
from sandbox.local_sandbox import LocalSandbox
from tests.support.sandbox import make_git_repo


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


def test_a_spec_from_a_stage_config_takes_its_limits_and_the_stage_own_fields_win():
    s = StageSpec.from_config("localize", StageConfig(max_steps=3), parse=number)
    assert (s.allow_commands, s.max_commands, s.max_turns) == (True, 2, 4) and s.needs_sandbox()
    answer_only = StageSpec.from_config("test", StageConfig(max_steps=2), commands=False, parse=number, max_format_errors=1)
    assert (answer_only.allow_commands, answer_only.max_turns, answer_only.max_format_errors) == (False, 3, 1)
    assert not answer_only.needs_sandbox()
    assert StageSpec.from_config("probe", StageConfig(max_steps=5), commands=False, parse=number, max_turns=2).max_turns == 2


def test_the_trajectory_opens_its_sandbox_once_and_always_closes_it(tmp_path):
    repo = make_git_repo(tmp_path / "repo")
    opened = []

    def new_sandbox():
        opened.append(LocalSandbox(repo))
        return opened[-1]

    def act(value, sandbox):     # one sandbox across the revisions: the file written first is still there
        sandbox.write_file("seen.txt", sandbox.run("cat seen.txt 2>/dev/null").output + f"{value} ")
        if value < 3:
            raise Revise("more", value)
        return sandbox.read_file("seen.txt")
    traj, out = run_trajectory(model("1", "3"), spec(act, max_revisions=2), sample=0, temperature=0,
                               new_sandbox=new_sandbox)
    assert out == "1 3 " and traj.status == "ok" and len(opened) == 1
    with pytest.raises(SandboxError):
        opened[0].run("true")                                     # closed when the trajectory ended
    run_trajectory(model("7"), spec(), sample=0, temperature=0, new_sandbox=new_sandbox)
    assert len(opened) == 1                                       # no act, no commands: no sandbox


def test_a_sandbox_that_fails_to_open_is_the_sample_error_not_the_run():
    def broken():
        raise SandboxError("engine gone")
    traj, out = run_trajectory(model("1"), spec(lambda v, sb: v), sample=2, temperature=0.5, seed=9, new_sandbox=broken)
    assert out is None and traj.status == "error" and traj.error == "sandbox failed: engine gone"
    assert (traj.sample, traj.seed, traj.spend.calls) == (2, 9, 0)
