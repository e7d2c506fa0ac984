"""`swe-agent bench` end to end on a tiny local dataset: real git repositories, real Docker sandboxes,
scripted model answers over real HTTP. Grading, resume after a kill, and the hard total budget."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.batch.cli import app
from tests.support.batch import FAST, PLANS, Router, make_dataset, requests_for
from tests.support.openai_server import ScriptedOpenAI

pytestmark = pytest.mark.docker


def bench_args(dataset: Path, out: Path, api_base: str, *extra: str) -> list[str]:
    return ["bench", "--dataset", str(dataset), "--output", str(out), "--model", "openai/scripted",
            "--api-base", api_base, "--model-name", "scripted", *FAST, *extra]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_bench_runs_grades_and_reports(docker_client, tmp_path):
    dataset = make_dataset(tmp_path / "data")
    out = tmp_path / "batch"
    with ScriptedOpenAI(Router()) as server:
        res = CliRunner().invoke(app, bench_args(dataset, out, server.api_base, "--workers", "2", "--coverage"))
        assert res.exit_code == 0, res.output + str(res.exception)
        asked = len(server.requests)
        # A rerun of a finished batch asks the model nothing and grades nothing again.
        t0 = time.monotonic()
        again = CliRunner().invoke(app, bench_args(dataset, out, server.api_base, "--coverage"))
        assert again.exit_code == 0, again.output
        assert len(server.requests) == asked
        assert time.monotonic() - t0 < 20
    preds = read_jsonl(out / "predictions.jsonl")
    assert [p["instance_id"] for p in preds] == list(PLANS)
    assert all(set(p) == {"instance_id", "model_name_or_path", "model_patch"} for p in preds)
    assert all(p["model_name_or_path"] == "scripted" for p in preds)
    summary = {r["instance_id"]: r for r in json.loads((out / "summary.json").read_text())}
    assert summary["inst-a"]["resolved"] is True and summary["inst-c"]["resolved"] is True
    assert summary["inst-a"]["coverage"] is True
    assert summary["inst-b"]["abstained"] and summary["inst-b"]["resolved"] is False
    assert summary["inst-b"]["coverage"] is False          # its only candidate (the wrong one) fails too
    assert all(r["tokens"] > 0 and r["duration_s"] > 0 for r in summary.values())
    for iid in PLANS:
        run = out / "instances" / iid / "run"
        assert (run / "result.json").exists() and (run / "03_patches/candidates.json").exists()
        assert json.loads((out / "instances" / iid / "status.json").read_text())["status"] == "done"
    # The grade really ran the hidden tests: its log shows them.
    log = next((out / "instances/inst-a/eval").glob("*.log")).read_text()
    assert "test_hidden" in log or "passed" in log
    ledger = json.loads((out / "ledger.json").read_text())
    assert ledger["tokens"] == sum(r["tokens"] for r in summary.values())
    assert set(ledger["instances"]) == set(PLANS)
    assert "inst-a" in res.output and "2/3" in res.output     # the final table: 2 of 3 resolved


def test_killed_batch_resumes_without_redoing_finished_instances(docker_client, tmp_path):
    dataset = make_dataset(tmp_path / "data")
    out = tmp_path / "batch"
    with ScriptedOpenAI(Router(), delay_s=0.3) as server:
        cmd = [sys.executable, "-m", "agent.batch.cli", *bench_args(dataset, out, server.api_base, "--no-eval")]
        proc = subprocess.Popen(cmd, env=dict(os.environ, CI="1"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        deadline = time.time() + 240
        while not list(out.glob("instances/*/status.json")) and time.time() < deadline:
            assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
            time.sleep(0.2)
        time.sleep(1.0)   # let the next instance get going, so the kill cuts it mid-way
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        finished = [p.parent.name for p in out.glob("instances/*/status.json")]
        assert 1 <= len(finished) < 3
        before = {iid: requests_for(server, iid) for iid in PLANS}
        res = CliRunner().invoke(app, bench_args(dataset, out, server.api_base, "--no-eval"))
        assert res.exit_code == 0, res.output
        for iid in finished:
            assert requests_for(server, iid) == before[iid], f"{iid} was finished but asked the model again"
        assert sum(requests_for(server, iid) - before[iid] for iid in PLANS) > 0
    # SIGKILL gave the driver no chance to stop the sandbox it had running: remove ours (by the
    # dataset's commit label, which only this test's repository has).
    commit = read_jsonl(dataset)[0]["base_commit"]
    for c in docker_client.containers.list(all=True, filters={"label": f"swe-agent.commit={commit}"}):
        c.remove(force=True)
    preds = read_jsonl(out / "predictions.jsonl")
    assert sorted(p["instance_id"] for p in preds) == sorted(PLANS)      # each once, none lost
    assert all(json.loads((out / "instances" / i / "status.json").read_text())["status"] == "done" for i in PLANS)


def test_sigterm_leaves_at_once_and_removes_the_running_instances_sandboxes(docker_client, tmp_path):
    """A CI timeout or `kill` while instances run (two at once, a model call in flight in each): exit 143 in
    seconds, the resume message, and none of the process's containers left (their threads are not joined)."""
    dataset = make_dataset(tmp_path / "data")
    out = tmp_path / "batch"
    with ScriptedOpenAI(Router(), delay_s=60) as server:
        cmd = [sys.executable, "-m", "agent.batch.cli", *bench_args(dataset, out, server.api_base, "--no-eval",
                                                                    "--workers", "2")]
        proc = subprocess.Popen(cmd, env=dict(os.environ, CI="1"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        mine = {"label": f"swe-agent.owner-pid={proc.pid}"}
        deadline = time.time() + 240
        while not (server.requests and docker_client.containers.list(filters=mine)) and time.time() < deadline:
            assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
            time.sleep(0.2)
        assert server.requests and docker_client.containers.list(filters=mine)
        sent = time.time()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        assert (code, "rerun the same command" in proc.stderr.read().decode()) == (143, True)
        assert time.time() - sent < 30
    left = docker_client.containers.list(all=True, filters=mine)
    assert left == [], [c.name for c in left]


def test_total_budget_stops_submitting_and_a_larger_one_finishes(docker_client, tmp_path):
    dataset = make_dataset(tmp_path / "data")
    out = tmp_path / "batch"
    with ScriptedOpenAI(Router()) as server:
        # Measure one instance's tokens, then allow a total of about one and a half instances.
        probe = CliRunner().invoke(app, bench_args(dataset, tmp_path / "probe", server.api_base, "--no-eval",
                                                   "-i", "inst-a"))
        assert probe.exit_code == 0, probe.output
        assert json.loads((tmp_path / "probe/summary.json").read_text())[0]["status"] == "selected", probe.output
        one = json.loads((tmp_path / "probe/ledger.json").read_text())["tokens"]
        biggest_call = max(len(json.dumps(m)) for m in server.requests) // 2   # generous per-call bound
        server.requests.clear()
        total = int(one * 1.5)
        res = CliRunner().invoke(app, bench_args(dataset, out, server.api_base, "--no-eval",
                                                 "--max-tokens", str(total)))
        assert res.exit_code == 0, res.output
        ledger = json.loads((out / "ledger.json").read_text())
        # Hard: at most the one call in flight when the cap was reached goes over.
        assert ledger["tokens"] <= total + biggest_call
        summary = {r["instance_id"]: r for r in json.loads((out / "summary.json").read_text())}
        # Not submitted, or submitted and refused by the first call's reservation: no call either way.
        assert summary["inst-c"]["status"] in ("not_run", "budget_exhausted") and requests_for(server, "inst-c") == 0
        # Either the pool refused to start it, or its first call's reservation did not fit.
        assert "total budget spent" in res.output or summary["inst-c"]["status"] == "budget_exhausted"
        assert ledger["tokens"] <= total          # reservations: not even the call in flight goes over
        # Raising the total resumes: the finished instance is not redone, the rest run.
        start = len(server.requests)
        res = CliRunner().invoke(app, bench_args(dataset, out, server.api_base, "--no-eval",
                                                 "--max-tokens", str(one * 10)))
        assert res.exit_code == 0, res.output
        # inst-a's finished samples are not redone; only what its share had cut short (the judge) runs.
        new_a = [m for m in server.requests[start:] if "[instance inst-a]" in " ".join(str(x.get("content")) for x in m)]
        assert all("strict code reviewer" in m[0]["content"] for m in new_a)
    summary = {r["instance_id"]: r for r in json.loads((out / "summary.json").read_text())}
    assert summary["inst-c"]["status"] == "selected"


def test_a_model_nobody_can_reach_stops_the_batch_and_a_rerun_finishes_it(docker_client, tmp_path):
    """The first instance says why (connection refused, after the retries); the others are not started
    to fail alike, and a rerun with the server up runs them all."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/v1"      # closed again: nobody listens
    dataset = make_dataset(tmp_path / "data")
    out = tmp_path / "batch"
    res = CliRunner().invoke(app, bench_args(dataset, out, dead, "--no-eval", "-c", "model.retries=1"))
    assert "the model is unavailable: 2 instance(s) not started" in res.output, res.output
    assert res.exit_code == 2, res.output     # as `solve`: a script running `bench && eval` must notice
    summary = {r["instance_id"]: r for r in json.loads((out / "summary.json").read_text())}
    assert summary["inst-a"]["status"] == "error" and "cannot reach the model" in res.output
    assert summary["inst-b"]["status"] == summary["inst-c"]["status"] == "not_run"
    with ScriptedOpenAI(Router()) as server:
        again = CliRunner().invoke(app, bench_args(dataset, out, server.api_base, "--no-eval"))
    assert again.exit_code == 0, again.output
    summary = {r["instance_id"]: r for r in json.loads((out / "summary.json").read_text())}
    assert all(r["status"] not in ("error", "not_run") for r in summary.values()), summary


def test_model_free_bench_fixes_by_the_issue_checks_alone(docker_client, tmp_path):
    """`bench --model-free`: no server, no token; the issue states `add(2, 3)` should return 5, so its check
    drives the one-token search, whose `-` -> `+` is submitted and graded resolved by the hidden test."""
    dataset = make_dataset(tmp_path / "data", ids=("inst-a",))
    out = tmp_path / "batch"
    res = CliRunner().invoke(app, ["bench", "--dataset", str(dataset), "--output", str(out), "--model-free",
                                   "-c", "workers=1", "-c", "exec_timeout_s=60"])
    assert res.exit_code == 0, res.output + str(res.exception)
    row = json.loads((out / "summary.json").read_text())[0]
    assert (row["resolved"], row["tokens"]) == (True, 0), row
    assert read_jsonl(out / "predictions.jsonl")[0]["model_name_or_path"] == "model-free/none"
    bad = CliRunner().invoke(app, ["bench", "--dataset", str(dataset), "--output", str(out), "--model-free",
                                   "--model", "openai/x"])
    assert bad.exit_code == 2 and "contradict" in bad.output
