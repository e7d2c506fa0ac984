"""`swe-agent bench --executor ray` on a REAL local Ray cluster: a head and a second worker node,
started as separate `ray start` processes. Run folders travel back to the driver as tars."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.batch.cli import app
from tests.support.batch import FAST, Router, make_dataset
from tests.support.openai_server import ScriptedOpenAI

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(cmd: list[str], env: dict) -> subprocess.Popen:
    # --block keeps `ray start` in the foreground, in a session of its own: every Ray process it
    # spawns (gcs, raylet, workers) carries that session id, so we can end exactly those (never
    # `ray stop`, which stops every Ray process on the machine, other people's included).
    return subprocess.Popen(cmd + ["--block"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def _session_pids(sid: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields after "(comm)": state, ppid, pgrp, session; a zombie is already gone (just unreaped)
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


def _stop(procs: list[subprocess.Popen]) -> None:
    sessions = [p.pid for p in procs]
    for sig, wait_s in ((signal.SIGTERM, 3), (signal.SIGKILL, 5)):   # throwaway cluster: short grace
        for pid in [pid for sid in sessions for pid in _session_pids(sid)]:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and any(_session_pids(sid) for sid in sessions):
            time.sleep(0.2)
    for p in procs:
        p.wait(timeout=5)


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.skip(f"ray cannot start a head node here: {proc.stderr.read().decode()[-800:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    pytest.skip(f"ray head did not listen on {port} within {timeout:.0f} s")


def _wait_for_nodes(address: str, n: int, procs: list[subprocess.Popen], timeout: float = 60) -> None:
    import ray
    ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(1 for node in ray.nodes() if node.get("Alive")) >= n:
                return
            dead = [p for p in procs if p.poll() is not None]
            if dead:
                pytest.skip(f"a ray node exited: {dead[0].stderr.read().decode()[-800:]}")
            time.sleep(0.2)
        pytest.skip(f"ray cluster at {address} did not reach {n} nodes in {timeout:.0f} s")
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def ray_cluster():
    """Head + worker, 1 CPU each; yields the address. Skips (saying why) only if Ray cannot start."""
    pytest.importorskip("ray")
    ray_bin = Path(sys.executable).with_name("ray")
    if not ray_bin.exists():
        pytest.skip("the `ray` command is not installed next to this Python")
    # A short temp dir: Ray's socket paths must stay under the 107-byte AF_UNIX limit.
    temp = Path("/tmp") / f"ray-bench-{os.getpid()}"
    env = dict(os.environ, RAY_DISABLE_USAGE_STATS="1")
    port = _free_port()
    address = f"127.0.0.1:{port}"
    started = time.monotonic()
    head = _start([str(ray_bin), "start", "--head", f"--port={port}", "--num-cpus=1", "--include-dashboard=false",
                   "--disable-usage-stats", f"--temp-dir={temp}"], env)
    procs = [head]
    try:
        _wait_for_port(port, head)
        procs.append(_start([str(ray_bin), "start", f"--address={address}", "--num-cpus=1"], env))
        _wait_for_nodes(address, 2, procs)
        print(f"ray cluster (head + worker) up in {time.monotonic() - started:.1f} s")
        yield address
    finally:
        _stop(procs)
        shutil.rmtree(temp, ignore_errors=True)


def test_bench_on_a_ray_cluster_brings_run_folders_back(docker_client, ray_cluster, tmp_path):
    dataset = make_dataset(tmp_path / "data", ids=("inst-a", "inst-b"))
    out = tmp_path / "batch"
    started = time.monotonic()
    with ScriptedOpenAI(Router()) as server:
        res = CliRunner().invoke(app, ["bench", "--dataset", str(dataset), "--output", str(out),
                                       "--model", "openai/scripted", "--api-base", server.api_base, *FAST,
                                       "--executor", "ray", "--address", ray_cluster])
        assert res.exit_code == 0, res.output + repr(res.exception)
    print(f"ray batch of 2 instances + grading: {time.monotonic() - started:.1f} s")
    nodes = set()
    for iid in ("inst-a", "inst-b"):
        status = json.loads((out / "instances" / iid / "status.json").read_text())
        assert status["status"] == "done", status
        nodes.add(status["node"])
        run = out / "instances" / iid / "run"
        # Written on a Ray node, packed, returned and unpacked here.
        assert json.loads((run / "result.json").read_text())["issue_id"] == iid
        assert (run / "final.diff").exists() and list((run / "03_patches").glob("sample_*.json"))
    assert list((out / "instances/inst-a/eval").glob("*.log"))     # grade logs came back too
    # "host/<ray node id>": ran inside Ray tasks; 1 CPU per node and both submitted at once → two nodes.
    assert len(nodes) == 2 and all("/" in n for n in nodes), nodes
    summary = {r["instance_id"]: r for r in json.loads((out / "summary.json").read_text())}
    assert summary["inst-a"]["resolved"] is True and summary["inst-b"]["resolved"] is False
    preds = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert [p["instance_id"] for p in preds] == ["inst-a", "inst-b"]
