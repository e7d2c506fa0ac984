"""Offline selection replay and calibration (agent/calibration.py, agent/replay.py, scripts/bench_select.py):
pure, on real run-folder JSON written in tmp_path; no Docker, no model."""
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from agent.calibration import (FLOOR, Calibration, CandidateRow, Platt, auc, decide_options, ece, fit_confidence,
                               fit_threshold, fit_weights, load_calibration, make_weights, signal_auc)
from agent.config import load_config
from agent.examples.scaling import AtBudget, InstanceResult
from agent.examples.split import split_of
from agent.replay import evaluate, fit, held_out_ece, judge_report, load_bench, variants
from agent.runfolder import RunFolder
from agent.schema import Behaviour, BehaviourCluster, Candidate, Cell, ExecutionMatrix, RewardScore
from agent.ranking import Weights, decide
from tests.support.paths import ROOT


def test_auc_on_known_inputs():
    assert auc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert auc([0.1, 0.2, 0.9, 0.8], [True, True, False, False]) == 0.0
    assert auc([0.5, 0.5, 0.5], [True, False, False]) == 0.5
    assert auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == 0.75
    assert auc([0.3, 0.9], [True, True]) is None and auc([], []) is None


def test_within_instance_auc_ignores_cross_instance_pairs():
    # Within each instance the right candidate scores higher; pooled, instance b's right one loses to a's wrong one.
    rows = [CandidateRow("a", True, None, 0.9, 0.5), CandidateRow("a", False, None, 0.8, 0.5),
            CandidateRow("b", True, None, 0.3, 0.5), CandidateRow("b", False, None, 0.1, 0.5),
            CandidateRow("c", False, None, 0.95, 1.0)]     # one class only: no within-instance pair
    assert signal_auc(rows, "reward", within=True) == 1.0
    assert signal_auc(rows, "reward") < 0.6
    assert signal_auc(rows, "tests") is None


def test_ece():
    assert ece([0.75] * 4, [True, True, True, False]) == 0.0
    assert ece([1.0, 1.0], [True, False]) == pytest.approx(0.5)
    # two bins, each off by 0.3, weighted by size
    assert ece([0.1, 0.1, 0.9, 0.9], [True, False, True, False]) == pytest.approx(0.4)
    assert ece([], []) is None


def _rows(judge, n=400, seed=1):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        right = i % 2 == 0
        rows.append(CandidateRow(f"i{i // 2}", right, tests=1.0 if right else 0.0, reward=judge(rng, right),
                                 votes=0.5))
    return rows


def test_fit_weights_follows_auc():
    noise = fit_weights(_rows(lambda rng, right: rng.random()))
    assert noise.reward < 0.1 and noise.tests > 0.7            # a judge at chance earns ~nothing
    inverted = fit_weights(_rows(lambda rng, right: 0.0 if right else 1.0))
    assert inverted.reward == FLOOR
    perfect = fit_weights(_rows(lambda rng, right: 1.0 if right else 0.0))
    assert perfect.reward == perfect.tests > 0.4
    assert noise.votes == FLOOR                                  # equal votes separate nothing
    assert noise.regression == Weights().regression and noise.separation_bonus == Weights().separation_bonus
    # No labelled contrast at all: no evidence to move the defaults.
    assert fit_weights([CandidateRow("a", True, 1.0, 0.9, 1.0)]) == Weights()


def test_platt_is_monotone_and_fits_rates():
    pts = [(0.9, True)] * 8 + [(0.9, False)] * 2 + [(0.2, True)] * 2 + [(0.2, False)] * 8
    p = fit_confidence(pts)
    assert p.a > 0 and 0.65 < p(0.9) < 0.9 and 0.1 < p(0.2) < 0.35
    backwards = fit_confidence([(0.9, False)] * 5 + [(0.1, True)] * 5)
    assert backwards.a == 0.0 and backwards(0.9) == backwards(0.1) == pytest.approx(0.5, abs=0.01)
    assert fit_confidence([]) == Platt()


def test_fit_threshold_reaches_target_precision():
    pts = [(0.2, False), (0.5, True), (0.6, False), (0.7, True), (0.8, True), (0.9, True)]
    assert fit_threshold(pts, 0.9) == (0.7, True)
    assert fit_threshold(pts, 0.5) == (0.2, True) or fit_threshold(pts, 0.5)[0] <= 0.5
    assert fit_threshold([(0.3, False), (0.8, True), (0.9, False)], 0.9) == (0.8, False)


def _cand(cid, samples):
    return Candidate(id=cid, diff=f"diff {cid}", key=cid, samples=samples, files=["a.py"])


def test_decide_default_unchanged_and_calibrated():
    cands = [_cand("c1", [0, 1]), _cand("c2", [2])]
    m = ExecutionMatrix(candidates=["c1", "c2"], tests=["t1"],
                        cells=[Cell(candidate="c1", test="t1", outcome="pass"), Cell(candidate="c2", test="t1", outcome="fail")])
    plain = decide(cands, m, {}, abstain_below=0.45)
    assert decide(cands, m, {}, **decide_options({}, None, 0.45)) == plain
    low = decide(cands, m, {}, abstain_below=0.5, calibrate=lambda x: 0.3)
    assert low.status == "abstained" and low.confidence == 0.3 and low.method == "low_confidence"
    # All weights zero (a fitted file may say so): ranking still works, no division by zero.
    zero = Weights(tests=0, reward=0, votes=0, regression=0)
    assert decide(cands, m, {}, abstain_below=0.0, w=zero).ranking[0].score == 0.0


def test_calibration_file_and_config(tmp_path):
    assert load_calibration(None) is None
    with pytest.raises(FileNotFoundError):
        load_calibration(tmp_path / "missing.json")
    path = tmp_path / "cal.json"
    path.write_text(Calibration(weights={"reward": 0.01, "tests": 0.8}, platt=Platt(a=4, b=-2),
                                abstain_below=0.7).model_dump_json())
    cfg = load_config(overrides=[f"select.calibration={path}", "select.weights.votes=0.3"])
    opts = decide_options(cfg.select.weights, cfg.select.calibration, cfg.select.abstain_below)
    assert opts["abstain_below"] == 0.7 and opts["calibrate"](0.5) == 0.5
    assert (opts["w"].reward, opts["w"].tests, opts["w"].votes) == (0.01, 0.8, 0.3)
    with pytest.raises(ValueError):
        make_weights({"judge": 1.0})
    assert load_config().select.calibration is None


# A synthetic bench folder, as scripts/bench_scaling.py writes it: a good candidate passes the kept test,
# a bad one fails it; the judge likes whichever comes first (noise). Names of both splits.
def _instance(out: Path, name: str, cands: list[tuple[str, list[int], str, float, bool]], tests=("t000",)):
    run = RunFolder(out / "runs" / name / "gen4")
    cs = [_cand(cid, samples) for cid, samples, *_ in cands]
    cells = [Cell(candidate=cid, test=t, outcome=o) for cid, _, outcomes, _, _ in cands
             for t, o in zip(tests, outcomes.split(","))]
    matrix = ExecutionMatrix(candidates=[c.id for c in cs], tests=list(tests), cells=cells)
    rewards = {cid: RewardScore(candidate=cid, scores=[r], mean=r) for cid, _, _, r, _ in cands}
    run.write_json("03_patches/candidates.json", cs)
    run.write_json("04_execution/matrix.json", matrix)
    for r in rewards.values():
        run.write_json(f"06_reward/{r.candidate}.json", r)
    d = decide(cs, matrix, rewards, abstain_below=0.45)
    run.write_json("07_selection/decision.json", d)
    labels = {cid: ok for cid, _, _, _, ok in cands}
    at = [AtBudget(n=4, status=d.status, correct=d.status == "selected" and labels[d.candidate])]
    RunFolder(out / "instances").write_json(f"{name}.json", InstanceResult(
        name=name, samples=4, sample_correct=[labels[cid] for cid, s, *_ in cands for _ in s], candidates=labels, at=at))


def _names(split: str, k: int) -> list[str]:
    return [n for n in (f"inst{i}" for i in range(100)) if split_of(n) == split][:k]


@pytest.fixture
def bench(tmp_path):
    out = tmp_path / "bench"
    for split in ("train", "test"):
        for i, name in enumerate(_names(split, 6)):
            judge_first = 0.9 if i % 2 else 0.2          # noise: unrelated to correctness
            if i < 4:      # good passes, bad fails; the majority is bad's on even i, good's on odd i
                good_votes, bad_votes = ([0], [1, 2, 3]) if i % 2 == 0 else ([0, 2], [1])
                _instance(out, name, [("good", good_votes, "pass", judge_first, True),
                                      ("bad", bad_votes, "fail", 1.1 - judge_first, False)])
            elif i == 4:   # no correct candidate; the wrong one passes one of two (wrong) tests
                _instance(out, name, [("bad", [0, 1], "pass,fail", 0.1, False), ("worse", [2], "fail,fail", 0.3, False)],
                          tests=("t000", "t001"))
            else:          # generation produced nothing
                RunFolder(out / "instances").write_json(f"{name}.json", InstanceResult(
                    name=name, samples=4, sample_correct=[False] * 4, candidates={},
                    at=[AtBudget(n=4, status="abstained", correct=False)]))
    return out


def test_replay_variants_on_a_bench_folder(bench):
    cases = load_bench(bench)
    assert len(cases) == 12 and sum(c.covered for c in cases) == 8
    test = [c for c in cases if split_of(c.name) == "test"]
    res = {k: evaluate(test, v) for k, v in variants().items()}
    assert res["oracle"]["selected"] == res["oracle"]["coverage"] == pytest.approx(4 / 6)
    assert res["oracle"]["precision"] == 1.0 and res["oracle"]["efficiency"] == 1.0
    # the bad candidate has the majority in two of four covered instances; instance 4 submits a wrong one
    assert res["votes-only"]["selected"] == pytest.approx(2 / 6) and res["votes-only"]["abstain"] == pytest.approx(1 / 6)
    assert res["tests-only"]["selected"] == pytest.approx(4 / 6) and res["tests-only"]["precision"] == pytest.approx(0.8)
    assert res["default"] == res["recorded"]          # the replay decides as the run did
    assert res["default"]["precision"] is not None and 0 <= res["default"]["ece"] <= 1
    again = {k: evaluate(test, v) for k, v in variants(seed=0).items()}
    assert again["random(seed=0)"] == res["random(seed=0)"]


def test_replay_decides_with_the_runs_behaviour_clusters(tmp_path):
    # Every candidate fails the (wrong) model-written test; two samples agree on behaviour. The run decided
    # with its probe clusters (04_execution/behaviour.json): the replay must see them too, or it abstains.
    out = tmp_path / "bench"
    _instance(out, "inst0", [("a", [0], "fail", 0.4, True), ("b", [1], "fail", 0.4, True), ("w", [2], "fail", 0.4, False)])
    run = RunFolder(out / "runs" / "inst0" / "gen4")
    b = Behaviour(original="o", signatures={"a": "s1", "b": "s1", "w": "s2"}, informative=True, best="s1",
                  clusters=[BehaviourCluster(signature="s1", candidates=["a", "b"], support=2, changed=True, issue_ok=True),
                            BehaviourCluster(signature="s2", candidates=["w"], support=1, changed=True, issue_ok=True)])
    run.write_json("04_execution/behaviour.json", b)
    d = decide(run.candidates(), run.matrix(), run.rewards(), abstain_below=0.45, behaviour=b)
    assert d.status == "selected"
    run.write_json("07_selection/decision.json", d)
    [case] = load_bench(out)
    assert case.behaviour == b
    res = {k: evaluate([case], v) for k, v in variants().items()}
    assert res["default"] == res["recorded"] and res["default"]["selected"] == 1.0


def test_fit_gives_a_noise_judge_no_weight(bench):
    train = [c for c in load_bench(bench) if split_of(c.name) == "train"]
    report = judge_report(train)
    assert report["auc"]["tests"] > 0.8 and report["auc"]["reward"] == pytest.approx(0.5, abs=0.2)
    cal = fit(train)
    assert cal.weights["reward"] < 0.3 * cal.weights["tests"]
    assert cal.platt.a >= 0 and 0.0 <= cal.abstain_below <= 1.0
    assert cal.fit["target_met"] and cal.fit["train"]["precision"] >= 0.9
    test = [c for c in load_bench(bench) if split_of(c.name) == "test"]
    fitted = evaluate(test, variants(cal)["fitted"])
    assert fitted["selected"] >= evaluate(test, variants()["votes-only"])["selected"]


def test_a_confidence_only_calibration_never_changes_a_decision(bench, tmp_path):
    """scope "confidence": the run's weights and threshold decide as uncalibrated (the threshold is mapped by the
    same monotone curve); only the printed confidence becomes the fitted share of such picks that were right."""
    cases = load_bench(bench)
    train = [c for c in cases if split_of(c.name) == "train"]
    cal = fit(train, scope="confidence")
    assert cal.scope == "confidence" and cal.weights == {} and cal.platt.a > 0
    plain, fitted = variants()["default"], variants(cal)["fitted"]
    for case in (c for c in cases if c.candidates):
        before, after = plain(case), fitted(case)
        assert (after.candidate, after.top) == (before.candidate, before.top)
        if before.confidence:      # 0.0 is no raw confidence (unchanged, vetoed) or a raw 0 that maps alike
            assert after.confidence == cal.apply(before.confidence)
    path = tmp_path / "conf.json"
    path.write_text(Calibration(scope="confidence", weights={"tests": 0.01}, platt=Platt(a=4, b=-2),
                                abstain_below=0.99).model_dump_json())
    opts = decide_options({"votes": 0.3}, str(path), 0.45)     # the file's weights and threshold are not used
    assert opts["abstain_below"] == Platt(a=4, b=-2)(0.45) and opts["w"].tests == Weights().tests
    assert opts["w"].votes == 0.3
    held = held_out_ece(train, "confidence")
    assert held is not None and 0.0 <= held <= 1.0


def test_script_end_to_end(bench, tmp_path):
    cal_path, js = tmp_path / "cal.json", tmp_path / "numbers.json"
    args = [sys.executable, str(ROOT / "scripts" / "bench_select.py"), "--runs", str(bench),
            "--split", "test", "--fit", "--calibration", str(cal_path), "--json", str(js)]
    few = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert few.returncode == 2 and "at least 10 train-split instances" in few.stderr and not cal_path.exists()
    run = subprocess.run(args + ["--min-fit", "2"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    for name in ("default", "recorded", "tests-only", "votes-only", "reward-only", "random(seed=0)", "oracle", "fitted"):
        assert f"| {name} |" in run.stdout
    assert "judge AUC on train" in run.stdout and "6 instance(s) of split 'test'" in run.stdout
    numbers = json.loads(js.read_text())
    assert numbers["variants"]["oracle"]["selected"] == pytest.approx(4 / 6)
    assert load_calibration(cal_path).weights == numbers["calibration"]["weights"]
    empty = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_select.py"), "--runs", str(tmp_path / "none")],
                           capture_output=True, text=True, timeout=120)
    assert empty.returncode == 2 and "no OUT/instances" in empty.stderr


def test_select_stage_applies_a_configured_calibration(tmp_path):
    from types import SimpleNamespace

    from agent.stages.select import select
    cands = [_cand("c1", [0, 1]), _cand("c2", [2])]
    m = ExecutionMatrix(candidates=["c1", "c2"], tests=["t1"],
                        cells=[Cell(candidate="c1", test="t1", outcome="pass"), Cell(candidate="c2", test="t1", outcome="fail")])
    cal = tmp_path / "cal.json"
    cal.write_text(Calibration(platt=Platt(a=0.0, b=-1.0), abstain_below=0.5).model_dump_json())   # always ~0.27

    def run(*overrides):
        cfg = load_config(overrides=["use_selection_trajectory=false", *overrides])
        return select(SimpleNamespace(run=RunFolder(tmp_path / f"run{len(overrides)}"), config=cfg), cands, m, {})
    plain, calibrated = run(), run(f"select.calibration={cal}")
    assert plain.status == "selected" and plain.candidate == "c1"
    assert calibrated.status == "abstained" and calibrated.confidence == 0.269 and calibrated.method == "low_confidence"
