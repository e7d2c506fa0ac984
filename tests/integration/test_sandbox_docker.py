"""DockerSandbox against the real engine (no mocks). Skips only when no engine is reachable."""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import docker
import pytest

from sandbox.base import Sandbox, SandboxError
from sandbox.docker_sandbox import DockerSandbox

pytestmark = pytest.mark.docker


def test_lifecycle_labels_and_idempotent_close(docker_client, repo_image, sandbox_run_id):
    sb = DockerSandbox.start(repo_image, client=docker_client, labels={"swe-agent.run": sandbox_run_id})
    assert isinstance(sb, Sandbox)
    attrs = docker_client.api.inspect_container(sb.id)
    assert attrs["Config"]["Labels"]["swe-agent.managed"] == "1"
    assert attrs["Config"]["Labels"]["swe-agent.run"] == sandbox_run_id
    assert attrs["HostConfig"]["NetworkMode"] == "none"
    assert attrs["HostConfig"]["Memory"] == 2 * 1024**3 and attrs["HostConfig"]["PidsLimit"] == 1024
    assert sb.run("git rev-parse HEAD && git status --porcelain").output.split() == [sb.base_commit]
    sb.close()
    sb.close()
    with pytest.raises(docker.errors.NotFound):
        docker_client.api.inspect_container(sb.id)
    with pytest.raises(SandboxError):
        sb.run("true")


def test_run_is_stateless_with_cwd_env_and_exit_codes(docker_sandbox):
    r = docker_sandbox.run("echo out; echo err >&2; exit 3")
    assert (r.exit_code, r.timed_out, r.truncated) == (3, False, False)
    assert "out" in r.output and "err" in r.output
    docker_sandbox.run("cd /tmp && export FOO=1")
    assert docker_sandbox.run("pwd; echo ${FOO:-unset}").output.split() == ["/repo", "unset"]
    assert docker_sandbox.run("pwd", cwd="/tmp").output.strip() == "/tmp"
    assert docker_sandbox.run("echo $FOO", env={"FOO": "bar"}).output.strip() == "bar"
    assert docker_sandbox.run("which python pytest").output.split() == ["/opt/venv/bin/python", "/opt/venv/bin/pytest"]
    r = docker_sandbox.run("python -m pytest -q test_calc.py")
    assert r.exit_code == 1 and "1 failed" in r.output


def test_host_environment_does_not_leak(docker_sandbox, monkeypatch):
    monkeypatch.setenv("SWE_AGENT_TEST_SECRET", "s3cr3t")
    assert "s3cr3t" not in docker_sandbox.run("env").output


def test_timeout_kills_and_returns_quickly(docker_sandbox):
    t0 = time.monotonic()
    r = docker_sandbox.run("echo started; sleep 100", timeout=2)
    assert r.timed_out and r.exit_code == -1 and "started" in r.output
    assert time.monotonic() - t0 < 10
    assert "sleep 100" not in docker_sandbox.run("ps -eo args").output  # the whole group was killed


def test_background_leftovers_do_not_block_or_survive(docker_sandbox):
    t0 = time.monotonic()
    r = docker_sandbox.run("sleep 100 & echo done", timeout=30)
    assert r.exit_code == 0 and not r.timed_out and time.monotonic() - t0 < 10
    assert "sleep 100" not in docker_sandbox.run("ps -eo args").output


def test_output_is_capped_head_and_tail(docker_sandbox):
    r = docker_sandbox.run("echo FIRST; yes | head -c 50M; echo; echo LAST", timeout=60)
    assert r.truncated and r.exit_code == 0
    assert r.output.startswith("FIRST") and r.output.rstrip().endswith("LAST")
    assert len(r.output) < 110_000 and "truncated" in r.output


def test_no_network(docker_sandbox):
    r = docker_sandbox.run("python -c \"import socket; socket.create_connection(('1.1.1.1', 53), timeout=3)\"")
    assert r.exit_code != 0 and "unreachable" in r.output.lower()
    r = docker_sandbox.run("python -c \"import socket; socket.getaddrinfo('pypi.org', 443)\"")
    assert r.exit_code != 0 and "gaierror" in r.output
    # ... but the loopback works: tests that serve on localhost (http servers, linkcheck) can run.
    r = docker_sandbox.run("python -c \"import socket; s = socket.socket(); s.bind(('localhost', 0)); s.listen(); "
                           "socket.create_connection(s.getsockname(), timeout=3); print('loopback ok')\"")
    assert r.exit_code == 0 and "loopback ok" in r.output, r.output


def test_memory_limit_is_enforced(docker_client, repo_image, sandbox_run_id):
    with DockerSandbox.start(repo_image, client=docker_client, mem_limit="128m",
                             labels={"swe-agent.run": sandbox_run_id}) as sb:
        r = sb.run("python -c \"x = bytearray(400 * 1024 * 1024); print('survived')\"", timeout=60)
        assert r.exit_code == 137 and not r.timed_out and "survived" not in r.output
        assert sb.run("python -c \"x = bytearray(16 * 1024 * 1024); print('ok')\"").output.strip() == "ok"


def test_files_non_ascii_new_dirs_and_missing(docker_sandbox):
    docker_sandbox.write_file("pkg/sub dir/ünïcode.py", "x = 'ü€'\n")
    assert docker_sandbox.read_file("pkg/sub dir/ünïcode.py") == "x = 'ü€'\n"
    assert docker_sandbox.read_file("/repo/pkg/sub dir/ünïcode.py") == "x = 'ü€'\n"
    assert docker_sandbox.run("cat 'pkg/sub dir/ünïcode.py'").output == "x = 'ü€'\n"
    docker_sandbox.write_file("calc.py", "replaced\n")
    assert docker_sandbox.read_file("calc.py") == "replaced\n"
    docker_sandbox.run("ln -s calc.py link.py")
    assert docker_sandbox.read_file("link.py") == "replaced\n"
    with pytest.raises(FileNotFoundError):
        docker_sandbox.read_file("nope.py")


def test_diff_includes_new_files_excludes_junk_and_applies(docker_client, repo_image, docker_sandbox, sandbox_run_id):
    assert docker_sandbox.diff() == ""
    docker_sandbox.write_file("calc.py", "def add(a, b):\n    return a + b\n")
    docker_sandbox.write_file("docs/new.md", "# new\n")
    docker_sandbox.run("chmod -x run.sh; mkdir -p __pycache__ && touch __pycache__/x.pyc junk.pyc out.log")
    docker_sandbox.run("python -m pytest -q -p no:cacheprovider test_calc.py")
    diff = docker_sandbox.diff()
    assert "+    return a + b" in diff and "docs/new.md" in diff and "new file mode" in diff
    assert "pyc" not in diff and "out.log" not in diff and "run.sh" not in diff
    assert docker_sandbox.run("git status --porcelain").output.count("??") >= 1  # real index untouched
    with DockerSandbox.start(repo_image, client=docker_client, labels={"swe-agent.run": sandbox_run_id}) as fresh:
        res = fresh.apply_patch(diff)
        assert res.ok, res.message
        assert fresh.diff() == diff
        assert fresh.run("python -m pytest -q test_calc.py").exit_code == 0
        bad = diff.replace("-    return a - b", "-    return a * b")
        res = fresh.apply_patch(bad)
        assert not res.ok and "patch" in res.message.lower()
        assert fresh.diff() == diff  # nothing half-applied


def test_fork_carries_state_and_is_independent(docker_client, docker_sandbox):
    docker_sandbox.write_file("calc.py", "parent\n")
    docker_sandbox.run("echo outside > ~/state; echo scratch > /tmp/scratch")
    with docker_sandbox.fork() as child:
        assert child.read_file("calc.py") == "parent\n"
        assert child.run("cat ~/state").output.strip() == "outside"
        assert child.run("cat /tmp/scratch").exit_code != 0   # /tmp is a tmpfs: scratch, not state
        assert child.diff() == docker_sandbox.diff()
        child.write_file("calc.py", "child\n")
        docker_sandbox.write_file("other.py", "parent only\n")
        assert docker_sandbox.read_file("calc.py") == "parent\n"
        with pytest.raises(FileNotFoundError):
            child.read_file("other.py")
        image = child.image
        assert docker_client.images.get(image).labels["swe-agent.kind"] == "fork"
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.images.get(image)  # the temporary image went with the fork


def test_eight_concurrent_sandboxes(docker_client, repo_image, sandbox_run_id):
    def use(i: int) -> str:
        with DockerSandbox.start(repo_image, client=docker_client, labels={"swe-agent.run": sandbox_run_id}) as sb:
            sb.write_file("n.txt", str(i))
            return sb.run("cat n.txt").output

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(use, range(8))) == [str(i) for i in range(8)]


def test_gc_removes_leftovers_of_a_run(docker_client, repo_image):
    from sandbox import gc
    run_id = f"gc-test-{os.getpid()}-{time.time_ns()}"
    sb = DockerSandbox.start(repo_image, client=docker_client, labels={"swe-agent.run": run_id})
    child = sb.fork()  # an interrupted run: neither is closed
    found = gc.collect(docker_client, run_id=run_id, dry_run=True)
    assert len(found.containers) == 2 and found.images == [child.image]
    assert docker_client.api.inspect_container(sb.id)  # dry run removed nothing
    from typer.testing import CliRunner
    from sandbox.cli import app
    out = CliRunner().invoke(app, ["gc", "--run", run_id, "--dry-run"])
    assert out.exit_code == 0 and "would remove 2 container(s), 1 image(s)" in out.output
    gc.collect(docker_client, run_id=run_id)
    for cid in (sb.id, child.id):
        with pytest.raises(docker.errors.NotFound):
            docker_client.api.inspect_container(cid)
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.images.get(child.image)
    assert gc.collect(docker_client, run_id=run_id, dry_run=True).containers == []
    child.close()
    sb.close()  # closing after gc is harmless


def test_repo_image_is_reused(docker_client, sandbox_git_repo, repo_image):
    from sandbox.images import RepoRecipe, ensure_repo_image
    since = f"{time.time():.9f}"     # the engine takes fractional seconds: the fixture's own build is before it
    assert ensure_repo_image(docker_client, RepoRecipe(repo_path=str(sandbox_git_repo))) == repo_image
    # Not rebuilt: the engine tagged no image of that name since (a timing bound would fail on a loaded machine).
    events = docker_client.events(since=since, until=f"{time.time() + 1:.9f}", decode=True,
                                  filters={"type": "image", "event": "tag"})
    assert [e for e in events if repo_image in str(e.get("Actor", {}).get("Attributes", {}).get("name", ""))] == []
    labels = docker_client.images.get(repo_image).labels
    assert labels["swe-agent.kind"] == "repo" and len(labels["swe-agent.commit"]) == 40


def test_runs_reaping_the_same_leftovers_at_once_do_not_fail(docker_client, repo_image):
    # Two runs that start together both reap a dead run's containers; the engine tells the slower one
    # 409 "removal ... is already in progress" (seen when two benchmarks started after a kill).
    from concurrent.futures import ThreadPoolExecutor
    from sandbox import gc
    run_id = f"gc-race-{os.getpid()}-{time.time_ns()}"
    boxes = [DockerSandbox.start(repo_image, client=docker_client, labels={"swe-agent.run": run_id}) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: gc.collect(docker_client, run_id=run_id), range(4)))
    assert gc.collect(docker_client, run_id=run_id, dry_run=True).containers == []
    for sb in boxes:
        sb.close()


def test_an_interrupted_run_removes_its_own_sandboxes_only(docker_client, repo_image):
    # Ctrl-C: solve leaves without joining its worker threads; reap_own removes the containers that process
    # started (its owner pid) and nothing else. The "run" is a child process, so this test's own sandboxes
    # (same engine, owned by the pytest process) show that others are left alone.
    import subprocess
    import sys
    mine = DockerSandbox.start(repo_image, client=docker_client)
    child = subprocess.run([sys.executable, "-c", (
        "import docker\nfrom sandbox.docker_sandbox import DockerSandbox\nfrom sandbox.gc import reap_own\n"
        f"c = docker.from_env()\nsb = DockerSandbox.start({repo_image!r}, client=c)\nprint(sb.id)\nprint(reap_own(c))\n")],
        capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    started, reaped = child.stdout.split()
    assert reaped == "1"
    with pytest.raises(docker.errors.NotFound):
        docker_client.api.inspect_container(started)
    assert docker_client.api.inspect_container(mine.id)["State"]["Running"]
    mine.close()
