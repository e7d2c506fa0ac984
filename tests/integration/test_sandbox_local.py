"""LocalSandbox (git worktree + subprocess) and the pure helpers; no Docker needed."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from sandbox import rootfs, shell
from sandbox.base import Sandbox, SandboxError
from sandbox.local_sandbox import LocalSandbox
from tests.support.paths import ROOT
from tests.support.sandbox import make_git_repo


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


def test_commands_see_the_callers_path_first(local, tmp_path, monkeypatch):
    """A login shell would rebuild PATH from the profile files and lose the caller's virtualenv: the
    `python` a command runs must be the first one on the caller's PATH."""
    bindir = tmp_path / "venv-bin"
    bindir.mkdir()
    (bindir / "python").write_text("#!/bin/sh\necho caller-python\n")
    (bindir / "python").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    assert local.run("python").output.strip() == "caller-python"


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


# A secret in the agent's environment from its start (what /proc shows; a later os.environ change
# would not be there), and a command that looks for it in its parent, grandparent and every
# readable /proc/*/environ.
AGENT = """
from sandbox.local_sandbox import LocalSandbox
with LocalSandbox({repo!r}) as sb:
    r = sb.run("cat /proc/$PPID/environ; echo; cat /proc/$(cut -d' ' -f4 /proc/$PPID/stat)/environ 2>&1;"
               " grep -al SWE_AGENT_TEST_SECRET /proc/[0-9]*/environ 2>/dev/null; echo searched")
    print(r.output)
"""


def _agent_with_secret(user: int | None) -> str:
    import tempfile
    from pathlib import Path
    home = Path(tempfile.mkdtemp(prefix="swe-agent-agent-"))
    repo = make_git_repo(home / "repo")
    if user is not None:
        subprocess.run(["chown", "-R", f"{user}:{user}", str(home)], check=True)
    home.chmod(0o755)
    # The venv's interpreter may sit under root's 0700 home: the system one, same minor version, our packages.
    site = next(p for p in sys.path if p.endswith("site-packages") and p.startswith(sys.prefix))
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "SWE_AGENT_TEST_SECRET": "s3cr3t",
           "PYTHONPATH": f"{ROOT}:{site}"}
    python = f"/usr/bin/python3.{sys.version_info.minor}"
    if not os.path.exists(python):
        pytest.skip(f"{python} missing")
    res = subprocess.run([python, "-c", AGENT.format(repo=str(repo))], env=env,
                         capture_output=True, text=True, user=user, group=user, timeout=120)
    subprocess.run(["rm", "-rf", str(home)])
    assert "searched" in res.stdout, res.stderr
    return res.stdout


def test_parent_of_a_command_holds_no_secret():
    parent = _agent_with_secret(None).split("\n", 1)[0]
    assert "PATH=" in parent and "s3cr3t" not in parent   # the launcher's clean environment


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to start a process as nobody")
def test_same_user_command_cannot_read_the_agents_environment():
    out = _agent_with_secret(65534)   # unprivileged: root reads every process anyway
    assert "s3cr3t" not in out and "Permission denied" in out   # the agent (grandparent) is non-dumpable
    assert not re.search(r"^/proc/\d+/environ$", out, re.M)    # no grep hit anywhere


def test_the_action_refuses_the_local_sandbox():
    from agent.github.action import ActionError, build_config
    with pytest.raises(ActionError, match="refused"):
        build_config({"INPUT_BUDGET_USD": "1", "INPUT_SANDBOX": "local"})
    assert build_config({"INPUT_BUDGET_USD": "1"}).sandbox == "docker"


def test_owner_liveness_pure():
    from sandbox import owner
    me = owner.labels()
    assert not owner.is_orphan(me) and not owner.is_orphan({})
    assert owner.is_orphan({**me, owner.START: "1"})            # the pid was reused by another process
    assert not owner.is_orphan({**me, owner.WHERE: "elsewhere"})  # another machine's pid: cannot tell
    child = subprocess.Popen(["true"])
    child.wait()
    assert owner.is_orphan(owner.labels(child.pid) | {owner.START: "0"})
