"""Run folders written before the stage kit still load: trajectories with one field per stage
(`locations`, `diff`/`files_after`/`attempts`, `test`, `verdict`) read into `output`, and the
judge's samples as <reward folder>/<cand>_sample_NNN.json, stage folders under their names from
before the renumbering (02_patches, 03_tests, 05_reward, 06_selection). The report, `swe-agent show`,
the readers replay uses, and a resumed run (patch samples, judge samples: nothing redone, the folders
renamed to the new layout) all take them. A whole solve on an old folder:
integration/test_run_folder_layout.py."""
from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from agent.config import load_config
from agent.pipeline import stage_context
from agent.progress import Progress
from agent.report.cli import app as show_app
from agent.report.load import load_run
from agent.repo_input import issue_from_text
from agent.runfolder import FORMER_DIRS, STAGE_DIRS, RunFolder
from agent.schema import ExecutionMatrix, Location, PatchOutput, TestCase, Trajectory
from agent.stages.patch import generate_patches
from agent.stages.reward import score_candidates
from tests.support.pipeline import ISSUE, make_repo
from tests.support.report_runs import GOOD_DIFF, WRONG_DIFF

TEST = {"id": "t000", "sample": 0, "path": "test_repro.py", "content": "def test_add(): ...",
        "command": "pytest test_repro.py", "original_outcome": "fail", "kept": True, "reason": "fails"}


def old_traj(stage: str, sample: int, **fields) -> dict:
    """A trajectory as the code before `output` wrote it: every per-stage field, most of them null."""
    return {"stage": stage, "sample": sample, "model": "openai/old", "temperature": 0.7, "seed": None, "variant": {},
            "messages": [{"role": "assistant", "content": f"reply {sample}"}], "steps": [{"reply": f"reply {sample}"}],
            "status": "ok", "error": None, "duration_s": 1.0,
            "spend": {"calls": 1, "prompt_tokens": 10, "completion_tokens": 5, "cost_usd": 0.0},
            "locations": None, "diff": None, "files_after": None, "attempts": [], "test": None, "verdict": None,
            "probe": None, **fields}


def old(stage: str) -> str:
    """A stage's folder name before the renumbering."""
    return FORMER_DIRS.get(STAGE_DIRS[stage], STAGE_DIRS[stage])


def make_old_run(root: Path) -> Path:
    """A run killed in the judge stage: samples of every stage, no tests.json, no reward score yet."""
    files = {
        "issue.json": issue_from_text(ISSUE).model_dump(),
        f"{old('localize')}/sample_000.json": old_traj("localize", 0, locations=[{"file": "calc/ops.py", "symbol": "add"}]),
        f"{old('test')}/sample_000.json": old_traj("test", 0, test=TEST),
        f"{old('patch')}/sample_000.json": old_traj("patch_function", 0, diff=GOOD_DIFF, files_after={"calc/ops.py": "x"},
                                                  attempts=[{"step": 0, "diff": WRONG_DIFF}, {"step": 1, "diff": GOOD_DIFF}]),
        f"{old('patch')}/sample_001.json": old_traj("patch", 1, status="no_output"),
        f"{old('reward')}/cgood_sample_000.json": old_traj("reward", 0, verdict={"candidate": "cgood", "score": 0.9}),
        f"{old('reward')}/cgood_sample_001.json": old_traj("reward", 1, verdict={"candidate": "cgood", "score": 0.7}),
        f"{old('select')}/trajectory.json": old_traj("select", 0, verdict={"choice": "cgood", "among": ["cgood", "cx"]}),
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(json.dumps(data))
    return root


def test_old_trajectories_read_their_stage_field_into_output(tmp_path):
    run = RunFolder(make_old_run(tmp_path / "run"))
    patches, tests, rewards = STAGE_DIRS["patch"], STAGE_DIRS["test"], STAGE_DIRS["reward"]    # read under the old names
    patch = run.read_model(f"{patches}/sample_000.json", Trajectory)
    assert patch.patch.diff == GOOD_DIFF and [a.diff for a in patch.patch.attempts] == [WRONG_DIFF, GOOD_DIFF]
    assert run.read_model(f"{patches}/sample_001.json", Trajectory).output is None
    assert run.read_model("01_localize/sample_000.json", Trajectory).output_as(list[Location])[0].symbol == "add"
    assert run.read_model(f"{tests}/sample_000.json", Trajectory).output_as(TestCase).kept
    assert run.read_model(f"{rewards}/cgood_sample_001.json", Trajectory).output == {"candidate": "cgood", "score": 0.7}
    new = Trajectory(stage="patch", sample=0, output=PatchOutput(diff=GOOD_DIFF))
    assert Trajectory.model_validate_json(new.model_dump_json()).patch.diff == GOOD_DIFF
    assert run.rewards() == {}          # the judge's samples are not scores (what replay reads)
    assert not (tmp_path / "run" / patches).exists()          # reading renames nothing


def test_the_report_and_show_render_an_old_run_folder(tmp_path):
    root = make_old_run(tmp_path / "run")
    view = load_run(root)
    assert [(s.name, s.folder, len(s.trajectories)) for s in view.stages if s.name != "execute"] == [
        ("localize", "01_localize", 1), ("test", "03_tests", 1), ("patch", "02_patches", 2), ("reward", "05_reward", 2),
        ("select", "06_selection", 1)]
    assert [t.id for t in view.tests] == ["t000"]         # no tests.json: the samples' tests
    out = tmp_path / "report.html"
    res = CliRunner().invoke(show_app, [str(root), "--output", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text()
    assert "diff +1 lines" in html and "1 location(s)" in html and "test t000: original fail · kept" in html
    assert "candidate=cgood, score=0.9" in html and "choice=cgood, among=[&#39;cgood&#39;, &#39;cx&#39;]" in html
    assert (root / "02_patches").is_dir() and not (root / STAGE_DIRS["patch"]).exists()     # show renames nothing


def test_a_resumed_old_run_keeps_its_patch_and_judge_samples(tmp_path):
    repo = make_repo(tmp_path)
    root = make_old_run(tmp_path / "run")
    cfg = load_config(None, [], **{"sandbox": "local", "workers": 1, "model.mock_response": ["Score: 0/10"],
                                   "patch.samples": 2, "patch.mutants": 0, "reward.samples": 2,
                                   "reward.verifier": "llm_judge"})      # the old run's judge
    with stage_context(issue_from_text(ISSUE), repo, root, cfg, None, Progress(False)) as ctx:
        _, cands = generate_patches(ctx, [Location(file="calc/ops.py", symbol="add")], [])
        assert sorted(c.diff for c in cands) == sorted([GOOD_DIFF, WRONG_DIFF])
        good = next(c for c in cands if c.diff == GOOD_DIFF).model_copy(update={"id": "cgood"})
        scores = score_candidates(ctx, [good], ExecutionMatrix(candidates=["cgood"], tests=[], cells=[]))
        assert scores["cgood"].scores == [0.9, 0.7] and scores["cgood"].mean == 0.8
        assert sum(s.calls for s in ctx.ledger.state.stages.values()) == 0      # nothing was asked again
    assert RunFolder(root).rewards()["cgood"].mean == 0.8
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == [     # renamed to the new layout on resume
        "01_localize", "02_tests", "03_patches", "06_reward", "07_selection"]
