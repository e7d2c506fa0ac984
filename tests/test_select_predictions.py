"""`swe-agent select` over prediction files (issue 13): sources, methods, and one SWE-bench-format
instance built here (a real git repository, two candidates from three systems, one correct) through
real Docker: the repository's own tests show which candidate breaks the code, majority is fooled."""
from __future__ import annotations

import json
from pathlib import Path

import git
import pytest
from typer.testing import CliRunner

from agent.ensemble import methods as M
from agent.ensemble.run import select_config
from agent.ensemble.sources import HIDDEN_FIELDS, files_after, seed_run, selection_row, system_names
from agent.config import SolveConfig
from agent.schema import Candidate, Cell, ExecutionMatrix

OPS = 'def add(a, b):\n    """Sum."""\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n'
TEST_OPS = "from calc.ops import add, mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n\n\ndef test_add_zero():\n    assert add(0, 0) == 0\n"
ISSUE = "add() returns the wrong result\n\n`calc.ops.add(2, 3)` returns -1 but it should return 5.\n"
HIDDEN = "from calc.ops import add\n\n\ndef test_hidden_secret_f2p():\n    assert add(2, 3) == 5\n"


def _diff(repo: Path, new_ops: str) -> str:
    (repo / "calc" / "ops.py").write_text(new_ops)
    diff = git.Repo(repo).git.diff() + "\n"
    git.Repo(repo).git.checkout("--", "calc/ops.py")
    return diff


def make_instance(root: Path) -> tuple[Path, list[Path], dict]:
    """A SWE-bench-format row, its repository, and prediction files of three systems: two submit the
    same wrong fix (it breaks mul; their diffs differ only in whitespace), one the right fix."""
    repo = root / "calc-repo"
    (repo / "calc").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "calc" / "__init__.py").write_text("")
    (repo / "calc" / "ops.py").write_text(OPS)
    (repo / "tests" / "test_ops.py").write_text(TEST_OPS)
    r = git.Repo.init(repo)
    with r.config_writer() as cw:
        cw.set_value("user", "name", "t").set_value("user", "email", "t@example.com")
    r.git.add(A=True)
    r.index.commit("initial")
    right = _diff(repo, OPS.replace("a - b", "a + b"))
    wrong = _diff(repo, OPS.replace("a - b", "a + b").replace("a * b", "a + b"))
    wrong2 = _diff(repo, OPS.replace("a - b", "a + b").replace("return a * b", "return a  +  b"))
    hidden = ("diff --git a/tests/test_hidden.py b/tests/test_hidden.py\nnew file mode 100644\n--- /dev/null\n"
              "+++ b/tests/test_hidden.py\n@@ -0,0 +1,5 @@\n" + "".join("+" + ln + "\n" for ln in HIDDEN.splitlines()))
    row = {"instance_id": "local__calc-1", "repo": "local/calc", "version": "0", "repo_path": str(repo),
           "base_commit": r.head.commit.hexsha, "problem_statement": ISSUE, "test_patch": hidden,
           "patch": right, "FAIL_TO_PASS": json.dumps(["tests/test_hidden.py::test_hidden_secret_f2p"]),
           "PASS_TO_PASS": json.dumps(["tests/test_ops.py::test_mul_secret_p2p"])}
    files = []
    for name, diff in (("sys-a", wrong), ("sys-b", wrong2), ("sys-c", right)):
        f = root / f"{name}.jsonl"
        f.write_text(json.dumps({"instance_id": row["instance_id"], "model_name_or_path": name,
                                 "model_patch": diff}) + "\n")
        files.append(f)
    return repo, files, row


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
    from agent.ensemble.sources import SourceMismatch
    with pytest.raises(SourceMismatch):
        seed_run(run, row["instance_id"], systems, [patches[0], patches[0], patches[0]], None)


# --- through real Docker -----------------------------------------------------------------------

@pytest.mark.docker
def test_select_through_docker_picks_the_fix_that_keeps_repository_tests(docker_client, tmp_path):
    from agent.cli import app
    repo, files, row = make_instance(tmp_path)
    dataset = tmp_path / "rows.jsonl"
    dataset.write_text(json.dumps(row) + "\n")
    out = tmp_path / "out"
    args = ["select", "--dataset", str(dataset), "--predictions", *map(str, files), "-o", str(out),
            "--model-free", "-m", "pipeline", "-m", "regression", "-m", "majority", "-m", "random",
            "-c", "exec_timeout_s=60", "-c", "workers=1"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output + repr(res.exception)
    right = json.loads(files[2].read_text())["model_patch"]
    sel = json.loads((out / "instances" / row["instance_id"] / "selection.json").read_text())
    assert sel["executed"] is True and len(sel["candidates"]) == 2
    by_id = {c["id"]: c for c in sel["candidates"]}
    good = next(cid for cid, c in by_id.items() if c["systems"] == ["sys-c"])
    assert by_id[next(i for i in by_id if i != good)]["systems"] == ["sys-a", "sys-b"]
    assert sel["methods"]["majority"]["distribution"] == {next(i for i in by_id if i != good): 1.0}
    assert sel["methods"]["regression"]["distribution"] == {good: 1.0}
    assert sel["methods"]["pipeline"]["candidate"] == good
    pred = [json.loads(ln) for ln in (out / "predictions.jsonl").read_text().splitlines()]
    assert pred == [{"instance_id": row["instance_id"], "model_name_or_path": "swe-agent-select-pipeline",
                     "model_patch": right}]
    assert "-    return a * b" in json.loads((out / "predictions-majority.jsonl").read_text())["model_patch"]
    # The run folder is a normal run: `show` renders it.
    report = tmp_path / "report.html"
    shown = CliRunner().invoke(app, ["show", str(out), "-o", str(report)])
    assert shown.exit_code == 0, shown.output
    # Selection never saw the hidden tests or the gold patch: none of their text is anywhere in OUT.
    for f in out.rglob("*"):
        if f.is_file():
            text = f.read_text(errors="replace")
            assert "secret_f2p" not in text and "secret_p2p" not in text and "test_hidden" not in text, f
    # Resume: a second run recomputes nothing and chooses the same.
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert (out / "predictions.jsonl").read_text().count("\n") == 1
    assert json.loads((out / "predictions.jsonl").read_text())["model_patch"] == right


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


@pytest.mark.docker
def test_pip_layer_keeps_a_requirement_the_image_already_satisfies(docker_client, tmp_path):
    """select adds pytest on top of prebuilt images (sympy's environment has none); where the image has
    it already (pytest's own editable testbed) the layer must leave it alone, without any index."""
    from sandbox.images import RepoRecipe, ensure_pip_image, ensure_repo_image
    repo, _, _ = make_instance(tmp_path)
    base = ensure_repo_image(docker_client, RepoRecipe(repo_path=str(repo), install=[]))
    before = docker_client.containers.run(base, "python -m pytest --version", remove=True, network_disabled=True)
    tag = ensure_pip_image(docker_client, base, ["pytest"])
    assert tag != base and ensure_pip_image(docker_client, base, ["pytest"]) == tag   # built once
    after = docker_client.containers.run(tag, "python -m pytest --version", remove=True, network_disabled=True)
    assert before == after and b"pytest" in after


def test_regression_ignores_a_test_every_candidate_breaks():
    """The old behaviour's own test fails for every fix of it: that is the issue, not a regression."""
    cands = [_cand("a", 3), _cand("b", 1), _cand("c", 1)]
    m = _matrix({"a": ("fail", ["t::old", "t::other"]), "b": ("fail", ["t::old"]), "c": ("fail", ["t::old"])})
    assert M.regression(cands, m) == {"b": 0.5, "c": 0.5}
    crashed = _matrix({"a": ("timeout", []), "b": ("fail", ["t::old"]), "c": ("fail", ["t::old"])})
    assert M.regression(cands, crashed) == {}      # a crash is never excused: nothing is common to all
