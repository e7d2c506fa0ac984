"""`swe-agent select` over prediction files (issue 13): sources, seeding and methods, without Docker
(through real Docker: integration/test_select_predictions_docker.py)."""
from __future__ import annotations

import pytest

from agent.ensemble import methods as M
from agent.ensemble.run import select_config
from agent.ensemble.sources import HIDDEN_FIELDS, files_after, seed_run, selection_row, system_names
from agent.config import SolveConfig
from agent.schema import Candidate, Cell, ExecutionMatrix
from tests.support.predictions import make_instance


# --- pure parts ------------------------------------------------------------------------------

def test_selection_row_excludes_hidden_tests_and_gold_patch():
    row = {"instance_id": "x", "repo": "o/r", "base_commit": "abc", "problem_statement": "p", "version": "1",
           "FAIL_TO_PASS": "[]", "PASS_TO_PASS": "[]", "test_patch": "t", "patch": "g", "hints_text": "h"}
    kept = selection_row(row)
    assert not set(HIDDEN_FIELDS) & set(kept)
    assert kept == {"instance_id": "x", "repo": "o/r", "base_commit": "abc", "problem_statement": "p", "version": "1"}


def test_system_names_keep_repeated_runs_apart():
    assert system_names(["a", "b", "a", "a"]) == ["a", "b", "a#2", "a#3"]


def _cand(cid: str, n: int) -> Candidate:
    return Candidate(id=cid, diff=f"d{cid}", key=cid, samples=list(range(n)), files=["f.py"])


def _matrix(outcomes: dict[str, tuple[str, list[str]]], baseline_failed=()) -> ExecutionMatrix:
    cells = [Cell(candidate=c, test="regression", outcome=o, failed_tests=f) for c, (o, f) in outcomes.items()]
    base = Cell(candidate="original", test="regression", outcome="fail" if baseline_failed else "pass",
                failed_tests=list(baseline_failed))
    return ExecutionMatrix(candidates=list(outcomes), tests=[], cells=cells, regression_command="pytest",
                           baseline_regression=base)


def test_methods_majority_ties_regression_filter_and_random_by_submission():
    cands = [_cand("a", 3), _cand("b", 3), _cand("c", 2)]
    assert M.majority(cands) == {"a": 0.5, "b": 0.5}
    # b breaks a test that passed on the original code; c fails only what already failed there.
    m = _matrix({"a": ("fail", ["t::x"]), "b": ("fail", ["t::y"]), "c": ("pass", [])}, baseline_failed=["t::x"])
    assert M.regression(cands, m) == {"a": 1.0}          # among survivors a and c, a has more systems
    assert M.by_submission(cands) == {"a": 3 / 8, "b": 3 / 8, "c": 2 / 8}
    every = _matrix({"a": ("timeout", []), "b": ("timeout", []), "c": ("timeout", [])})
    assert M.regression(cands, every) == {}             # nothing survives: abstain
    assert M.expected({"a": 0.5, "b": 0.5}, {"a": 1.0}) == 0.5
    assert M.pick({}, 0, "i") is None
    assert M.pick({"a": 0.5, "b": 0.5}, 0, "i") == M.pick({"b": 0.5, "a": 0.5}, 0, "i")


def test_select_config_is_model_free_and_never_samples_new_patches():
    cfg = select_config(SolveConfig(), n_systems=5, model_free=True)
    assert cfg.patch.samples == 5 and cfg.escalate.rounds == 0 and not cfg.patch.early_stop
    assert (cfg.localize.samples, cfg.test.samples, cfg.probe.samples) == (0, 0, 0)
    assert not cfg.use_reward and not cfg.use_selection_trajectory
    with_model = select_config(SolveConfig(), n_systems=2, model_free=False)
    assert with_model.test.samples == SolveConfig().test.samples and with_model.escalate.rounds == 0


def test_seeding_normalizes_and_counts_systems(tmp_path):
    from agent.ensemble.run import candidates_for
    repo, files, row = make_instance(tmp_path)
    from agent.ensemble.sources import load_sources
    systems, patches = load_sources(files)
    assert systems == ["sys-a", "sys-b", "sys-c"]
    read = lambda p: (repo / p).read_text() if (repo / p).is_file() else None  # noqa: E731
    after = files_after(read, patches[2][row["instance_id"]])
    assert "a + b" in after["calc/ops.py"] and "a * b" in after["calc/ops.py"]
    assert files_after(read, "--- a/calc/ops.py\n+++ b/calc/ops.py\n@@ -1,1 +1,1 @@\n-nothing\n+x\n") == {}
    run = tmp_path / "run"
    assert seed_run(run, row["instance_id"], systems, patches, read) == 3
    cands = candidates_for(run, 3)
    assert sorted(c.count for c in cands) == [1, 2]     # the whitespace variants of the wrong fix merge
    seed_run(run, row["instance_id"], systems, patches, None)   # idempotent
    (run / "03_patches").rename(run / "02_patches")             # seeded before the renumbering
    (run / "03_patches").mkdir()
    (run / "02_patches" / "sample_002.json").rename(run / "03_patches" / "sample_002.json")
    from agent.runfolder import RunFolderLayoutError
    with pytest.raises(RunFolderLayoutError, match="02_patches/ and 03_patches/"):
        seed_run(run, row["instance_id"], systems, patches, None)
    (run / "03_patches" / "sample_002.json").rename(run / "02_patches" / "sample_002.json")
    (run / "03_patches").rmdir()
    assert sorted(c.count for c in candidates_for(run, 3)) == [1, 2]     # read in place
    seed_run(run, row["instance_id"], systems, patches, None)   # renamed, nothing re-seeded
    assert not (run / "02_patches").exists() and len(list((run / "03_patches").glob("sample_*.json"))) == 3
    from agent.ensemble.sources import SourceMismatch
    with pytest.raises(SourceMismatch):
        seed_run(run, row["instance_id"], systems, [patches[0], patches[0], patches[0]], None)


def test_samples_seeded_without_a_mirror_get_the_files_once_one_is_given(tmp_path):
    """A first run without the repository (wrong --repo-mirror) seeds bare diffs: candidates are then told
    apart by diff text only. Rerun with the repository, those samples are seeded again with the files
    after the patch (what normalization compares); samples that have them are left alone."""
    from agent.ensemble.sources import load_sources
    from agent.runfolder import RunFolder
    from agent.schema import Trajectory
    repo, files, row = make_instance(tmp_path)
    systems, patches = load_sources(files)
    read = lambda p: (repo / p).read_text() if (repo / p).is_file() else None  # noqa: E731
    run = tmp_path / "run"
    seed_run(run, row["instance_id"], systems, patches, None)

    def files(i):
        return RunFolder(run).read_model(f"03_patches/sample_{i:03d}.json", Trajectory).patch.files_after
    assert [files(i) for i in range(3)] == [{}, {}, {}]
    seed_run(run, row["instance_id"], systems, patches, read)
    assert all("calc/ops.py" in files(i) for i in range(3))
    before = {p.name: p.stat().st_mtime_ns for p in (run / "03_patches").glob("sample_*.json")}
    seed_run(run, row["instance_id"], systems, patches, read)        # nothing left to redo
    assert {p.name: p.stat().st_mtime_ns for p in (run / "03_patches").glob("sample_*.json")} == before


def test_a_finished_instance_is_never_seeded_again(tmp_path):
    """New files could regroup candidates under evidence the finished instance recorded by candidate id."""
    from agent.batch.folder import BatchFolder, InstanceStatus
    from agent.config import SolveConfig
    from agent.ensemble.run import SelectOptions, seed_all
    from agent.ensemble.sources import load_sources
    from agent.runfolder import RunFolder
    from agent.schema import Trajectory
    repo, files, row = make_instance(tmp_path)
    systems, patches = load_sources(files)
    opts = SelectOptions(output=tmp_path / "out", config=SolveConfig(), methods=["majority"])
    no_repo = {k: v for k, v in row.items() if k != "repo_path"}
    seed_all([no_repo], systems, patches, opts)                  # no mirror, no repository path
    folder = BatchFolder(opts.output)
    run = RunFolder(folder.run_dir(row["instance_id"]))

    def read_flags():
        return [run.read_model(f"03_patches/sample_{i:03d}.json", Trajectory).variant["files_read"] for i in range(3)]
    assert read_flags() == [False] * 3
    folder.write_status(InstanceStatus(instance_id=row["instance_id"], status="done"))
    seed_all([row], systems, patches, opts)
    assert read_flags() == [False] * 3
    folder.write_status(InstanceStatus(instance_id=row["instance_id"], status="error"))
    seed_all([row], systems, patches, opts)
    assert read_flags() == [True] * 3


def test_bench_scores_expected_values_per_subset():
    from agent.ensemble.bench import kind, scores, table
    from agent.ensemble.run import MethodChoice, Selection
    sel = Selection(instance_id="x", systems=["s1", "s2", "s3"], executed=True,
                    candidates=[{"id": "a", "systems": ["s1", "s2"]}, {"id": "b", "systems": ["s3"]}],
                    methods={"majority": MethodChoice(distribution={"a": 1.0}),
                             "random": MethodChoice(distribution={"a": 2 / 3, "b": 1 / 3}),
                             "pipeline": MethodChoice(distribution={})})
    labels = {"s1": False, "s2": False, "s3": True}
    got = scores(sel, labels)
    assert got["majority"] == 0.0 and got["pipeline"] == 0.0 and got["oracle"] == 1.0
    assert abs(got["random"] - 1 / 3) < 1e-9 and got["random (per candidate)"] == 0.5
    assert kind(sel, labels) == "mixed" and kind(sel, {"s3": False}) == "none"
    t = table([sel], {"x": labels}, ["majority", "oracle"])
    assert t["mixed"]["instances"] == 1 and t["covered"]["accuracy"]["oracle"] == 1.0
    # a label split between merged submissions counts as the share that resolved
    assert scores(sel, {"s1": True, "s2": False, "s3": False})["majority"] == 0.5
    # per executed instance: dollars, model tokens (the local model's $0 is not "free") and wall time
    from agent.ensemble.bench import markdown, report
    runs = {i: sel.model_copy(update={"instance_id": i, "tokens": t, "duration_s": d})
            for i, t, d in (("x", 20_000, 1000.0), ("y", 10_000, 500.0))}
    rep = report(runs, {"x": labels, "y": labels})
    assert rep["per_instance"] == {"cost_usd": 0.0, "tokens": 15_000, "wall_s": 750.0, "runs": 2}
    assert "15,000 tokens, 750 s wall (2 runs)" in markdown(rep)


def test_regression_ignores_a_test_every_candidate_breaks():
    """The old behaviour's own test fails for every fix of it: that is the issue, not a regression (a's other
    broken test stays one: a carries half of the submissions, not more)."""
    cands = [_cand("a", 2), _cand("b", 1), _cand("c", 1)]
    m = _matrix({"a": ("fail", ["t::old", "t::other"]), "b": ("fail", ["t::old"]), "c": ("fail", ["t::old"])})
    assert M.regression(cands, m) == {"b": 0.5, "c": 0.5}
    crashed = _matrix({"a": ("timeout", []), "b": ("fail", ["t::old"]), "c": ("fail", ["t::old"])})
    assert M.regression(cands, crashed) == {}      # a crash is never excused: nothing is common to all


def test_regression_ignores_a_test_most_submissions_break_but_not_half():
    """A partial fix that leaves the old behaviour alone must not make its test count against every real fix;
    a test only half of the submissions break still counts."""
    cands = [_cand("a", 3), _cand("b", 1), _cand("c", 1)]
    m = _matrix({"a": ("fail", ["t::old"]), "b": ("pass", []), "c": ("fail", ["t::old", "t::x"])})
    assert M.old_behaviour(cands, {"a": {"t::old"}, "b": set(), "c": {"t::old", "t::x"}}) == {"t::old"}
    assert M.regression(cands, m) == {"a": 1.0}          # 4 of 5 submissions break t::old; c still breaks t::x
    half = [_cand("a", 2), _cand("b", 2)]
    assert M.regression(half, _matrix({"a": ("fail", ["t::old"]), "b": ("pass", [])})) == {"b": 1.0}
    alone = [_cand("a", 3), _cand("b", 1)]       # one patch, however many systems sent it, is one patch
    assert M.regression(alone, _matrix({"a": ("fail", ["t::x"]), "b": ("pass", [])})) == {"b": 1.0}


def test_pipeline_top_is_ranked_again_by_todays_code(tmp_path):
    """A replay must see fixes to the ranking: pipeline-top re-ranks the folder's evidence; pipeline keeps
    what the run recorded (its selection trajectory needed a model)."""
    from agent.batch.folder import BatchFolder, InstanceStatus
    from agent.ensemble.run import SelectOptions, candidates_for, seed_all, selection_for
    from agent.ensemble.sources import load_sources
    from agent.ranking import RankedCandidate
    from agent.runfolder import DECISION, MATRIX, RunFolder
    from agent.schema import Decision
    repo, files, row = make_instance(tmp_path)
    systems, patches = load_sources(files)
    opts = SelectOptions(output=tmp_path / "out", config=SolveConfig(), methods=["pipeline", "pipeline-top"])
    seed_all([row], systems, patches, opts)
    folder = BatchFolder(opts.output)
    run = RunFolder(folder.run_dir(row["instance_id"]))
    ids = [c.id for c in candidates_for(run.root, len(systems))]
    assert len(ids) >= 2
    good, bad = ids[0], ids[1]
    # the suite breaks with `bad` and passes with every other candidate
    outcomes = {c: ("fail", ["t::x"]) if c == bad else ("pass", []) for c in ids}
    run.write_json(MATRIX, _matrix(outcomes))
    stale = Decision(status="selected", candidate=bad, confidence=0.9, method="ranking",
                     ranking=[RankedCandidate(candidate=c, score=1.0 if c == bad else 0.1, tests_passed=0, tests_total=0,
                                              weighted_pass=0.0, regression_ok=None, reward=None, count=1)
                              for c in [bad] + [c for c in ids if c != bad]])
    run.write_json(DECISION, stale)
    folder.write_status(InstanceStatus(instance_id=row["instance_id"], status="done"))
    sel = selection_for(folder, row["instance_id"], ["pipeline", "pipeline-top"], seed=0)
    assert sel.methods["pipeline"].candidate == bad                  # as recorded
    top = sel.methods["pipeline-top"].distribution
    assert bad not in top and good in top                            # ranked again: the breaking one is last


def test_an_empty_prediction_file_is_refused(tmp_path):
    from agent.ensemble.sources import load_sources
    empty = tmp_path / "preds.jsonl"
    empty.write_text("")
    with pytest.raises(ValueError, match="holds no predictions"):
        load_sources([empty])


def test_consensus_prefers_survivors_on_the_files_most_submissions_touch():
    """SWE-agent submissions often carry a stray reproduction script: file-level agreement sets them back."""
    def cand(cid, n, files):
        return Candidate(id=cid, diff=f"d{cid}", key=cid, samples=list(range(n)), files=files)
    fix = [cand("a", 1, ["pkg/mod.py"]), cand("b", 1, ["pkg/mod.py"]), cand("c", 1, ["pkg/mod.py"])]
    stray = [cand("d", 1, ["reproduce_bug.py"]), cand("e", 1, ["reproduce_bug.py", "pkg/mod.py"])]
    cands = fix + stray
    assert M.file_agreement(cands) == {"a": 4, "b": 4, "c": 4, "d": 2, "e": 3}
    passing = _matrix({c.id: ("pass", []) for c in cands})
    assert M.consensus(cands, passing) == {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}
    assert M.majority(cands) == {c.id: 0.2 for c in cands}       # majority alone cannot tell them apart
    # the regression filter comes first: breaking the suite removes a candidate whatever its files
    broken = _matrix({**{c.id: ("pass", []) for c in cands}, "a": ("fail", ["t::x"]), "b": ("fail", ["t::x"])})
    assert M.consensus(cands, broken) == {"c": 1.0}
    assert M.consensus([], passing) == {} and "consensus" in M.METHODS and "consensus" in M.NEEDS_EXECUTION


def test_a_chained_method_falls_back_where_the_first_abstains():
    """pipeline+majority: the pipeline's choice where it submitted, the systems' majority where it abstained."""
    from agent.schema import Decision
    cands = [_cand("a", 3), _cand("b", 1)]
    passing = _matrix({"a": ("pass", []), "b": ("pass", [])})
    chose_b = Decision(status="selected", candidate="b", confidence=0.8, method="ranking")
    abstained = Decision(status="abstained", confidence=0.2, method="ranking")
    assert M.distribution("pipeline+majority", cands, passing, chose_b) == {"b": 1.0}
    assert M.distribution("pipeline+majority", cands, passing, abstained) == {"a": 1.0}
    assert M.distribution("pipeline+majority", [], passing, abstained) == {}       # nothing to fall back on
    # a fallback that abstains too passes on to the next one
    broken = _matrix({"a": ("fail", ["t::x"]), "b": ("fail", ["t::y"])})
    assert M.distribution("pipeline+regression+majority", cands, broken, abstained) == {"a": 1.0}
    assert M.parts("pipeline+consensus") == ["pipeline", "consensus"]
    # majority:consensus: of the most-submitted candidates, the one(s) consensus keeps; none kept: the tie stays
    tie = [_cand("a", 2), _cand("b", 2), _cand("c", 1)]
    a_breaks = _matrix({"a": ("fail", ["t::x"]), "b": ("pass", []), "c": ("pass", [])})
    assert M.distribution("majority:consensus", tie, a_breaks, None) == {"b": 1.0}
    both_break = _matrix({"a": ("fail", ["t::x"]), "b": ("fail", ["t::y"]), "c": ("pass", [])})
    assert M.distribution("majority:consensus", tie, both_break, None) == {"a": 0.5, "b": 0.5}
    assert M.distribution("pipeline+majority:consensus", tie, a_breaks, abstained) == {"b": 1.0}
    assert M.steps("pipeline+majority:consensus") == [["pipeline"], ["majority", "consensus"]]
    assert M.needs_execution("pipeline+majority") and not M.needs_execution("majority+random")
    for bad in ("pipeline+vote", "majority+majority", "majority:majority", "", "majority:"):
        with pytest.raises(ValueError, match="unknown method"):
            M.parts(bad)
