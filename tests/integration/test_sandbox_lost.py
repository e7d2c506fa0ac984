"""A container removed under a run (`docker rm -f`, a prune, an engine restart): the sandbox says it is lost
(not "no such file", not "does not apply"), and a trajectory or an execution cell goes on in a new one.
Real engine, real containers removed through the Docker API; scripted model answers over real HTTP."""
from __future__ import annotations

import os

import pytest

from agent.config import load_config
from agent.pipeline import solve
from agent.progress import Progress
from agent.renewable import Renewable
from agent.repo_input import issue_from_text
from agent.schema import Trajectory
from sandbox.base import SandboxLost
from sandbox.docker_sandbox import DockerSandbox
from sandbox.owner import PID
from tests.support.openai_server import ScriptedOpenAI
from tests.support.pipeline import GARBAGE, GOOD, GOOD_TEST, ISSUE, WRONG, hidden_test_passes, make_repo

pytestmark = pytest.mark.docker


def _remove(client, container_id: str) -> None:
    client.api.remove_container(container_id, force=True)


@pytest.mark.parametrize("call", ["run", "read_file", "write_file", "apply_patch", "diff"])
def test_every_call_on_a_removed_container_says_lost(docker_client, repo_image, sandbox_run_id, call):
    sb = DockerSandbox.start(repo_image, client=docker_client, labels={"swe-agent.run": sandbox_run_id})
    try:
        assert sb.read_file("calc.py").startswith("def add")
        _remove(docker_client, sb.id)
        args = {"run": ("true",), "read_file": ("calc.py",), "write_file": ("x.py", "x = 1\n"),
                "apply_patch": ("--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-x\n+y\n",), "diff": ()}[call]
        with pytest.raises(SandboxLost, match="is gone"):
            getattr(sb, call)(*args)
    finally:
        sb.close()     # idempotent on a container that is gone


@pytest.mark.parametrize("call", ["run", "read_file", "write_file"])
def test_an_engine_that_does_not_answer_is_an_error_not_a_lost_container(docker_client, repo_image, sandbox_run_id,
                                                                          tmp_path, call):
    """A new sandbox would fail alike, so nothing may be renewed: a plain SandboxError (the engine's socket here
    is a path where no engine listens)."""
    import docker
    from sandbox.base import SandboxError
    sb = DockerSandbox.start(repo_image, client=docker_client, labels={"swe-agent.run": sandbox_run_id})
    try:
        sb.api = docker.APIClient(base_url=f"unix://{tmp_path}/no-engine.sock", timeout=5,
                                  version=docker_client.api.api_version)
        args = {"run": ("true",), "read_file": ("calc.py",), "write_file": ("x.py", "x = 1\n")}[call]
        with pytest.raises(SandboxError) as err:
            getattr(sb, call)(*args)
        assert not isinstance(err.value, SandboxLost), err.value
    finally:
        sb.api = docker_client.api
        sb.close()


def test_a_missing_file_in_a_live_container_is_still_file_not_found(docker_sandbox):
    with pytest.raises(FileNotFoundError):
        docker_sandbox.read_file("no_such_file.py")


def test_renewable_reruns_the_action_on_a_new_container_with_the_restored_files(docker_client, repo_image,
                                                                                  sandbox_run_id):
    opened: list[DockerSandbox] = []

    def open_one() -> DockerSandbox:
        opened.append(DockerSandbox.start(repo_image, client=docker_client, labels={"swe-agent.run": sandbox_run_id}))
        return opened[-1]

    with Renewable(open_one, restore=lambda sb: sb.write_file("state.txt", "kept\n")) as sb:
        sb.write_file("state.txt", "kept\n")
        _remove(docker_client, opened[0].id)
        out = sb.attempt(lambda: sb.run("cat state.txt && echo ran"))
        assert out.exit_code == 0 and out.output.split() == ["kept", "ran"]
        assert len(opened) == 2 and sb.renewals == 1
        for _ in range(2):                 # a container that dies every time: the limit, then the error
            _remove(docker_client, opened[-1].id)
            if sb.renewals < 2:
                sb.attempt(lambda: sb.run("true"))
        with pytest.raises(SandboxLost):
            sb.attempt(lambda: sb.run("true"))
    assert len(opened) == 3


def test_a_patch_trajectory_whose_container_is_removed_before_its_revision_goes_on(docker_client, tmp_path):
    """The first edit is wrong and its check fails; the container is removed while the model writes the
    revision. The revision lands in a new sandbox that holds the first attempt's files, as the lost one did."""
    repo = make_repo(tmp_path)
    removed: list[str] = []

    def remove_own_containers() -> None:
        for c in docker_client.containers.list(filters={"label": f"{PID}={os.getpid()}"}):
            c.remove(force=True)
            removed.append(c.id)

    def respond(messages):
        system, user = messages[0]["content"], messages[1]["content"]
        if "find the code" in system:
            return "calc/ops.py:add"
        if "fixes bugs" in system:
            if len(messages) == 2:
                return WRONG
            remove_own_containers()            # the revision's turn: its sandbox disappears under it
            return GOOD if "still fails" in messages[-1]["content"] else GARBAGE
        if "reproduce bug reports" in system:
            return GOOD_TEST
        if "strict code reviewer" in system:
            return "Score: 2/10"
        return GARBAGE

    over = {"model.name": "openai/scripted", "workers": 1, "exec_timeout_s": 30, "early_stop": False,
            "patch.samples": 1, "test.samples": 1, "reward.samples": 1, "patch.edit_format": "search_replace",
            "patch.revise_with": "all", "escalate.rounds": 0, "patch.mutants": 0, "patch.cloze": 0,
            "patch.max_revisions": 2}
    with ScriptedOpenAI(respond) as server:
        config = load_config(None, [], **{**over, "model.api_base": server.api_base})
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run", config, progress=Progress(False))
    traj = Trajectory.model_validate_json((tmp_path / "run/03_patches/sample_000.json").read_text())
    assert removed and traj.status == "ok", traj.error
    assert [set(a.checks.values()) for a in traj.patch.attempts] == [{"fail"}, {"pass"}]
    assert "a + b" in traj.patch.diff and "a * b" not in traj.patch.diff
    assert result.status == "selected" and hidden_test_passes(repo, result.final_diff, tmp_path)


def _cell_context(tmp_path, new_sandbox):
    from agent.budget import Ledger
    from agent.runfolder import RunFolder
    from agent.schema import Issue
    from agent.stages.context import StageContext
    return StageContext(run=RunFolder(tmp_path / "run"), config=load_config(None, [], exec_timeout_s=30),
                        issue=Issue(id="local-x", body="add subtracts"), repo_path=tmp_path, commit="HEAD",
                        ledger=Ledger(), progress=Progress(False), new_sandbox=new_sandbox, make_model=None)


def _losing(docker_client, repo_image, sandbox_run_id, lose: int):
    """(new_sandbox, ids opened): the first `lose` sandboxes it opens have their container removed at once."""
    opened: list[str] = []

    def new_sandbox() -> DockerSandbox:
        sb = DockerSandbox.start(repo_image, client=docker_client, labels={"swe-agent.run": sandbox_run_id})
        opened.append(sb.id)
        if len(opened) <= lose:
            _remove(docker_client, sb.id)
        return sb

    return new_sandbox, opened


@pytest.mark.parametrize("lose", [1, 2])
def test_an_execution_cell_whose_container_is_lost_runs_once_more(docker_client, repo_image, sandbox_run_id,
                                                                  tmp_path, lose):
    """The engine loses the cell's container (here: removed as soon as it started). Once: the cell runs in a
    new sandbox and the test's real verdict is recorded. Every time: the cell is an error, not the run."""
    from agent.schema import TestCase
    from agent.stages.execute import _run_cell
    new_sandbox, opened = _losing(docker_client, repo_image, sandbox_run_id, lose)

    test = TestCase(id="t000", sample=0, path="test_repro.py", kept=True, command="python -m pytest -q test_repro.py",
                    content="from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n")
    cell = _run_cell(_cell_context(tmp_path, new_sandbox), None, test, test.command, test.id)
    assert len(opened) == 2
    if lose == 1:
        assert cell.outcome == "fail" and "assert -1 == 3" in cell.output_tail
    else:
        assert cell.outcome == "error" and "is gone" in cell.output_tail


@pytest.mark.parametrize("lose", [1, 2])
def test_a_mutant_search_whose_container_is_lost_runs_once_more(docker_client, repo_image, sandbox_run_id,
                                                                tmp_path, lose):
    """The one-token repair search loses its container as soon as it started. Once: the search runs again in a
    new sandbox and finds the repair. Every time: the search reports the error and saves nothing (a resume
    retries it); the run goes on with the samples' candidates."""
    from agent.focus import Target
    from agent.runfolder import MUTANTS
    from agent.schema import TestCase
    from agent.stages.patch_mutants import try_mutants
    from tests.support.sandbox import CALC
    new_sandbox, opened = _losing(docker_client, repo_image, sandbox_run_id, lose)

    check = TestCase(id="i000", sample=0, path="test_issue_check.py", kept=True, origin="issue", check_kind="equals",
                     command="python -m pytest -q test_issue_check.py",
                     content="from calc import add\n\n\ndef test_issue():\n    assert add(2, 3) == 5\n")
    ctx = _cell_context(tmp_path, new_sandbox)
    record = try_mutants(ctx, {"calc.py": CALC}, [Target("calc.py", "add")], [check], limit=20)
    assert len(opened) == 2
    if lose == 1:
        assert [t.rule.split(" (")[0] for t in record.kept] == ["op - -> +"]
        assert ctx.run.exists(MUTANTS)
    else:
        assert "is gone" in record.error and not record.tried and not ctx.run.exists(MUTANTS)
