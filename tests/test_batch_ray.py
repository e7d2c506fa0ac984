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
from batch_fixtures import FAST, Router, make_dataset
from openai_server import ScriptedOpenAI

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(cmd: list[str], env: dict) -> subprocess.Popen:
    # --block keeps `ray start` in the foreground; its own session lets us end exactly the processes
    # we started (never `ray stop`, which would stop every Ray process on the machine).
    return subprocess.Popen(cmd + ["--block"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait_for_nodes(address: str, n: int, procs: list[subprocess.Popen], timeout: float = 90) -> None:
    import ray
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                pytest.skip(f"ray cannot start here: {p.stderr.read().decode()[-800:]}")
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
            alive = sum(1 for node in ray.nodes() if node.get("Alive"))
            ray.shutdown()
            if alive >= n:
                return
        except ConnectionError:
            pass
        time.sleep(0.5)
    pytest.skip(f"ray cluster at {address} did not reach {n} nodes in {timeout:.0f} s")


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
        _wait_for_nodes(address, 1, procs)
        procs.append(_start([str(ray_bin), "start", f"--address={address}", "--num-cpus=1"], env))
        _wait_for_nodes(address, 2, procs)
        print(f"ray cluster (head + worker) up in {time.monotonic() - started:.1f} s")
        yield address
    finally:
        for p in reversed(procs):
            _stop(p)
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
        assert (run / "final.diff").exists() and list((run / "02_patches").glob("sample_*.json"))
        assert list((out / "instances" / iid / "eval").glob("*.log"))   # grade logs came back too
    assert all("/" in n for n in nodes)          # "host/<ray node id>": ran inside Ray tasks
    summary = {r["instance_id"]: r for r in json.loads((out / "summary.json").read_text())}
    assert summary["inst-a"]["resolved"] is True and summary["inst-b"]["resolved"] is False
    preds = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert [p["instance_id"] for p in preds] == ["inst-a", "inst-b"]
