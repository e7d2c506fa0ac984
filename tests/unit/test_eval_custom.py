"""Rows that carry their own environment spec (`env_spec`): the in-repo minibench dataset and its
repository, pure parts only (no Docker): registration with swebench, the eval script, official grading."""
import json

import pytest
from swebench.harness.constants import MAP_REPO_VERSION_TO_SPECS
from swebench.harness.grading import get_eval_report

from tests.support import minibench
from agent.evaluation import custom, spec as specs
from agent.evaluation.dataset import load_dataset

ROWS = load_dataset(minibench.DATASET)


def test_mirror_is_reproducible_and_matches_the_dataset(tmp_path):
    bare, commit = minibench.make_mirror(tmp_path)
    assert {r["base_commit"] for r in ROWS} == {commit}, "repo files changed: regenerate dataset.jsonl"
    assert (bare / "HEAD").is_file() and bare.name == "swe-agent+minicalc"


def test_row_spec_is_registered_for_scripts_and_grading(tmp_path):
    row = ROWS[0]
    spec = specs.offline_test_spec(row)
    assert MAP_REPO_VERSION_TO_SPECS[row["repo"]][row["version"]]["test_cmd"] == "pytest -rA"
    script = specs.eval_script(spec)
    assert "pytest -rA tests/test_ops.py" in script and "pip install -e ." in script and "conda" not in script
    # The official grading reads the official parser for the repo: a log where the F2P test passes resolves.
    passed = ["tests/test_ops.py::test_clamp_above", *json.loads(row["PASS_TO_PASS"])]
    for failing, resolved in (([], True), (["tests/test_ops.py::test_clamp_above"], False)):
        log = tmp_path / f"log-{resolved}.txt"
        lines = [f"PASSED {t}" for t in passed if t not in failing] + [f"FAILED {t} - assert" for t in failing]
        log.write_text(">>>>> Start Test Output\n" + "\n".join(lines) + "\n>>>>> End Test Output\n")
        pred = {"instance_id": row["instance_id"], "model_name_or_path": "x", "model_patch": row["patch"]}
        report = get_eval_report(test_spec=spec, prediction=pred, test_log_path=str(log), include_tests_status=True)
        assert report[row["instance_id"]]["resolved"] is resolved


def test_official_repos_keep_their_spec_and_bad_specs_are_refused():
    official = {"repo": "pallets/flask", "version": "2.3", "env_spec": {"python": "3.11", "test_cmd": "true"}}
    with pytest.raises(ValueError, match="official"):
        custom.specs_for(official)
    assert MAP_REPO_VERSION_TO_SPECS["pallets/flask"]["2.3"]["test_cmd"] != "true"
    assert custom.specs_for({"repo": "pallets/flask", "version": "2.3"}) is MAP_REPO_VERSION_TO_SPECS["pallets/flask"]["2.3"]
    with pytest.raises(ValueError, match="log_parser"):
        custom.specs_for({"repo": "x/y", "version": "1", "env_spec": {"python": "3.11", "test_cmd": "t", "log_parser": "nose"}})
    with pytest.raises(ValueError, match="test_cmd"):
        custom.specs_for({"repo": "x/y", "version": "1", "env_spec": json.dumps({"python": "3.11"})})
