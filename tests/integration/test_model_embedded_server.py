"""The embedded model's real llama.cpp server: one real completion through litellm, and no orphan server
when its owner dies (weights, ports and threads without a server: unit/test_model_embedded.py)."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.budget import Ledger
from agent.model.embedded import free_port
from tests.support.paths import ROOT


@pytest.mark.model
def test_one_real_completion_through_litellm(embedded_model):
    from agent.model.client import LiteLLMModel

    ledger = Ledger()
    model = LiteLLMModel(embedded_model.model_copy(update={"temperature": 0.0, "max_tokens": 32}), ledger, "smoke")
    reply = model.query([{"role": "user", "content": "Write a one-line Python function named add that adds a and b."}])
    assert "add" in reply.content  # properties, not exact text: even temperature 0 can vary
    assert reply.usage.prompt_tokens > 10 and 0 < reply.usage.completion_tokens <= 32
    assert reply.usage.cost_usd == 0.0
    assert ledger.snapshot().stages["smoke"].calls == 1


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as f:
            return "\tZ" not in next(line for line in f if line.startswith("State:"))
    except (FileNotFoundError, StopIteration):
        return False


@pytest.mark.model
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=lambda s: s.name)
def test_no_orphan_server_when_the_owner_dies(embedded_model, sig):
    # embedded_model: the weights are installed, so the holder only pays the ~3-5 s load
    code = """
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal: Ctrl-C raises
from agent.model.embedded import EmbeddedModel
with EmbeddedModel() as cfg:
    print(cfg.api_base.split(":")[2].split("/")[0], flush=True)
    time.sleep(600)
"""
    holder = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        port = int(holder.stdout.readline())
        server = _server_pid(holder.pid)
        assert server and free_port(port) != port  # the server is up and holds its port
        holder.send_signal(sig)
        holder.wait(timeout=30)
        deadline = time.monotonic() + 15
        while (_alive(server) or free_port(port) != port) and time.monotonic() < deadline:
            time.sleep(0.1)  # a dying process shows as zombie a moment before its sockets close
        assert not _alive(server), f"server {server} outlived its owner ({sig.name})"
        assert free_port(port) == port
    finally:
        if holder.poll() is None:
            holder.kill()


def _server_pid(parent: int) -> int | None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"agent.model._serve" in cmd and str(parent).encode() in cmd:
                return int(entry.name)
    return None



@pytest.mark.model
def test_a_server_that_dies_under_a_run_is_restarted_on_its_port(embedded_model):
    """Killed for memory or crashed: a new server comes up at the same address, so the calls' retries reach it;
    at most max_restarts times, and a stopped model is never restarted. embedded_model: the weights are installed."""
    import os

    from agent.model.client import LiteLLMModel
    from agent.model.embedded import EmbeddedModel

    em = EmbeddedModel(threads=1, max_restarts=1).start()
    try:
        cfg, first = em.config, em.proc.pid
        os.kill(first, signal.SIGKILL)
        # the call in flight or the next one: refused until the new server listens, then answered (retries)
        model = LiteLLMModel(cfg.model_copy(update={"temperature": 0.0, "max_tokens": 8, "retries": 8}))
        assert model.query([{"role": "user", "content": "Say hi."}]).content.strip()
        assert em.restarts == 1 and em.proc.pid != first and em.config.api_base == cfg.api_base
        crash_log = em.log_path.with_suffix(".exit1.log")     # why the first one died stays readable
        assert crash_log.exists()
        crash_log.unlink()
        second = em.proc.pid
        os.kill(second, signal.SIGKILL)            # beyond max_restarts: left stopped
        deadline = time.monotonic() + 10
        while _alive(second) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2)
        assert em.restarts == 1 and em.proc.poll() is not None
    finally:
        em.stop()
    assert em.proc is None and not _alive(second)


@pytest.mark.model
def test_the_server_continues_an_answer_begun_for_it(embedded_model):
    # The patch stage's prefill (agent/prefill.py): the last message is the answer's start, the reply goes on from it.
    from agent.loop import StageSpec, run_trajectory
    from agent.model.client import LiteLLMModel

    prefix = "```python\n# fixed: add(2, 3) is 5 again\ndef add(a, b):\n"   # no answer of its own starts so
    model = LiteLLMModel(embedded_model.model_copy(update={"temperature": 0.0, "max_tokens": 24}), None, "smoke")
    spec = StageSpec(name="patch_file", parse=str, prefill=prefix, max_turns=1,
                     variables={"issue": "add(2, 3) should return 5", "code": "def add(a, b):\n    return a - b\n",
                                "example_path": "calc.py", "other_code": "", "observed": "", "think": ""})
    traj, answer = run_trajectory(model, spec, sample=0, temperature=0.0)
    assert answer == traj.steps[0].reply and answer.startswith(prefix) and answer.count("def add(") == 1
    assert len(answer) > len(prefix) and 0 < traj.spend.completion_tokens <= 24   # only the continuation is generated
