"""The one query → act → observe loop. Every stage is a `StageSpec` run through `run_trajectory`.

A reply is first offered to the stage's parser. If it is a final answer, the stage's `act`
applies it (edit files, run the test …). Three kinds of feedback continue the trajectory:
- a FormatError (from parse or act): the answer was unusable; the message goes back to the model
  (at most `max_format_errors` times: a model that cannot produce the format is not helped by more);
- a ```bash block when the stage allows commands: it runs in the sandbox, its output comes back;
- a `Revise` from act: the answer was usable (its value is kept) but execution shows it is not
  done yet (a reproduction check still fails); the failure goes back, up to `max_revisions` times.
When the turns run out after a Revise, the last usable value is the trajectory's result.

A greedy trajectory (temperature 0) that must answer again after a format error, or that repeated an
earlier answer word for word, continues at `retry_temperature` with a seed derived from its own: a
small model at temperature 0 tends to send the same unusable answer back whatever the feedback says.
With `retry_fresh`, the turn after an unusable answer does not show that answer at all: it is asked with the
first prompt alone, the feedback appended as a note, and a seed of its own (`fresh_context`, `fresh_params`);
a small model shown its own answer mostly copies it, at any temperature. Not in a trajectory that ran commands.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from agent.budget import BudgetExceeded
from agent.model.base import Model, ModelRetriesExhausted, ModelUnavailable
from agent.parsing import FormatError, extract_command
from agent.prefill import joined
from agent.prompting import render
from agent.renewable import Renewable
from agent.schema import SpendRecord, Step, Trajectory


class Revise(Exception):
    """Raised by a stage's act: `value` is a usable answer, `message` says why to try again."""

    def __init__(self, message: str, value: Any):
        super().__init__(message)
        self.message, self.value = message, value


@dataclass
class StageSpec:
    name: str                                   # stage label, and the prompt's name in prompts/ unless `prompt`
    parse: Callable[[str], Any]                 # pure: reply -> final value, or FormatError
    act: Callable[[Any, Any], Any] | None = None  # (value, sandbox) -> output; may raise FormatError / Revise
    allow_commands: bool = False
    max_turns: int = 3                          # hard cap on model calls, whatever the feedback
    max_commands: int = 0
    max_format_errors: int = 2                  # unusable answers fed back before giving up
    max_revisions: int = 0                      # Revise feedback turns
    exec_timeout_s: float = 60.0
    output_chars: int = 3000                    # observation cap keeps small-model prompts short
    variables: dict = field(default_factory=dict)
    prompt: str | None = None                   # a prompts/ name or a path to a .yaml template (default: name)
    max_tokens: int | None = None               # per-call answer cap (None: the model's own)
    retry_temperature: float = 0.7              # a greedy trajectory's turns after a stuck answer (see above)
    retry_fresh: bool = False                   # after an unusable answer, ask afresh with a note (see above)
    restore: Callable[[Any], None] | None = None  # brings a new sandbox to the trajectory's files (agent/renewable.py)
    prefill: str = ""                           # every answer starts with this text (agent/prefill.py)

    @classmethod
    def from_config(cls, name: str, cfg, *, commands: bool = True, **fields) -> "StageSpec":
        """A stage's spec from its config section: `cfg.max_steps` sets the command and turn limits
        (step_limits); `commands=False` for a stage answering without a shell (max_steps + 1 turns:
        the answer and one more for a format error). `fields` are the stage's own (parse, act,
        variables, other limits) and win over the config's."""
        limits = step_limits(cfg.max_steps) if commands else {"max_turns": cfg.max_steps + 1}
        own = {"max_tokens": getattr(cfg, "max_tokens", None), "retry_fresh": getattr(cfg, "retry_fresh", False)}
        retry = getattr(cfg, "retry_temperature", None)
        if retry is not None:
            own["retry_temperature"] = retry                 # configured (0: a greedy sample stays greedy)
        elif getattr(cfg, "temperature", 0):
            own["retry_temperature"] = cfg.temperature      # the stage's own sampling temperature
        return cls(name=name, **{**limits, **own, **fields})

    def turns(self) -> int:
        """Every turn a stage can need: the first answer plus each kind of feedback."""
        return 1 + self.max_commands + self.max_format_errors + self.max_revisions

    def needs_sandbox(self) -> bool:
        """`act` gets the sandbox (it runs the answer there), and so do the commands."""
        return self.act is not None or self.allow_commands


def step_limits(max_steps: int) -> dict:
    """StageSpec limits for a stage config's `max_steps`: up to max_steps - 1 shell commands before the
    answer (none at 1), and one turn more than the steps for a format error or the last observation."""
    return {"allow_commands": max_steps > 1, "max_commands": max_steps - 1, "max_turns": max_steps + 1}


def sample_seed(seed: int, stage: str, sample: int) -> int:
    """A per-sample seed derived from the run's seed: a rerun reproduces the same samples."""
    digest = hashlib.sha256(f"{seed}:{stage}:{sample}".encode()).hexdigest()
    return int(digest[:8], 16) & 0x7FFFFFFF


def sampling_params(sample: int, temperature: float, seed: int | None, stage: str) -> dict:
    """Sample 0 of every stage is greedy (the model's best guess); the others are diverse on purpose."""
    if sample == 0:
        return {"temperature": 0.0, "seed": seed if seed is None else sample_seed(seed, stage, 0)}
    return {"temperature": temperature, "seed": None if seed is None else sample_seed(seed, stage, sample)}


def turn_params(temperature: float, seed: int | None, turn: int, stuck: bool, retry_temperature: float
                ) -> tuple[float, int | None]:
    """(temperature, seed) of a turn. Unchanged, except that a greedy trajectory that is stuck (its last
    answer was unusable, or repeated an earlier one) samples at retry_temperature, with a seed of its own
    per turn so that a rerun with the same seed reproduces it."""
    if temperature > 0 or not stuck or retry_temperature <= 0:
        return temperature, seed
    return retry_temperature, None if seed is None else sample_seed(seed, "retry", turn)


def fresh_params(temperature: float, seed: int | None, turn: int, retry_temperature: float
                 ) -> tuple[float, int | None]:
    """(temperature, seed) of a fresh retry: the trajectory's temperature (retry_temperature for a greedy one),
    and a seed of its own per turn, so that the same prompt does not give back the same answer."""
    t = temperature if temperature > 0 or retry_temperature <= 0 else retry_temperature
    return t, None if seed is None else sample_seed(seed, "fresh", turn)


def fresh_context(first: list[dict], feedback: str | None) -> list[dict]:
    """The messages of a fresh retry: the first prompt (system + user) alone, the feedback on the unusable
    answer, if given, appended to the user prompt as a note; the unusable answer itself is left out."""
    if not feedback:
        return [dict(m) for m in first]
    *head, user = first
    return [dict(m) for m in head] + [{"role": "user", "content": render("common", "earlier_answer",
                                                                          prompt=user["content"], feedback=feedback)}]


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit // 3] + "\n[... output truncated ...]\n" + text[-(2 * limit) // 3:]


def run_trajectory(model: Model, spec: StageSpec, *, sample: int, temperature: float,
                   new_sandbox: Callable[[], Any] | None = None, seed: int | None = None) -> tuple[Trajectory, Any]:
    """One trajectory: (its record, its value or None). When the spec needs a sandbox and
    `new_sandbox` is given, the sandbox is opened here once for the whole trajectory and always
    closed; one that fails to open is this sample's error, not the run's."""
    traj = Trajectory(stage=spec.name, sample=sample, model=getattr(model, "name", ""),
                      temperature=temperature, seed=seed)
    if new_sandbox is None or not spec.needs_sandbox():
        return _trajectory(model, spec, traj, None)
    try:
        sandbox = Renewable(new_sandbox, spec.restore)   # a lost container is replaced, the action rerun
    except Exception as err:
        traj.status, traj.error = "error", f"sandbox failed: {err}"
        return traj, None
    with sandbox:
        return _trajectory(model, spec, traj, sandbox)


def _trajectory(model: Model, spec: StageSpec, traj: Trajectory, sandbox) -> tuple[Trajectory, Any]:
    temperature, seed = traj.temperature, traj.seed
    variables = dict(spec.variables, allow_commands=spec.allow_commands and sandbox is not None)
    messages = [
        {"role": "system", "content": render(spec.prompt or spec.name, "system", **variables)},
        {"role": "user", "content": render(spec.prompt or spec.name, "user", **variables)},
    ]
    spend = SpendRecord()
    left = {"commands": spec.max_commands if variables["allow_commands"] else 0,
            "format": spec.max_format_errors, "revisions": spec.max_revisions}
    started = time.monotonic()
    result: Any = None
    final = False
    usable: Any = None            # the last value a Revise kept
    stuck = False                 # the last answer was unusable or a repeat (see turn_params)
    context = list(messages)      # what the next call sends (`messages` records every turn)
    fresh = False                 # the next call is a fresh retry (retry_fresh)
    try:
        for turn in range(max(spec.max_turns, 1)):
            cap = {"max_tokens": spec.max_tokens} if spec.max_tokens else {}
            t, s = (fresh_params(temperature, seed, turn, spec.retry_temperature) if fresh
                    else turn_params(temperature, seed, turn, stuck, spec.retry_temperature))
            ask = context + [{"role": "assistant", "content": spec.prefill}] if spec.prefill else context
            reply = model.query(ask, temperature=t, seed=s, **cap)
            _add_usage(spend, reply)
            content = joined(spec.prefill, reply.content or "")
            repeated = any(m["role"] == "assistant" and m["content"] == content for m in messages)
            messages.append({"role": "assistant", "content": content})
            context.append(messages[-1])
            step = Step(reply=content, temperature=t if t != temperature else None, fresh=fresh)
            traj.steps.append(step)
            kind, message, value = _answer(spec, content, sandbox, step, left)
            stuck = stuck or kind == "format" or (repeated and kind != "command")   # a command may rightly recur
            if kind == "final":
                final, result = True, value
                break
            if value is not None:          # a Revise: usable, but execution says not done
                usable = value
            if kind == "stop":
                break
            messages.append({"role": "user", "content": message})
            # (not after commands: their observations are what the model answers from)
            fresh = spec.retry_fresh and kind == "format" and not any(st.command for st in traj.steps)
            context = fresh_context(messages[:2], message) if fresh else context + [messages[-1]]
        if not final:
            if usable is not None:
                traj.status, result = "ok", usable
                traj.error = "revisions exhausted: the last revision is the result"
            else:
                traj.status = "no_output"
                traj.error = next((s.error for s in reversed(traj.steps) if s.error), None) or "no reply"
    except BudgetExceeded as err:
        traj.status, traj.error = "budget", str(err)
        if usable is not None:    # a revision cut short by the budget keeps the answer it had
            traj.status, result = "ok", usable
    except ModelUnavailable:  # every sample would fail alike: the run stops (this sample is not written)
        raise
    except Exception as err:  # a model or sandbox failure is this sample's failure, not the run's
        traj.status, traj.error = "error", f"{type(err).__name__}: {err}"
        traj.retry_on_resume = isinstance(err, ModelRetriesExhausted)
    traj.messages = messages
    traj.spend = spend
    traj.duration_s = round(time.monotonic() - started, 3)
    traj.output = result if traj.status == "ok" else None      # a stage recording more sets its own
    return traj, traj.output


def _answer(spec: StageSpec, content: str, sandbox, step: Step, left: dict) -> tuple[str, str, Any]:
    """(kind, feedback message, value): kind "final" ends the trajectory with value; "stop" ends it
    without a new answer; the other kinds send the message back to the model."""
    try:
        value = spec.parse(content)
    except FormatError as err:
        command = extract_command(content) if left["commands"] > 0 else None
        if command:
            left["commands"] -= 1
            res = _attempt(sandbox, lambda: sandbox.run(command, timeout=spec.exec_timeout_s))
            step.command, step.exit_code = command, res.exit_code
            step.observation = _cap(res.output, spec.output_chars)
            return "command", render("common", "observation", exit_code=res.exit_code, timed_out=res.timed_out,
                                     output=step.observation, steps_left=left["commands"]), None
        return _format_error(step, left, render("common", "format_error", error=str(err)), str(err))
    try:
        return "final", "", (_attempt(sandbox, lambda: spec.act(value, sandbox)) if spec.act else value)
    except FormatError as err:
        return _format_error(step, left, str(err), str(err))
    except Revise as rev:
        step.observation = _cap(rev.message, spec.output_chars)
        if left["revisions"] <= 0:
            return "stop", "", rev.value
        left["revisions"] -= 1
        return "revise", rev.message, rev.value


def _attempt(sandbox, fn: Callable[[], Any]) -> Any:
    return sandbox.attempt(fn) if isinstance(sandbox, Renewable) else fn()


def _format_error(step: Step, left: dict, message: str, error: str) -> tuple[str, str, None]:
    step.error = error
    if left["format"] <= 0:
        return "stop", "", None
    left["format"] -= 1
    return "format", message, None


def _add_usage(spend: SpendRecord, reply) -> None:
    usage = getattr(reply, "usage", None)
    spend.calls += 1
    if usage is not None:
        spend.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
        spend.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)
        spend.cost_usd += float(getattr(usage, "cost_usd", 0.0) or 0.0)
