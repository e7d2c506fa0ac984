"""`swe-agent show` on a real run folder made by the pipeline with scripted model answers, in real
Docker sandboxes (hand-made run folders: unit/test_report.py)."""
from __future__ import annotations

import json

import pytest

from agent.report.render import write_report
from agent.schema import ExecutionMatrix, TestCase
from tests.support.report_runs import assert_escaped, cells, real_run


@pytest.mark.docker
def test_real_run_folder_renders(tmp_path_factory):
    run = real_run(tmp_path_factory.mktemp("real"))
    html = write_report(run, run.parent / "real.html").read_text()
    matrix = ExecutionMatrix.model_validate_json((run / "04_execution/matrix.json").read_text())
    tests = [TestCase.model_validate(t) for t in json.loads((run / "02_tests/tests.json").read_text())]
    decision = json.loads((run / "07_selection/decision.json").read_text())
    grid = cells(html)
    ncols = len(tests) + (1 if matrix.baseline_regression else 0)
    assert len(grid) == (1 + len(matrix.candidates)) * ncols
    # The best-ranked candidate is the selected one, on the first candidate row, with its outcomes.
    best = decision["ranking"][0]["candidate"]
    assert best == decision["candidate"]
    for c, t in enumerate(tests):
        cell = matrix.get(best, t.id)
        assert grid[(1, c)] == (cell.outcome if cell else "none")
        assert grid[(0, c)] == (t.original_outcome or "none")
    assert f"{best}</a> ★" in html
    assert '<div class="dl add">' in html and "return a + b" in html
    assert html.count('<details class="traj"') >= len(list((run / "03_patches").glob("sample_*.json")))
    assert_escaped(html)
