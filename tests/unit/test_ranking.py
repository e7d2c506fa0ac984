from agent.schema import Candidate, Cell, ExecutionMatrix, RewardScore
from agent.ranking import confidence, decide, is_decisive, rank_candidates, weight_tests, tied_leaders


def cand(cid, samples):
    return Candidate(id=cid, diff=f"diff {cid}", key=cid, samples=samples, files=["a.py"])


def matrix(results: dict, regression: dict | None = None, baseline_failed=()):
    cands = sorted(results)
    tests = sorted({t for r in results.values() for t in r})
    cells = [Cell(candidate=c, test=t, outcome=o) for c, r in results.items() for t, o in r.items()]
    base = None
    if regression:
        cells += [Cell(candidate=c, test="regression", outcome=o[0], failed_tests=o[1]) for c, o in regression.items()]
        base = Cell(candidate="original", test="regression", outcome="fail" if baseline_failed else "pass",
                    failed_tests=list(baseline_failed))
    return ExecutionMatrix(candidates=cands, tests=tests, cells=cells, baseline_regression=base)


def test_separating_tests_weigh_more():
    m = matrix({"c1": {"t1": "pass", "t2": "pass"}, "c2": {"t1": "pass", "t2": "fail"}})
    w = weight_tests(m)
    assert w["t2"] > w["t1"] == 1.0


def test_ranking_prefers_test_evidence_over_votes():
    cands = [cand("c1", [0]), cand("c2", [1, 2, 3])]
    m = matrix({"c1": {"t1": "pass"}, "c2": {"t1": "fail"}})
    ranked = rank_candidates(cands, m, {})
    assert ranked[0].candidate == "c1"
    assert ranked[0].tests_passed == 1 and ranked[1].tests_passed == 0


def test_votes_break_ties_without_tests():
    cands = [cand("c1", [0]), cand("c2", [1, 2])]
    m = matrix({"c1": {}, "c2": {}})
    rewards = {"c1": RewardScore(candidate="c1", scores=[0.8], mean=0.8),
               "c2": RewardScore(candidate="c2", scores=[0.8], mean=0.8)}
    assert rank_candidates(cands, m, rewards)[0].candidate == "c2"


def test_regression_breakage_penalised_but_preexisting_failures_ignored():
    cands = [cand("c1", [0]), cand("c2", [1])]
    m = matrix({"c1": {"t1": "pass"}, "c2": {"t1": "pass"}},
               regression={"c1": ("fail", ["tests/t.py::old_broken", "tests/t.py::new_broken"]),
                           "c2": ("fail", ["tests/t.py::old_broken"])},
               baseline_failed=["tests/t.py::old_broken"])
    ranked = rank_candidates(cands, m, {})
    by = {r.candidate: r for r in ranked}
    assert by["c1"].regression_ok is False and by["c2"].regression_ok is True
    assert ranked[0].candidate == "c2"


def test_a_suite_that_times_out_on_the_original_code_is_no_evidence():
    cands = [cand("c1", [0]), cand("c2", [1]), cand("c3", [2])]
    m = matrix({"c1": {}, "c2": {}, "c3": {}},
               regression={"c1": ("timeout", []), "c2": ("pass", []), "c3": ("apply_failed", [])})
    by = {r.candidate: r for r in rank_candidates(cands, m, {})}
    assert by["c1"].regression_ok is False     # the original code finished: a candidate that hangs broke it
    m.baseline_regression.outcome = "timeout"  # requests' suite waits on httpbin: every run times out
    by = {r.candidate: r for r in rank_candidates(cands, m, {})}
    assert by["c1"].regression_ok is None and by["c2"].regression_ok is True and by["c3"].regression_ok is False


def test_abstain_without_evidence():
    cands = [cand("c1", [0, 1])]
    m = matrix({"c1": {"t1": "fail"}})
    low = {"c1": RewardScore(candidate="c1", scores=[0.2], mean=0.2)}
    d = decide(cands, m, low, abstain_below=0.35)
    assert d.status == "abstained" and "No candidate passes" in d.diagnosis
    assert decide([], m, {}, abstain_below=0.35).status == "abstained"


def test_abstain_when_no_valid_test_and_judge_low():
    cands = [cand("c1", [0])]
    m = ExecutionMatrix(candidates=["c1"], tests=[], cells=[])
    d = decide(cands, m, {"c1": RewardScore(candidate="c1", scores=[0.3], mean=0.3)}, abstain_below=0.35)
    assert d.status == "abstained"
    # A judge's 0.9 for one sample's patch, and nothing else, must not clear the default threshold
    # (a demo run once shipped a wrong patch that way) ...
    keen = {"c1": RewardScore(candidate="c1", scores=[0.9], mean=0.9)}
    d = decide(cands, m, keen, abstain_below=0.45)
    assert d.status == "abstained" and d.confidence < 0.45
    # ... but two independent samples agreeing on the patch, with the judge, may.
    d = decide([cand("c1", [0, 1])], m, keen, abstain_below=0.45)
    assert d.status == "selected" and d.candidate == "c1"


def test_select_with_evidence_and_confidence_orders():
    cands = [cand("c1", [0, 1, 2]), cand("c2", [3])]
    m = matrix({"c1": {"t1": "pass", "t2": "pass"}, "c2": {"t1": "fail", "t2": "fail"}})
    d = decide(cands, m, {}, abstain_below=0.35)
    assert d.status == "selected" and d.candidate == "c1"
    weak = matrix({"c1": {"t1": "pass", "t2": "fail"}, "c2": {"t1": "fail", "t2": "pass"}})
    assert confidence(rank_candidates(cands, weak, {})) < d.confidence


def test_tied_leaders_and_decisive():
    cands = [cand("c1", [0, 1, 2]), cand("c2", [3])]
    m = matrix({"c1": {"t1": "pass"}, "c2": {"t1": "pass"}})
    ranked = rank_candidates(cands, m, {})
    assert tied_leaders(ranked, 3) == ["c1"]           # three samples against one: a clear lead
    even = [cand("c1", [0, 1]), cand("c2", [2, 3])]
    assert tied_leaders(rank_candidates(even, m, {}), 3) == ["c1", "c2"]
    assert is_decisive(cands, {"c1": True}, agree=3)
    assert not is_decisive(cands, {"c1": False, "c2": True}, agree=3)
    assert not is_decisive(cands, {"c1": True}, agree=4)


def test_the_selection_trajectory_chooses_only_among_leaders_as_well_supported_as_the_first():
    """quantiles (train split, 72af736): three candidates near-tied on the evidence, the leader written by two
    samples, the others by one each; the trajectory swapped the leader for a wrong one-sample fix."""
    from agent.ranking import contenders
    m = matrix({"c1": {"t1": "pass"}, "c2": {"t1": "pass"}, "c3": {"t1": "pass"}})
    ranked = rank_candidates([cand("c1", [2, 7]), cand("c2", [4]), cand("c3", [6])], m, {})
    assert ranked[0].candidate == "c1"
    assert contenders(ranked, ["c1", "c2", "c3"]) == ["c1"]          # nothing to choose: no trajectory call
    even = rank_candidates([cand("c1", [0, 1]), cand("c2", [2, 3]), cand("c3", [4])], m, {})
    assert contenders(even, tied_leaders(even, 3)) == ["c1", "c2"]
    assert contenders(even, []) == []


def test_a_leader_no_sample_wrote_sets_no_bar_the_most_written_near_tied_leader_does():
    """orders (train split, 8943466): the evidence's leader was a model-free repair (0 samples), near-tied with a
    fix 3 samples wrote and a 1-sample edit that dropped the docstring's `max(net, 0)` clamp; measured against the
    leader's 0 samples every candidate was a contender, and the trajectory took the 1-sample one (wrong)."""
    from agent.ranking import contenders
    m = matrix({c: {"t1": "pass"} for c in ("mut", "one", "three", "other")})
    ranked = rank_candidates([cand("mut", []), cand("one", [4]), cand("three", [0, 1, 2]), cand("other", [5])], m, {})
    leaders = ["mut", "one", "three", "other"]
    assert contenders(ranked, leaders) == ["mut", "three"]
    assert contenders(ranked, ["mut", "one"]) == ["mut", "one"]      # the most-written near-tied leader is "one"


def test_the_selection_trajectory_cannot_pick_a_leader_the_execution_evidence_dominates():
    """synth bench10 inflection-cb3d2fd94b: the leader (a repair, no sample wrote it) passes the kept tests and
    every repository test; two one-sample candidates pass the same kept tests but leave the original code's
    repository failures (one stubbed the broken function out). The trajectory picked a stub. A contender the
    leader dominates is none (so is one that breaks a repository test the leader keeps); one that passes a kept
    test the leader fails stays."""
    from agent.ranking import contenders, dominates
    base_fail = ["t_norm[a]", "t_norm[b]", "t_param"]
    m = matrix({"lead": {"t1": "pass", "t2": "fail"}, "stub": {"t1": "pass", "t2": "fail"},
                "other": {"t1": "pass", "t2": "fail"}, "wider": {"t1": "pass", "t2": "pass"}},
               regression={"lead": ("pass", []), "stub": ("fail", ["t_norm[a]", "t_norm[b]"]),
                           "other": ("fail", ["t_unrelated"]), "wider": ("fail", ["t_norm[a]"])},
               baseline_failed=base_fail)
    ranked = rank_candidates([cand("lead", []), cand("stub", [1]), cand("other", [2]), cand("wider", [3])], m, {})
    leaders = ["lead", "stub", "other", "wider"]
    assert dominates(m, "lead", "stub") and not dominates(m, "stub", "lead")
    assert not dominates(m, "lead", "wider")          # wider passes a kept test lead fails
    assert not dominates(m, "lead", "lead")           # strict
    assert contenders(ranked, leaders) == leaders     # every one as well supported as the leader (0 samples)
    assert contenders(ranked, leaders, m) == ["lead", "wider"]
    unknown = matrix({"lead": {"t1": "pass"}, "stub": {"t1": "pass"}},
                     regression={"lead": ("error", []), "stub": ("fail", ["x"])}, baseline_failed=["x"])
    assert not dominates(unknown, "lead", "stub")     # a run that errored tells nothing


def test_judge_alone_cannot_override_failing_reproduction_tests():
    cands = [cand("c1", [0])]
    m = matrix({"c1": {"t1": "fail", "t2": "fail"}})
    enthusiastic = {"c1": RewardScore(candidate="c1", scores=[1.0], mean=1.0)}
    d = decide(cands, m, enthusiastic, abstain_below=0.45)
    assert d.status == "abstained" and d.confidence < 0.45


def test_agreeing_samples_count_when_every_test_fails_everyone():
    # A generated test can be wrong: when no candidate passes it, independent agreement + judge decide.
    m = matrix({"c1": {"t1": "fail"}, "c2": {"t1": "fail"}})
    judge = {"c1": RewardScore(candidate="c1", scores=[0.7], mean=0.7),
             "c2": RewardScore(candidate="c2", scores=[0.7], mean=0.7)}
    agreed = decide([cand("c1", [0, 1, 2, 3]), cand("c2", [4])], m, judge, abstain_below=0.45)
    assert agreed.status == "selected" and agreed.candidate == "c1"
    lone = decide([cand("c1", [0]), cand("c2", [1])], m, judge, abstain_below=0.45)
    assert lone.status == "abstained"


def test_selection_trajectory_summary_shows_behaviour_support():
    from agent.schema import RankedCandidate
    from agent.stages.select import _summary
    row = RankedCandidate(candidate="c1", score=1.0, tests_passed=2, tests_total=3, weighted_pass=2.0,
                          regression_ok=True, reward=0.5, count=2, support=3)
    assert _summary(row).endswith("2 sample(s), behaves like 3 sample(s) on the probe inputs")
    assert "probe" not in _summary(row.model_copy(update={"support": None}))
    # "ok" said nothing about the original code's own failures: the right fix and a stub read alike
    m = matrix({"c1": {"t1": "pass"}, "c2": {"t1": "pass"}},
               regression={"c1": ("pass", []), "c2": ("fail", ["a", "b"])}, baseline_failed=["a", "b"])
    assert "repo tests all pass (2 fail on the original code)" in _summary(row, m)
    assert "no new failure (2 fail, as on the original code)" in _summary(row.model_copy(update={"candidate": "c2"}), m)
    assert "BREAKS repo tests" in _summary(row.model_copy(update={"regression_ok": False}), m)


def test_contested_confidence_shares_test_evidence_with_rival_behaviours():
    """Two behaviours, one sample each, both passing every kept test (the train split's contacts at f86f587:
    a wrong fix selected at 0.76): the tests cannot tell them apart, so with `contested` they count half."""
    from agent.ranking import confidence, contested_share
    from agent.schema import RankedCandidate

    def rc(name, cluster, support, wp=1.0, passed=2, score=0.86, unchanged=False):
        return RankedCandidate(candidate=name, score=score, tests_passed=passed, tests_total=2, weighted_pass=wp,
                               regression_ok=True, reward=0.68, count=1, support=support, share=0.5,
                               cluster=cluster, unchanged=unchanged)
    two = [rc("a", "s1", 1), rc("b", "s2", 1), rc("c", "orig", 3, wp=0.0, passed=0, score=0.0, unchanged=True)]
    assert contested_share(two) == 0.5
    assert confidence(two) == 0.845 and confidence(two, contested=True) == 0.545
    same = [rc("a", "s1", 2), rc("b", "s1", 2)]                        # one behaviour: no rival
    assert contested_share(same) == 1.0
    weaker = [rc("a", "s1", 1), rc("b", "s2", 3, wp=0.5, passed=1)]   # passes less: no rival
    assert contested_share(weaker) == 1.0
    unobserved = [rc("a", None, None), rc("b", "s2", 1)]              # no behaviour evidence: unchanged rule
    assert contested_share(unobserved) == 1.0
    assert contested_share([rc("a", "s1", 1), rc("b", "s2", 3)]) == 0.25


def test_a_reward_with_no_judgement_is_no_verdict():
    # an older run folder may hold `scores: []`, `mean: 0.0`: ranked as no judge, not as a "No"
    cands = [cand("c1", [0]), cand("c2", [1])]
    m = matrix({"c1": {"t1": "pass"}, "c2": {"t1": "pass"}})
    empty = {"c1": RewardScore(candidate="c1", scores=[], mean=0.0)}
    assert rank_candidates(cands, m, empty) == rank_candidates(cands, m, {})


def test_a_candidate_that_repairs_a_failing_repository_test_is_not_a_no_op():
    """Synth bench10 toolz-f9046467c2: the probes did not call the changed code, so the fix four samples wrote fell
    with the no-ops, although with it the repository test failing on the original code passed and nothing broke.
    A candidate that also breaks a test that passed, or repairs nothing, stays where the probes put it."""
    from agent.ranking import behaviour_votes, repairs
    from agent.schema import Behaviour, BehaviourCluster
    m = matrix({"fix": {"t0": "fail"}, "trade": {"t0": "fail"}, "noop": {"t0": "fail"}, "w": {"t0": "fail"}},
               regression={"fix": ("pass", []), "trade": ("fail", ["t_new"]), "noop": ("fail", ["t_doc"]),
                           "w": ("fail", ["t_doc"])},
               baseline_failed=("t_doc",))
    assert [repairs(m, c) for c in ("fix", "trade", "noop", "w")] == [True, False, False, False]
    b = Behaviour(original="o", signatures={"fix": "o", "trade": "o", "noop": "o", "w": "s2"}, informative=True,
                  best="s2", unchanged=["fix", "trade", "noop"],
                  clusters=[BehaviourCluster(signature="s2", candidates=["w"], support=1, changed=True, issue_ok=True)])
    cands = [cand("fix", [0, 1, 2, 3]), cand("trade", [4]), cand("noop", [5]), cand("w", [6])]
    support, unchanged = behaviour_votes(cands, b, m)
    assert unchanged == {"trade", "noop"} and "fix" not in support
    ranked = rank_candidates(cands, m, {}, behaviour=b)
    assert ranked[0].candidate == "fix" and not ranked[0].unchanged


def test_execution_twins_are_ordered_by_samples_then_by_the_smaller_diff_not_by_the_judge():
    """The demo with seed 1 (docs/reports/select-trajectory/RULE-s34-twins.md): the right fix three samples wrote and
    the same fix plus an unexercised wrong edit one sample wrote behave alike and pass the same tests; the judge's
    0.650 against 0.644 must not choose. Twins that execution tells apart keep the judge's order."""
    from agent.schema import Behaviour, BehaviourCluster
    fix = Candidate(id="fix", diff="+ a\n- b\n", key="fix", samples=[0, 1, 2], files=["a.py"])
    more = Candidate(id="more", diff="+ a\n- b\n+ c\n- d\n", key="more", samples=[3], files=["a.py"])
    small = Candidate(id="small", diff="+ a\n- b\n", key="small", samples=[4], files=["a.py"])
    b = Behaviour(original="o", signatures={"fix": "s", "more": "s", "small": "s"}, informative=True, best="s",
                  clusters=[BehaviourCluster(signature="s", candidates=["fix", "more", "small"], support=5,
                                             changed=True, issue_ok=True)])
    judge = {"fix": 0.644, "more": 0.650, "small": 0.66}
    rewards = {c: RewardScore(candidate=c, scores=[v], mean=v) for c, v in judge.items()}
    same = matrix({"fix": {"t1": "pass"}, "more": {"t1": "pass"}, "small": {"t1": "pass"}},
                  regression={"fix": ("pass", []), "more": ("pass", []), "small": ("pass", [])})
    ranked = rank_candidates([fix, more, small], same, rewards, behaviour=b)
    assert [r.candidate for r in ranked] == ["fix", "small", "more"]
    assert [r.reward for r in ranked] == [0.644, 0.66, 0.650]           # each keeps its own judge score
    assert ranked[0].score >= ranked[1].score >= ranked[2].score
    assert decide([fix, more, small], same, rewards, abstain_below=0.45, behaviour=b).candidate == "fix"
    # `more` also breaks a repository test: no longer a twin, so the order is the evidence's again
    apart = matrix({"fix": {"t1": "pass"}, "more": {"t1": "pass"}},
                   regression={"fix": ("pass", []), "more": ("fail", ["t_x"])})
    two = {c: r for c, r in rewards.items() if c != "small"}
    assert rank_candidates([fix, more], apart, two, behaviour=b)[0].candidate == "fix"
    rewards_hi = {**two, "fix": RewardScore(candidate="fix", scores=[0.3], mean=0.3)}
    only_tests = matrix({"fix": {"t1": "pass", "t2": "fail"}, "more": {"t1": "pass", "t2": "pass"}})
    assert rank_candidates([fix, more], only_tests, rewards_hi, behaviour=b)[0].candidate == "more"


def test_a_test_passed_only_by_a_candidate_that_breaks_the_repository_cannot_outvote_agreement():
    """Test leaderboard at 553cfa4: 4 samples agreed on the fix, which failed both model-written tests; the one
    candidate passing a test broke repository tests that pass on the original code. That pass made the tests the
    evidence (weighted pass 0 for the fix: abstained at 0.28); a pass by a candidate that cannot be the fix is none."""
    from agent.ranking import Weights
    cands = [cand("c1", [0, 1, 2, 3]), cand("c2", [4])]
    judge = {c: RewardScore(candidate=c, scores=[0.5], mean=0.5) for c in ("c1", "c2")}
    tests = {"c1": {"t1": "fail", "t2": "fail"}, "c2": {"t1": "pass", "t2": "fail"}}
    breaks = matrix(tests, regression={"c1": ("pass", []), "c2": ("fail", ["test_rank"])})
    d = decide(cands, breaks, judge, abstain_below=0.45)
    assert d.status == "selected" and d.candidate == "c1" and d.confidence >= 0.45
    old = decide(cands, breaks, judge, abstain_below=0.45, w=Weights(plausible_passes=False))
    assert old.status == "abstained" and old.confidence < 0.45
    # a passer that could be the fix keeps the tests deciding
    plausible = matrix(tests, regression={"c1": ("pass", []), "c2": ("pass", [])})
    assert decide(cands, plausible, judge, abstain_below=0.45).candidate == "c2"
