"""End to end with the embedded local model (Qwen2.5-Coder-1.5B on the CPU) on the bundled example,
in Docker. The model is not deterministic, so this asserts properties: the run finishes, the folder
is complete, and the chosen patch makes the example's HIDDEN test pass (the pipeline never saw it).

Test-time scaling is the product: when the first 8 samples leave the evidence too weak and the run
abstains, the same run folder is resumed with 16 samples (finished samples are reused, not redone).
Measured here: a correct patch was selected in 1 of 2 runs of 4 samples."""
from __future__ import annotations

import json

import pytest

from agent import examples
from agent.config import load_config
from agent.pipeline import solve
from agent.progress import Progress
from agent.repo_input import issue_from_file

pytestmark = [pytest.mark.docker, pytest.mark.model, pytest.mark.slow, pytest.mark.e2e, pytest.mark.timeout(3600)]


def test_embedded_model_fixes_the_bundled_example(docker_client, embedded_model, tmp_path):
    ex = examples.materialize(examples.DEFAULT_EXAMPLE, tmp_path / "example")
    run = tmp_path / "run"
    for samples in (8, 16):
        cfg = load_config(None, [f"patch.samples={samples}", "test.samples=2", "reward.samples=1", "workers=1"])
        cfg.model = embedded_model
        result = solve(issue_from_file(ex.issue), ex.repo, run, cfg, progress=Progress(False))
        if result.status == "selected":
            break
    for name in ("issue.json", "config.json", "ledger.json", "result.json", "final.diff",
                 "01_localize/locations.json", "02_patches/candidates.json", "03_tests/tests.json",
                 "04_execution/matrix.json", "06_selection/decision.json"):
        assert (run / name).exists(), name
    assert result.tokens > 0 and result.n_patch_samples == samples
    assert json.loads((run / "result.json").read_text())["status"] == result.status
    assert result.status == "selected", f"abstained after {samples} samples: {result.diagnosis}"
    assert examples.check_hidden(None, ex, result.final_diff), result.final_diff
