"""The one loop with litellm's mock_response (the real client, no server): final answers, format
errors, Revise feedback and its limits, and the per-sample sampling parameters."""
from __future__ import annotations

import pytest

from agent.config import StageConfig
from agent.loop import (Revise, StageSpec, fresh_context, fresh_params, run_trajectory, sample_seed, sampling_params,
                        step_limits, turn_params)
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


class Recording(LiteLLMModel):
    """The real client on mock answers, remembering each call's sampling parameters."""
    def __init__(self, *answers):
        super().__init__(ModelConfig(name="openai/mock", mock_response=list(answers), retries=0))
        self.calls: list[tuple[float, int | None]] = []

    def query(self, messages, **kw):
        self.calls.append((kw.get("temperature"), kw.get("seed")))
        return super().query(messages, **kw)


def test_a_greedy_trajectory_samples_after_a_format_error():
    m = Recording("no", "7")
    traj, out = run_trajectory(m, spec(max_format_errors=1, retry_temperature=0.6), sample=0, temperature=0, seed=11)
    assert out == 7
    assert m.calls == [(0, 11), (0.6, sample_seed(11, "retry", 1))]
    assert [s.temperature for s in traj.steps] == [None, 0.6]      # the record says which turn sampled


def test_a_greedy_revision_that_repeats_itself_samples_next():
    def act(value, sandbox):
        if value < 3:
            raise Revise("too small", value)
        return value
    m = Recording("1", "2", "2", "3")
    traj, out = run_trajectory(m, spec(act, max_revisions=3), sample=0, temperature=0, seed=None)
    assert out == 3
    # A new answer after feedback stays greedy; the repeat ("2" again) makes the next turn sample.
    assert [t for t, _ in m.calls] == [0, 0, 0, 0.7]


def test_a_sampled_trajectory_keeps_its_temperature_and_seed():
    m = Recording("no", "still no", "5")
    run_trajectory(m, spec(max_format_errors=2), sample=2, temperature=0.5, seed=3)
    assert m.calls == [(0.5, 3)] * 3
    assert turn_params(0, 4, 2, True, 0.0) == (0, 4)          # retry_temperature 0: greedy stays greedy
    assert turn_params(0, 4, 2, True, 0.7) == turn_params(0, 4, 2, True, 0.7) != turn_params(0, 4, 3, True, 0.7)


class Sent(Recording):
    """... and the messages each call sent."""
    def __init__(self, *answers):
        super().__init__(*answers)
        self.sent: list[list[dict]] = []

    def query(self, messages, **kw):
        self.sent.append([dict(m) for m in messages])
        return super().query(messages, **kw)


def test_a_fresh_retry_leaves_the_unusable_answer_out_and_notes_the_feedback():
    def act(value, sandbox):
        if value < 3:
            raise Revise("too small", value)
        return value
    m = Sent("no answer here", "2", "5")
    traj, out = run_trajectory(m, spec(act, max_format_errors=1, max_revisions=1, retry_fresh=True),
                               sample=2, temperature=0.5, seed=3)
    assert out == 5
    first, retry, revision = m.sent
    assert [x["role"] for x in first] == ["system", "user"]
    # The retry: the first prompt alone, the feedback as a note; the unusable answer is nowhere in it.
    assert [x["role"] for x in retry] == ["system", "user"] and retry[0] == first[0]
    assert retry[1]["content"].startswith(first[1]["content"]) and "Answer with a number." in retry[1]["content"]
    assert not any("no answer here" in x["content"] for x in retry)
    # A revision continues the fresh conversation: its prompt, the usable answer, the failure.
    assert revision[:2] == retry and [x["content"] for x in revision[2:]] == ["2", "too small"]
    assert m.calls == [(0.5, 3), fresh_params(0.5, 3, 1, 0.7), (0.5, 3)]
    assert fresh_params(0.5, 3, 1, 0.7) == (0.5, sample_seed(3, "fresh", 1)) != (0.5, 3)
    assert [s.fresh for s in traj.steps] == [False, True, False]
    # The record keeps every turn, the unusable answer and its feedback included.
    assert traj.messages[2]["content"] == "no answer here" and "Answer with a number." in traj.messages[3]["content"]
    assert [x["content"] for x in traj.messages[4:]] == ["2", "too small", "5"]


def test_a_greedy_fresh_retry_samples_and_without_retry_fresh_the_conversation_goes_on():
    assert fresh_params(0, 11, 1, 0.6) == (0.6, sample_seed(11, "fresh", 1))
    assert fresh_params(0, None, 1, 0.0) == (0, None)             # retry_temperature 0: greedy stays greedy
    m = Sent("no", "7")
    run_trajectory(m, spec(max_format_errors=1), sample=0, temperature=0, seed=11)
    assert [x["content"] for x in m.sent[1][2:]] == ["no", m.sent[1][3]["content"]] and len(m.sent[1]) == 4
    base = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    assert fresh_context(base, None) == base
    assert fresh_context(base, "bad")[1]["content"].startswith("U\n\nNote: an earlier answer")
    assert StageSpec.from_config("patch", StageConfig(retry_fresh=True), commands=False, parse=number).retry_fresh


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
    # A stuck greedy sample retries at the stage's own sampling temperature.
    assert StageSpec.from_config("patch", StageConfig(temperature=0.9), parse=number).retry_temperature == 0.9
    assert StageSpec.from_config("select", StageConfig(temperature=0.0), parse=number).retry_temperature == 0.7
    assert StageSpec.from_config("patch", StageConfig(retry_temperature=0), parse=number).retry_temperature == 0


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


def test_a_command_run_twice_is_no_stuck_answer(tmp_path):
    # Re-running the same command (a test after looking around) is legitimate: the trajectory stays greedy.
    repo = make_git_repo(tmp_path / "repo")
    m = Recording("```bash\necho hi\n```", "```bash\necho hi\n```", "5")
    s = spec(allow_commands=True, max_commands=2)
    traj, out = run_trajectory(m, s, sample=0, temperature=0, new_sandbox=lambda: LocalSandbox(repo))
    assert out == 5 and [t for t, _ in m.calls] == [0, 0, 0]
    assert [st.command for st in traj.steps[:2]] == ["echo hi", "echo hi"]


def test_no_fresh_retry_after_commands_their_observations_stay(tmp_path):
    repo = make_git_repo(tmp_path / "repo")
    m = Sent("```bash\necho seen-it\n```", "not a number", "5")
    s = spec(allow_commands=True, max_commands=1, max_format_errors=1, retry_fresh=True)
    traj, out = run_trajectory(m, s, sample=1, temperature=0.5, seed=2, new_sandbox=lambda: LocalSandbox(repo))
    assert out == 5 and not any(st.fresh for st in traj.steps)
    assert any("seen-it" in x["content"] for x in m.sent[2] if x["role"] == "user")


def test_a_prefill_is_sent_as_the_answer_start_and_joined_to_each_reply():
    m = Sent("2", "14")        # a continuation, then a reply that repeats the prefix (as llama.cpp's server does)
    def act(value, sandbox):
        if value < 13:
            raise Revise("too small", value)
        return value
    traj, out = run_trajectory(m, spec(act, max_revisions=1, prefill="1"), sample=0, temperature=0)
    assert out == 14 and [s.reply for s in traj.steps] == ["12", "14"]
    assert all(sent[-1] == {"role": "assistant", "content": "1"} for sent in m.sent)
    assert m.sent[1][-3:-1] == [{"role": "assistant", "content": "12"}, {"role": "user", "content": "too small"}]
