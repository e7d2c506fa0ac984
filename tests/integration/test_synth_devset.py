"""The shipped synthetic dev set (agent/examples/synth), row by row: splits, bundles, gold patches."""
import json
import subprocess

from agent.synth import gitrepo, rows
from tests.support.paths import ROOT

DEVSET = ROOT / "agent" / "examples" / "synth"


def test_shipped_dev_set_is_consistent(tmp_path):
    """≥100 rows over 3 projects; split by the rule; each bug commit is in its bundle and the gold
    patch applies there; issues never name a FAIL_TO_PASS test; bench10 is part of the test split."""
    from agent.evaluation.dataset import load_dataset
    train, test = load_dataset(DEVSET / "train.jsonl.gz"), load_dataset(DEVSET / "test.jsonl.gz")
    assert len(train) + len(test) >= 100 and {r["repo"] for r in train + test} == {
        "synth/inflection", "synth/six", "synth/toolz"}
    assert all(rows.split_of(r["instance_id"]) == "train" for r in train)
    assert all(rows.split_of(r["instance_id"]) == "test" for r in test)
    assert {r["instance_id"] for r in load_dataset(DEVSET / "bench10.jsonl.gz")} <= {r["instance_id"] for r in test}
    mirrors = {}
    for row in train + test:
        project = row["repo"].split("/")[1]
        if project not in mirrors:
            mirrors[project] = gitrepo.unbundle(DEVSET / f"{project}.bundle", tmp_path / f"synth+{project}")
        git_dir = mirrors[project]
        f2p, p2p = json.loads(row["FAIL_TO_PASS"]), json.loads(row["PASS_TO_PASS"])
        assert f2p and not set(f2p) & set(p2p)
        assert not any(t.split("::")[-1].split("[")[0] in row["problem_statement"] for t in f2p)
        assert "diff --git" not in row["problem_statement"] and row["test_patch"] == ""
        assert gitrepo.git(git_dir, "rev-list", "--count", row["base_commit"]).strip() == "1"   # a root commit
        work = tmp_path / "work" / row["instance_id"]
        subprocess.run(["git", "init", "-q", str(work)], check=True)
        subprocess.run(["git", "-C", str(work), "fetch", "-q", str(git_dir), row["base_commit"]], check=True)
        subprocess.run(["git", "-C", str(work), "checkout", "-q", "FETCH_HEAD"], check=True)
        applied = subprocess.run(["git", "-C", str(work), "apply", "--check", "-"], input=row["patch"], text=True)
        assert applied.returncode == 0, row["instance_id"]
        clean = gitrepo.diff(git_dir, row["base_commit"], row["environment_setup_commit"])
        assert clean == row["patch"]          # the gold patch turns the bug commit into the clean one
