"""Hostile commands against DockerSandbox on the real engine (issue 11, items 1-4 and 16). No mocks."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from contextlib import ExitStack

import docker
import pytest

from sandbox.docker_sandbox import DockerSandbox
from tests.support.paths import ROOT

pytestmark = pytest.mark.docker


def _ps(sb) -> str:
    """Command lines of the command user's processes (the keeper, `sleep infinity`, is nobody's)."""
    return sb.run("ps -u $(id -u) -o args").output


# -- 1. our own deadline ---------------------------------------------------------------------------
@pytest.mark.timeout(120)
@pytest.mark.parametrize("escape", ["setsid sleep 40 &", "setsid sleep infinity &"])
def test_setsid_escape_does_not_outlive_the_timeout(docker_sandbox, escape):
    t0 = time.monotonic()
    r = docker_sandbox.run(f"echo started; {escape} sleep 100", timeout=2)
    assert r.timed_out and r.exit_code == -1 and "started" in r.output
    assert time.monotonic() - t0 < 10
    assert "sleep" not in _ps(docker_sandbox)


@pytest.mark.timeout(120)
def test_host_deadline_fires_when_the_container_side_cannot(docker_sandbox):
    # SIGSTOP every other process of the user: the in-container `timeout` and the wrapper never run
    # again, so only the host-side deadline can end this; it then kills them all, not the container.
    t0 = time.monotonic()
    r = docker_sandbox.run("setsid sleep infinity & kill -STOP -1; echo stopped; sleep 100", timeout=2)
    assert r.timed_out and r.exit_code == -1
    assert time.monotonic() - t0 < 20
    assert docker_sandbox.run("echo alive").output.strip() == "alive"
    assert "sleep" not in _ps(docker_sandbox)


def test_setsid_leftover_after_a_normal_end_is_killed(docker_sandbox):
    t0 = time.monotonic()
    r = docker_sandbox.run("setsid sleep 300 & echo done", timeout=60)
    assert (r.exit_code, r.timed_out, r.output.strip()) == (0, False, "done") and time.monotonic() - t0 < 10
    assert "sleep 300" not in _ps(docker_sandbox)


# -- 2. the exit code and the output cap ----------------------------------------------------------
def test_exit_code_cannot_be_forged_and_every_stream_is_capped(docker_sandbox):
    r = docker_sandbox.run("echo __rc=0 >&3; echo '__rc=0' >&2; exit 1")
    assert r.exit_code == 1
    r = docker_sandbox.run("head -c 8M /dev/zero | tr '\\0' x >&3; head -c 8M /dev/zero | tr '\\0' y >&2; exit 0",
                           timeout=60)
    assert r.exit_code == 0 and r.truncated and len(r.output) < 110_000
    r = docker_sandbox.run("echo __rc=0 >&3")
    assert r.exit_code == 1 and "Bad file descriptor" in r.output   # no channel besides stdout/stderr


# -- 3. least privilege ----------------------------------------------------------------------------
def test_container_config_drops_everything(docker_client, docker_sandbox):
    host = docker_client.api.inspect_container(docker_sandbox.id)["HostConfig"]
    assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
    assert "no-new-privileges" in host["SecurityOpt"]
    assert host["NetworkMode"] == "none" and host["Memory"] and host["PidsLimit"] and host["Tmpfs"]["/tmp"]


def test_non_root_user_can_work_but_not_escalate(docker_sandbox):
    assert docker_sandbox.run("id -u").output.strip() == "1000"
    status = docker_sandbox.run("grep -E '^(CapEff|NoNewPrivs)' /proc/self/status").output.split()
    assert status == ["CapEff:", "0000000000000000", "NoNewPrivs:", "1"]
    # An editable install writes into /repo and the venv (no network here, so no build isolation).
    docker_sandbox.write_file("setup.py", "from setuptools import setup\nsetup(name='calc', py_modules=['calc'])\n")
    r = docker_sandbox.run("python setup.py -q develop >/dev/null 2>&1; pip list 2>/dev/null | grep '^calc ';"
                           " cd /tmp && python -m pytest -q /repo/test_calc.py; cd /repo;"
                           " git add -A && git commit -qm x && echo committed", timeout=120)
    assert "/repo" in r.output and "1 failed" in r.output and "committed" in r.output, r.output
    docker_sandbox.write_file("calc.py", "edited by write_file\n")
    assert docker_sandbox.run("echo more >> calc.py && cat calc.py").exit_code == 0  # owned by the user


@pytest.mark.parametrize("image_user", ["sandbox", "root"])
def test_raw_sockets_mknod_chown_fail(docker_client, repo_image, sandbox_run_id, image_user):
    # Images without our user label (prebuilt SWE-bench ones) run commands as root: still no capabilities.
    image = repo_image if image_user == "sandbox" else _root_image(docker_client, repo_image)
    with ExitStack() as stack:
        if image != repo_image:
            stack.callback(docker_client.images.remove, image, force=True)
        _check_no_privileges(DockerSandbox.start(image, client=docker_client,
                                                 labels={"swe-agent.run": sandbox_run_id}), image_user)


def _check_no_privileges(sb: DockerSandbox, image_user: str) -> None:
    with sb:
        assert (sb.run("id -u").output.strip() == "0") == (image_user == "root")
        raw = sb.run("python -c \"import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, 1)\"")
        assert raw.exit_code != 0 and "Operation not permitted" in raw.output
        assert sb.run("mknod /tmp/null c 1 3").exit_code != 0
        assert sb.run("touch /tmp/f && chown 12345 /tmp/f").exit_code != 0
        assert sb.run("chown 0 /repo/calc.py").exit_code != 0 or image_user == "root"
        assert sb.run("kill -9 -1").exit_code != 0   # kills its own wrapper: a failure, never a pass
        assert sb.run("echo still here").output.strip() == "still here"   # the keeper is out of reach


def _root_image(client, repo_image: str) -> str:
    import io
    tag = f"swe-agent/test-rootuser:{repo_image.rsplit(':', 1)[-1]}"
    client.images.build(fileobj=io.BytesIO(f"FROM {repo_image}\nLABEL swe-agent.user=0:0\nUSER 0\n".encode()),
                        tag=tag, rm=True, labels={"swe-agent.managed": "1"})
    return tag


def test_file_size_and_tmp_are_bounded(docker_client, repo_image, sandbox_run_id):
    with DockerSandbox.start(repo_image, client=docker_client, file_limit_mb=4, tmp_size="8m",
                             labels={"swe-agent.run": sandbox_run_id}) as sb:
        r = sb.run("head -c 20M /dev/zero > big; stat -c %s big")
        assert r.exit_code != 0 or int(r.output.split()[-1]) <= 4 * 1024 * 1024
        assert int(sb.run("stat -c %s big").output.strip()) <= 4 * 1024 * 1024
        r = sb.run("for i in 1 2 3; do head -c 3M /dev/zero > /tmp/f$i || exit 1; done")
        assert r.exit_code != 0 and "No space left" in r.output


# -- 4. diff judged by its exit code -------------------------------------------------------------
def test_diff_of_a_crlf_repository(docker_sandbox):
    docker_sandbox.write_file(".gitattributes", "*.py text eol=crlf\n")
    docker_sandbox.write_file("calc.py", "def add(a, b):\n    return a + b\n")
    warn = docker_sandbox.run("git add -A --dry-run . 2>&1 >/dev/null; git diff --stat").output
    assert "CRLF" in warn   # git does write to stderr here: that must not fail the diff
    diff = docker_sandbox.diff()
    assert "+    return a + b" in diff and ".gitattributes" in diff


# -- 16. orphans of killed runs -------------------------------------------------------------------
CHILD = textwrap.dedent("""
    import time
    from sandbox.docker_sandbox import DockerSandbox
    sb = DockerSandbox.start({image!r}, labels={{"swe-agent.run": {run!r}}})
    print(sb.id, flush=True)
    time.sleep(600)
""")


def _owner_process(image: str, run_id: str) -> tuple[subprocess.Popen, str]:
    # `python -c` puts its working directory first on sys.path: the checkout's `sandbox` package.
    proc = subprocess.Popen([sys.executable, "-c", CHILD.format(image=image, run=run_id)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def _exists(client, cid: str) -> bool:
    try:
        client.api.inspect_container(cid)
        return True
    except docker.errors.NotFound:
        return False


@pytest.mark.timeout(300)
def test_gc_and_a_new_run_remove_orphans_of_killed_owners_only(docker_client, repo_image, sandbox_git_repo,
                                                               sandbox_run_id):
    from typer.testing import CliRunner

    from agent.config import SolveConfig
    from agent.sandboxes import sandbox_factory
    from sandbox.cli import app
    dead, dead_id = _owner_process(repo_image, sandbox_run_id)
    live, live_id = _owner_process(repo_image, sandbox_run_id)
    try:
        dead.kill()
        dead.wait()
        assert _exists(docker_client, dead_id)   # SIGKILL: nobody cleaned up
        out = CliRunner().invoke(app, ["gc", "--dry-run"])
        assert out.exit_code == 0 and live_id[:10] not in out.output, out.output
        # (any run starting on this engine meanwhile may already have reaped the orphan: that is the point)
        assert dead_id[:10] in out.output or not _exists(docker_client, dead_id), out.output
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=sandbox_git_repo, capture_output=True,
                                text=True).stdout.strip()
        with ExitStack() as stack:   # a new run starts: it reaps before it makes sandboxes
            sandbox_factory(SolveConfig(), sandbox_git_repo, commit, run_id="pytest-reaper", stack=stack)
        assert not _exists(docker_client, dead_id)
        assert _exists(docker_client, live_id)   # its owner is alive: a running run is never broken
        CliRunner().invoke(app, ["gc"])
        assert _exists(docker_client, live_id)
    finally:
        live.kill()
        live.wait()
        for cid in (dead_id, live_id):
            if cid and _exists(docker_client, cid):
                docker_client.api.remove_container(cid, force=True)
