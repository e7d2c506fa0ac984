"""Run folders from before the stage folders were numbered in execution order (02_patches before
03_tests, 03b_probes, 04_execution, 05_reward, 06_selection) still work: read in place by the report
and every typed accessor, renamed to the new layout when a solve resumes them, refused when a stage
has both names. A real `swe-agent solve` (local sandbox, scripted model on 127.0.0.1) makes the run;
renaming its stage folders back gives the old layout exactly."""
from __future__ import annotations

import os
import shutil

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.report.load import load_run
from agent.runfolder import FORMER_DIRS, RunFolder
from tests.support.openai_server import ScriptedOpenAI
from tests.support.pipeline import ISSUE, Script, make_repo

pytestmark = pytest.mark.usefixtures("venv_python_first")

ACCESSORS = ("issue", "config", "locations", "candidates", "tests", "matrix", "rewards", "decision", "ledger",
             "result", "final_diff")


def typed_reads(root) -> dict:
    run = RunFolder(root)
    return {name: getattr(run, name)() for name in ACCESSORS}


def listing(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def to_old_layout(root) -> None:
    for new, old in FORMER_DIRS.items():
        if (root / new).exists():
            os.rename(root / new, root / old)


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """(solve command, run folder, what its typed accessors read, its report view) of one finished run."""
    tmp = tmp_path_factory.mktemp("layout")
    repo = make_repo(tmp)
    (tmp / "issue.md").write_text(ISSUE)
    with ScriptedOpenAI(Script()) as server:
        def solve(run) -> tuple[object, int]:
            asked = len(server.requests)
            res = CliRunner().invoke(app, [
                "solve", str(tmp / "issue.md"), "--repo", str(repo), "--output", str(run), "--model", "openai/scripted",
                "--api-base", server.api_base, "--sandbox", "local", "--json", "-c", "workers=1",
                "-c", "exec_timeout_s=30", "-c", "patch.edit_format=search_replace", "-c", "patch.max_revisions=0",
                "-c", "escalate.rounds=0", "-c", "patch.mutants=0"], env={"CI": "1"})
            return res, len(server.requests) - asked

        res, asked = solve(tmp / "run")
        assert res.exit_code == 0 and asked > 0, res.output
        yield solve, tmp / "run", typed_reads(tmp / "run"), load_run(tmp / "run")


def test_an_old_run_folder_is_read_in_place_resumed_in_the_new_layout_and_refused_when_mixed(solved, tmp_path):
    solve, new_run, reads, view = solved
    assert reads["result"].status == "selected" and reads["candidates"] and reads["rewards"] and reads["tests"]
    assert {s.name: s.folder for s in view.stages} == {"localize": "01_localize", "test": "02_tests",
                                                        "patch": "03_patches", "execute": "04_execution",
                                                        "reward": "06_reward", "select": "07_selection"}
    old = tmp_path / "old"
    shutil.copytree(new_run, old)
    to_old_layout(old)
    assert {"02_patches", "03_tests", "04_execution", "05_reward", "06_selection"} <= set(os.listdir(old))
    before = listing(old)

    # (a) read-only: every typed accessor and the report read the old names; nothing is renamed.
    assert typed_reads(old) == reads
    old_view = load_run(old)
    assert [(s.name, s.status, len(s.trajectories)) for s in old_view.stages] == \
        [(s.name, s.status, len(s.trajectories)) for s in view.stages]
    assert old_view.stage("reward").trajectories and old_view.stage("patch").folder == "02_patches"
    assert old_view.warnings == []
    res = CliRunner().invoke(app, ["show", str(old), "--output", str(tmp_path / "report.html")])
    assert res.exit_code == 0, res.output
    assert listing(old) == before

    # (c) a stage under both names: a resume is refused with the reason, nothing moves; reading takes the new name.
    mixed = tmp_path / "mixed"
    shutil.copytree(old, mixed)
    shutil.copytree(mixed / "02_patches", mixed / "03_patches")
    res, asked = solve(mixed)
    assert res.exit_code == 2 and asked == 0
    assert "holds a stage under its old and its new folder name (02_patches/ and 03_patches/)" in res.output
    assert (mixed / "02_patches").is_dir() and (mixed / "05_reward").is_dir() and not (mixed / "06_reward").exists()
    mixed_view = load_run(mixed)
    assert mixed_view.stage("patch").folder == "03_patches" and "03_patches/ is read" in mixed_view.warnings[0]

    # (b) resuming the old folder renames it to the new layout and asks the model nothing (all work is done).
    res, asked = solve(old)
    assert res.exit_code == 0, res.output
    assert asked == 0
    assert not set(FORMER_DIRS.values()) & set(os.listdir(old))
    assert listing(old) == listing(new_run)
    after = typed_reads(old)
    assert after["result"].final_diff == reads["result"].final_diff and after["decision"] == reads["decision"]
    assert after["ledger"] == reads["ledger"] and after["candidates"] == reads["candidates"]
