"""The one query → act → observe loop. Every stage is a `StageSpec` run through `run_trajectory`.

A reply is first offered to the stage's parser. If it is a final answer, the stage's `act`
applies it (edit files, run the test …); a FormatError from either is fed back to the model.
If it is not a final answer but holds a ```bash block and the stage allows commands, the
command runs in the sandbox and its output is the next observation.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from agent.budget import BudgetExceeded
from agent.parsing import FormatError, extract_command
from agent.prompting import render
from agent.schema import SpendRecord, Step, Trajectory


class Model(Protocol):
    name: str

    def query(self, messages: list[dict], **overrides): ...


@dataclass
class StageSpec:
    name: str                                   # prompt file name and stage label
    parse: Callable[[str], Any]                 # pure: reply -> final value, or FormatError
    act: Callable[[Any, Any], Any] | None = None  # (value, sandbox) -> output; may raise FormatError
    allow_commands: bool = False
    max_turns: int = 3                          # hard cap on model calls, format retries included
    max_commands: int = 0
    exec_timeout_s: float = 60.0
    output_chars: int = 3000                    # observation cap keeps small-model prompts short
    variables: dict = field(default_factory=dict)


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit // 3] + "\n[... output truncated ...]\n" + text[-(2 * limit) // 3:]


def run_trajectory(model: Model, spec: StageSpec, *, sample: int, temperature: float,
                   sandbox=None) -> tuple[Trajectory, Any]:
    variables = dict(spec.variables, allow_commands=spec.allow_commands and sandbox is not None)
    messages = [
        {"role": "system", "content": render(spec.name, "system", **variables)},
        {"role": "user", "content": render(spec.name, "user", **variables)},
    ]
    traj = Trajectory(stage=spec.name, sample=sample, model=getattr(model, "name", ""), temperature=temperature)
    spend = SpendRecord()
    commands_left = spec.max_commands if variables["allow_commands"] else 0
    started = time.monotonic()
    result: Any = None
    try:
        for _turn in range(spec.max_turns):
            reply = model.query(messages, temperature=temperature)
            _add_usage(spend, reply)
            content = reply.content or ""
            messages.append({"role": "assistant", "content": content})
            step = Step(reply=content)
            traj.steps.append(step)
            try:
                value = spec.parse(content)
            except FormatError as err:
                command = extract_command(content) if commands_left > 0 else None
                if command:
                    commands_left -= 1
                    res = sandbox.run(command, timeout=spec.exec_timeout_s)
                    step.command, step.exit_code = command, res.exit_code
                    step.observation = _cap(res.output, spec.output_chars)
                    messages.append({"role": "user", "content": render(
                        "common", "observation", exit_code=res.exit_code, timed_out=res.timed_out,
                        output=step.observation, steps_left=commands_left)})
                else:
                    step.error = str(err)
                    messages.append({"role": "user", "content": render("common", "format_error", error=str(err))})
                continue
            try:
                result = spec.act(value, sandbox) if spec.act else value
            except FormatError as err:
                step.error = str(err)
                messages.append({"role": "user", "content": str(err)})
                continue
            traj.status = "ok"
            break
        else:
            traj.status = "no_output"
            traj.error = traj.steps[-1].error if traj.steps else "no reply"
    except BudgetExceeded as err:
        traj.status, traj.error = "budget", str(err)
    except Exception as err:  # a model or sandbox failure is this sample's failure, not the run's
        traj.status, traj.error = "error", f"{type(err).__name__}: {err}"
    traj.messages = messages
    traj.spend = spend
    traj.duration_s = round(time.monotonic() - started, 3)
    return traj, (result if traj.status == "ok" else None)


def _add_usage(spend: SpendRecord, reply) -> None:
    usage = getattr(reply, "usage", None)
    spend.calls += 1
    if usage is not None:
        spend.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
        spend.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)
        spend.cost_usd += float(getattr(usage, "cost_usd", 0.0) or 0.0)
