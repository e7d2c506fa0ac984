"""`swe-agent show`: pages rendered from hand-made run folders (every stage, killed, big, batch); a real
run folder made by the pipeline: integration/test_report_docker.py."""
from __future__ import annotations

import re

from typer.testing import CliRunner

from agent.report.cli import app as show_app
from agent.report.highlight import diff_html
from agent.report.load import load_batch, load_run
from agent.report.plots import line_plot
from agent.report.render import write_report
from tests.support.report_runs import GOOD_DIFF, assert_escaped, cells, make_batch, make_killed_run, make_run


def test_run_page_shows_the_evidence_and_why_one_patch_won(tmp_path):
    html = write_report(make_run(tmp_path / "run")).read_text()
    grid = cells(html)
    # Rows: original + 3 candidates, best first; columns: t000, t001, t002 (invalid), regression.
    assert len(grid) == 4 * 4
    assert [grid[(0, c)] for c in range(4)] == ["fail", "error", "pass", "pass"]       # original code
    assert [grid[(1, c)] for c in range(4)] == ["pass", "pass", "none", "pass"]        # cgood
    assert [grid[(2, c)] for c in range(4)] == ["fail", "timeout", "none", "pass"]     # cwrong
    assert [grid[(3, c)] for c in range(4)] == ["error", "fail", "none", "apply_failed"]
    assert re.search(r'<th class="test invalid" title="t002 \(not used\): passes on the original code', html)
    assert '<tr class=" selected">' in html and "cgood</a> ★" in html
    assert "Selected <a href=\"#cand-cgood\">cgood</a>" in html and "87%" in html
    assert "method: selection_trajectory" in html and "chose cgood among cgood, cwrong" in html
    # The candidate diffs are highlighted server-side: a removed and an added line.
    assert '<div class="dl del"><span class="sg">-</span>' in html
    assert '<div class="dl add"><span class="sg">+</span>' in html
    assert "2 sample(s) [0, 3]" in html
    assert html.count('<details class="traj"') == 1 + 4 + 3 + 3 + 1 + 1   # per stage + the verdict's copy
    assert re.search(r"5 · Reward model.*?done", html)
    assert "$0.0500" in html and "6,000" in html            # totals from the ledger
    assert '<p class="muted" id="lost">Samples that left no candidate, by reason: issue example 1.</p>' in html
    assert_escaped(html)
    assert "<link" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_killed_run_renders_missing_stages_as_not_run(tmp_path):
    run = make_killed_run(tmp_path / "run")
    view = load_run(run)
    assert [(s.name, s.status) for s in view.stages] == [      # in execution order
        ("localize", "done"), ("test", "not run"), ("patch", "partial"), ("execute", "not run"), ("reward", "not run"),
        ("select", "not run")]
    assert len(view.stage("patch").trajectories) == 2
    assert any("sample_002.json: unreadable" in w for w in view.warnings)
    html = write_report(run).read_text()
    assert "Selection did not run" in html and "no candidates or execution matrix yet" in html
    assert "sample_002.json: unreadable" in html


def test_any_folder_renders_with_a_warning(tmp_path):
    html = write_report(tmp_path).read_text()
    assert "does not look like a run folder" in html


def test_big_run_draws_trajectories_only_when_opened(tmp_path):
    run = make_run(tmp_path / "run", n_patches=300)
    html = write_report(run).read_text()
    assert html.count('data-traj="') >= 300
    # No message is laid out in the static page: they travel as JSON until a trajectory opens.
    assert 'class="msg' not in html
    assert not re.search(r'<details class="(stage|traj)"[^>]*\bopen\b', html)
    assert len(html) < 8_000_000


def test_batch_page_links_instances_and_plots_scaling(tmp_path):
    batch = make_batch(tmp_path / "batch")
    html = write_report(batch).read_text()
    for i in range(3):
        page = batch / f"instances/owner__repo-{i}/run/report.html"
        assert f'href="instances/owner__repo-{i}/run/report.html"' in html and page.exists()
        assert 'href="../../../report.html"' in page.read_text()
    assert "owner__repo-9" in html and 'href="instances/owner__repo-9' not in html   # not run: no page
    assert html.count("<svg") == 2 and "coverage@N" in html and "selected@N" in html
    assert "1 / 4" in html and "pass@1" in html


def test_batch_without_summary_is_derived_from_instance_folders(tmp_path):
    view = load_batch(make_batch(tmp_path / "batch", with_summary=False))
    assert view.summary_from == "instance folders"
    assert [(r.instance_id, r.status, r.resolved) for r in view.rows] == [
        ("owner__repo-0", "selected", True), ("owner__repo-1", "abstained", False), ("owner__repo-2", "selected", False)]
    assert view.rows[1].cost_usd == 0.05 and all(r.run_dir for r in view.rows)
    html = write_report(tmp_path / "batch").read_text()
    assert "no scaling.json" in html


def test_show_command_writes_the_page(tmp_path):
    run = make_run(tmp_path / "run")
    out = tmp_path / "elsewhere.html"
    res = CliRunner().invoke(show_app, [str(run), "--output", str(out)])
    assert res.exit_code == 0, res.output
    assert out.exists() and str(out) in res.output
    assert CliRunner().invoke(show_app, [str(tmp_path / "missing")]).exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    res = CliRunner().invoke(show_app, [str(empty)])            # nothing written into a folder that is no run
    assert res.exit_code == 2 and "neither a run folder" in res.output and not list(empty.iterdir())
    assert CliRunner().invoke(show_app, [str(run), "--output", str(tmp_path)]).exit_code == 2


def test_a_status_file_that_is_not_an_object_is_named_not_a_crash(tmp_path):
    batch = make_batch(tmp_path / "batch", with_summary=False)
    (batch / "instances" / "owner__repo-0" / "status.json").write_text("[1, 2]")
    view = load_batch(batch)
    assert any("not a JSON object" in w for w in view.warnings) and len(view.rows) == 3


def test_diff_html_escapes_and_classifies_lines():
    html = str(diff_html(GOOD_DIFF.replace("a + b", "a + b  # <b>x</b>")))
    assert "<b>x</b>" not in html and "&lt;b&gt;" in html
    assert html.count('class="dl add"') == 1 and html.count('class="dl del"') == 1
    assert html.count('class="dl hunk"') == 1 and "(empty diff)" in str(diff_html(""))


def test_plot_without_points_says_so():
    assert "no data" in str(line_plot({"x": []}, "N", "y"))
