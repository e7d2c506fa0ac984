"""LocalSandbox (git worktree + subprocess) and the pure helpers; no Docker needed."""
from __future__ import annotations

import os
import subprocess
import time

import pytest

from conftest_sandbox import make_git_repo
from sandbox import rootfs, shell
from sandbox.base import Sandbox, SandboxError
from sandbox.local_sandbox import LocalSandbox


@pytest.fixture
def local(tmp_path):
    repo = make_git_repo(tmp_path / "repo")
    with LocalSandbox(repo) as sb:
        yield sb


def test_worktree_lifecycle_leaves_repo_untouched(tmp_path):
    repo = make_git_repo(tmp_path / "repo")
    sb = LocalSandbox(repo)
    assert isinstance(sb, Sandbox) and os.path.isdir(sb.workdir)
    sb.write_file("calc.py", "changed\n")
    assert (repo / "calc.py").read_text().startswith("def add")
    sb.close()
    sb.close()
    assert not os.path.exists(sb.workdir)
    assert "worktree" not in subprocess.run(["git", "worktree", "list"], cwd=repo, capture_output=True,
                                            text=True).stdout.split("\n", 1)[-1]
    with pytest.raises(SandboxError):
        sb.run("true")


def test_run_exit_code_cwd_env_and_no_secrets(local, monkeypatch):
    monkeypatch.setenv("SWE_AGENT_TEST_SECRET", "s3cr3t")
    r = local.run("echo out; echo err >&2; exit 4")
    assert r.exit_code == 4 and "out" in r.output and "err" in r.output
    assert local.run("pwd").output.strip() == os.path.realpath(local.workdir)
    assert local.run("echo $X", env={"X": "y"}).output.strip() == "y"
    assert "s3cr3t" not in local.run("env").output


def test_timeout_kills_the_whole_process_group(local, tmp_path):
    pidfile = tmp_path / "child.pid"
    t0 = time.monotonic()
    r = local.run(f"sleep 100 & echo $! > {pidfile}; sleep 100", timeout=1)
    assert r.timed_out and r.exit_code == -1 and time.monotonic() - t0 < 5
    pid = int(pidfile.read_text())
    time.sleep(0.2)
    assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"


def test_output_cap(local):
    r = local.run("echo FIRST; yes | head -c 20M; echo; echo LAST", timeout=60)
    assert r.truncated and r.output.startswith("FIRST") and r.output.rstrip().endswith("LAST")
    assert len(r.output) < 110_000


def test_diff_apply_and_fork(local, tmp_path):
    local.write_file("calc.py", "def add(a, b):\n    return a + b\n")
    local.write_file("new/ü.py", "x = 1\n")
    local.run("mkdir -p __pycache__ && touch __pycache__/a.pyc x.log && chmod -x run.sh && rm test_calc.py")
    diff = local.diff()
    assert "+    return a + b" in diff and "new/ü.py" in diff and "deleted file mode" in diff
    assert "pyc" not in diff and "x.log" not in diff and "run.sh" not in diff
    child = local.fork()
    try:
        assert child.diff() == diff
        child.write_file("calc.py", "child\n")
        assert local.read_file("calc.py").startswith("def add")
    finally:
        child.close()
    with LocalSandbox(local.repo) as fresh:
        res = fresh.apply_patch(diff)
        assert res.ok, res.message
        assert fresh.diff() == diff
        res = fresh.apply_patch(diff.replace("-    return a - b", "-    return a * b"))
        assert not res.ok and "calc.py" in res.message


def test_cap_output_pure():
    assert shell.cap_output(b"abc", 2, 2) == ("abc", False)
    assert shell.cap_output(b"abcd", 2, 2) == ("abcd", False)
    text, truncated = shell.cap_output(b"ab" + b"Xcd", 2, 2)  # tail -c 3 returned 3 bytes: cut happened
    assert truncated and text.startswith("ab") and text.endswith("cd") and "truncated" in text


def test_dependency_parsing_pure():
    assert rootfs._deps("libc6 (>= 2.34), python3:any | python3-minimal, a [amd64]") == [
        ["libc6"], ["python3", "python3-minimal"], ["a"]]
