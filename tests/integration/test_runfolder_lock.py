"""Two `solve` processes on one run folder: the second is refused at once with a clear message.
Both are real `python -m agent.cli solve` processes; the model is a slow scripted server on 127.0.0.1."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from agent.runfolder import RunFolder, RunFolderBusy
from tests.support.openai_server import ScriptedOpenAI
from tests.support.paths import ROOT
from tests.support.pipeline import ISSUE, Script, make_repo


def test_a_second_lock_on_the_folder_is_refused_and_a_dead_holder_frees_it(tmp_path):
    run = RunFolder(tmp_path / "run")
    with run.lock():
        with pytest.raises(RunFolderBusy, match=f"in use by another swe-agent process \\(pid {os.getpid()}\\)"):
            with RunFolder(tmp_path / "run").lock():
                pass
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from agent.runfolder import RunFolder\n"
                               f"with RunFolder({str(tmp_path / 'run')!r}).lock():\n"
                               "    print('locked', flush=True); time.sleep(60)"],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(RunFolderBusy, match=f"pid {holder.pid}"):
        with run.lock():
            pass
    holder.kill()                      # SIGKILL: no cleanup code runs, the kernel drops the lock
    holder.wait()
    with run.lock():
        pass


def test_two_solve_processes_on_one_run_folder(tmp_path):
    repo = make_repo(tmp_path)
    issue = tmp_path / "issue.md"
    issue.write_text(ISSUE)
    run = tmp_path / "run"
    with ScriptedOpenAI(Script(), delay_s=1.0) as server:
        cmd = [sys.executable, "-m", "agent.cli", "solve", str(issue), "--repo", str(repo), "--output", str(run),
               "--model", "openai/scripted", "--api-base", server.api_base, "--sandbox", "local",
               "-c", "workers=1"]
        env = dict(os.environ, CI="1")
        first = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 start_new_session=True)
        try:
            deadline = time.time() + 60
            while not server.requests and time.time() < deadline:   # the first is working: it holds the folder
                assert first.poll() is None, first.stderr.read().decode()[-2000:]
                time.sleep(0.1)
            started = time.monotonic()
            second = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
            assert second.returncode == 2, second.stderr
            assert f"in use by another swe-agent process (pid {first.pid})" in second.stderr
            assert time.monotonic() - started < 30 and first.poll() is None
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
