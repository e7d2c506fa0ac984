"""Behaviour voting, pure: normalization, clustering, and what selection does with clusters."""
from agent.behaviour import ProbeRun, cluster, normalize, parse_outputs, signature, MARK
from agent.schema import Candidate, Cell, ExecutionMatrix, RewardScore
from agent.ranking import confidence, decide, rank_candidates


def cand(cid, samples):
    return Candidate(id=cid, diff=f"diff {cid}", key=cid, samples=samples, files=["a.py"])


def run(label, **outputs):
    return ProbeRun(candidate=label, probes="k", outputs={k.replace("_", ":"): v for k, v in outputs.items()})


ORIGINAL = [run("original", p0_0="-1", p0_1="EXC RecursionError"), run("original2", p0_0="-1", p0_1="EXC RecursionError")]
FIXED = dict(p0_0="5", p0_1="0")


def behaviour(cands, outputs: dict, issue_ok=None, originals=ORIGINAL):
    return cluster(cands, {c: run(c, **o) for c, o in outputs.items()}, originals, issue_ok or {})


# ------------------------------------------------------------------ outputs
def test_normalize_strips_addresses_and_trailing_whitespace():
    a = normalize("<obj at 0x7f3a2b1c9d00>  \nvalue \n\n")
    b = normalize("<obj at 0x7fe0aa001234>\nvalue")
    assert a == b == "<obj at 0x?>\nvalue"
    assert normalize("0x10") == "0x10"          # a short hex literal is a value, not an address


def test_outputs_are_split_per_statement():
    # The script starts every mark on a new line, whatever the statement before printed.
    text = f"\n{MARK}p:0\n5\n\n{MARK}p:1\npartial\n{MARK}p:2\nEXC KeyError: 'a'\n"
    out = parse_outputs(text)
    assert out == {"": "", "p:0": "5", "p:1": "partial", "p:2": "EXC KeyError: 'a'"}
    assert parse_outputs(f"{MARK}p:0\nslow", timed_out=True)["p:0"].endswith("TIMEOUT (whole probe script)")


# ------------------------------------------------------------------ clusters
def test_textually_different_candidates_with_equal_behaviour_form_one_cluster():
    cands = [cand("a", [0]), cand("b", [3]), cand("w", [1, 2])]
    b = behaviour(cands, {"a": FIXED, "b": FIXED, "w": dict(p0_0="6", p0_1="0")})
    top = b.clusters[0]
    assert b.informative and b.unchanged == []
    assert sorted(top.candidates) == ["a", "b"] and top.support == 2
    assert b.support("a") == b.support("b") == b.support("w") == 2
    assert b.signatures["a"] == b.signatures["b"] != b.signatures["w"]


def test_support_counts_distinct_samples():
    cands = [cand("a", [0, 1]), cand("b", [1, 2])]     # sample 1 produced both (two attempts of one trajectory)
    assert behaviour(cands, {"a": FIXED, "b": FIXED}).clusters[0].support == 3


def test_candidate_behaving_like_the_original_is_unchanged():
    cands = [cand("fix", [0]), cand("noop", [1, 2, 3])]
    b = behaviour(cands, {"fix": FIXED, "noop": dict(p0_0="-1", p0_1="EXC RecursionError")})
    assert b.unchanged == ["noop"]
    assert b.best == b.signatures["fix"]
    assert [k.changed for k in b.clusters] == [False, True]     # largest support first


def test_probes_that_miss_the_change_say_nothing():
    same = dict(p0_0="-1", p0_1="EXC RecursionError")
    b = behaviour([cand("a", [0]), cand("b", [1])], {"a": same, "b": same})
    assert not b.informative and b.unchanged == [] and b.best is None


def test_output_unstable_on_the_original_is_ignored():
    originals = [run("original", p0_0="-1", p0_1="0.1234"), run("original2", p0_0="-1", p0_1="0.9876")]
    b = behaviour([cand("a", [0]), cand("b", [1])], {"a": dict(p0_0="5", p0_1="0.5"), "b": dict(p0_0="5", p0_1="0.7")},
                  originals=originals)
    assert b.ignored == ["p0:1"]
    assert len(b.clusters) == 1 and b.clusters[0].support == 2


def test_best_cluster_must_pass_the_issue_checks():
    cands = [cand("big", [0, 1, 2]), cand("small", [3])]
    b = behaviour(cands, {"big": dict(p0_0="6", p0_1="0"), "small": FIXED}, issue_ok={"big": False, "small": True})
    assert b.clusters[0].candidates == ["big"] and not b.clusters[0].issue_ok
    assert b.best == b.signatures["small"]


def test_unobserved_candidates_have_no_signature():
    cands = [cand("a", [0]), cand("gone", [1]), cand("bad", [2])]
    runs = {"a": run("a", **FIXED), "bad": ProbeRun(candidate="bad", probes="k", status="apply_failed")}
    b = cluster(cands, runs, ORIGINAL, {})
    assert b.signatures["gone"] is None and b.signatures["bad"] is None and b.support("bad") is None
    assert [k.candidates for k in b.clusters] == [["a"]]


def test_original_unobserved_means_no_behaviour_evidence():
    b = behaviour([cand("a", [0])], {"a": FIXED}, originals=[])
    assert b.original is None and not b.informative


def test_signature_ignores_nothing_else():
    assert signature({"p:0": "1"}) != signature({"p:0": "2"})
    assert signature({"p:0": "1", "p:1": "x"}, {"p:1"}) == signature({"p:0": "1", "p:1": "y"}, {"p:1"})


# ------------------------------------------------------------------ selection
def matrix(results: dict, origin: dict | None = None):
    cells = [Cell(candidate=c, test=t, outcome=o, origin=(origin or {}).get(t, "model"))
             for c, r in results.items() for t, o in r.items()]
    return ExecutionMatrix(candidates=sorted(results), tests=sorted({t for r in results.values() for t in r}),
                           cells=cells)


def judge(scores: dict):
    return {c: RewardScore(candidate=c, scores=[s], mean=s) for c, s in scores.items()}


def test_without_behaviour_selection_is_unchanged():
    cands = [cand("a", [0]), cand("b", [1, 2])]
    m = matrix({"a": {"t1": "pass"}, "b": {"t1": "fail"}})
    rewards = judge({"a": 0.6, "b": 0.7})
    uninformative = behaviour(cands, {"a": ORIGINAL[0].outputs, "b": ORIGINAL[0].outputs})
    plain = decide(cands, m, rewards, abstain_below=0.45)
    for b in (None, uninformative):
        assert decide(cands, m, rewards, abstain_below=0.45, behaviour=b).model_dump() == plain.model_dump()


def test_unchanged_candidate_is_never_selected():
    # The no-op has the most samples and the best judge score; it still loses, and alone it abstains.
    cands = [cand("noop", [0, 1, 2]), cand("fix", [3])]
    m = matrix({"noop": {}, "fix": {}})
    rewards = judge({"noop": 0.9, "fix": 0.6})
    b = behaviour(cands, {"noop": dict(p0_0="-1", p0_1="EXC RecursionError"), "fix": FIXED})
    assert decide(cands, m, rewards, abstain_below=0.3).candidate == "noop"
    d = decide(cands, m, rewards, abstain_below=0.3, behaviour=b)
    ranked = {r.candidate: r for r in d.ranking}
    assert d.ranking[-1].candidate == "noop" and ranked["noop"].unchanged and ranked["noop"].score == 0
    # No-op samples never vote, but they count among the samples asked (share_over_unchanged, the default).
    assert ranked["noop"].share == 0.0 and ranked["fix"].share == 0.25
    assert d.candidate != "noop"
    only = decide([cands[0]], matrix({"noop": {}}), rewards, abstain_below=0.0,
                  behaviour=behaviour([cands[0], cands[1]], {"noop": dict(p0_0="-1", p0_1="EXC RecursionError"),
                                                             "fix": FIXED}))
    assert only.status == "abstained" and only.method == "unchanged"


def test_a_candidate_passing_a_kept_test_is_not_unchanged_where_the_probes_missed_its_change():
    # Seen in a test-split run (sessions, N = 8): the only correct candidate passed 1 of 2 kept tests, each failing
    # on the original code, but the model's probes did not call what it changed, so it fell in the no-op cluster,
    # scored 0, and the run abstained. A passing kept test observed the change: it is ranked on its own samples.
    cands = [cand("fix", [0]), cand("noop", [1, 2, 3]), cand("other", [4])]
    m = matrix({"fix": {"t1": "pass", "t2": "fail"}, "noop": {"t1": "fail", "t2": "fail"},
                "other": {"t1": "fail", "t2": "fail"}})
    b = behaviour(cands, {"fix": ORIGINAL[0].outputs, "noop": ORIGINAL[0].outputs, "other": FIXED})
    assert set(b.unchanged) == {"fix", "noop"}            # what the probes alone say
    ranked = {r.candidate: r for r in rank_candidates(cands, m, judge({"fix": 0.6, "other": 0.6}), behaviour=b)}
    assert not ranked["fix"].unchanged and ranked["fix"].score > ranked["other"].score > 0
    assert ranked["fix"].support is None and ranked["fix"].share == 0.2     # its own sample, not the no-op cluster's 3
    assert ranked["noop"].unchanged and ranked["noop"].score == 0
    d = decide(cands, m, judge({"fix": 0.6, "other": 0.6}), abstain_below=0.0, behaviour=b)
    assert d.candidate == "fix"


def test_cluster_support_replaces_text_votes():
    # Three textually different samples agree on behaviour; the wrong text was produced twice.
    cands = [cand("a", [0]), cand("b", [1]), cand("c", [2]), cand("w", [3, 4])]
    m = matrix({k: {} for k in "abcw"})
    rewards = judge({k: 0.7 for k in "abcw"})
    assert rank_candidates(cands, m, rewards)[0].candidate == "w"
    b = behaviour(cands, {"a": FIXED, "b": FIXED, "c": FIXED, "w": dict(p0_0="6", p0_1="0")})
    ranked = rank_candidates(cands, m, rewards, behaviour=b)
    assert ranked[0].candidate in "abc" and ranked[0].support == 3 and ranked[-1].candidate == "w"


def test_agreeing_behaviour_outweighs_a_test_that_fails_everyone():
    # A model-written test asserts a wrong value: every candidate fails it and the judge is unsure.
    cands = [cand("a", [0]), cand("b", [1]), cand("w", [2])]
    m = matrix({k: {"t1": "fail"} for k in "abw"})
    rewards = judge({k: 0.3 for k in "abw"})
    assert decide(cands, m, rewards, abstain_below=0.45).status == "abstained"
    b = behaviour(cands, {"a": FIXED, "b": FIXED, "w": dict(p0_0="6", p0_1="0")})
    d = decide(cands, m, rewards, abstain_below=0.45, behaviour=b)
    assert d.status == "selected" and d.candidate in ("a", "b"), d.diagnosis
    assert "behaviour shared by 2" in d.diagnosis
    # A lone behaviour (support 1) is no such evidence.
    lone = behaviour(cands, {"a": FIXED, "b": dict(p0_0="7", p0_1="0"), "w": dict(p0_0="6", p0_1="0")})
    assert decide(cands, m, rewards, abstain_below=0.45, behaviour=lone).status == "abstained"
    assert confidence(rank_candidates(cands, m, rewards, behaviour=lone)) < d.confidence


def test_issue_checks_still_veto_a_large_cluster():
    cands = [cand("big", [0, 1, 2]), cand("small", [3])]
    m = matrix({"big": {"i000": "fail"}, "small": {"i000": "pass"}}, origin={"i000": "issue"})
    b = behaviour(cands, {"big": dict(p0_0="6", p0_1="0"), "small": FIXED}, issue_ok={"big": False, "small": True})
    d = decide(cands, m, judge({"big": 0.9, "small": 0.6}), abstain_below=0.45, behaviour=b)
    assert d.status == "selected" and d.candidate == "small"


def test_agreement_is_a_share_of_samples_not_of_candidates():
    # Revisions give one sample several candidates (its draft and its revision). The behaviour that 4 of 6
    # samples agree on must count as 4/6, not as 4 of the 9 candidates' sample slots. Shape of a benchmark run
    # (leaderboard, 8 samples: 4 behind the fix, 2 behind two broken behaviours, 2 no-ops) that abstained.
    cands = [cand("f1", [0, 1]), cand("f2", [2]), cand("f3", [3]),
             cand("w1", [4]), cand("w2", [4]), cand("w3", [5]), cand("w4", [5]), cand("w5", [4])]
    m = matrix({k: {"t1": "fail"} for k in ("f1", "f2", "f3", "w1", "w2", "w3", "w4", "w5")})
    rewards = judge({"f1": 0.5, "f2": 0.5, "f3": 0.55, "w1": 0.45, "w2": 0.45, "w3": 0.45, "w4": 0.45, "w5": 0.55})
    broken = dict(p0_0="EXC ImportError", p0_1="EXC ImportError")
    b = behaviour(cands, {"f1": FIXED, "f2": FIXED, "f3": FIXED, "w1": broken, "w2": broken, "w3": broken,
                          "w4": broken, "w5": dict(p0_0="EXC NameError", p0_1="EXC NameError")})
    ranked = rank_candidates(cands, m, rewards, behaviour=b)
    top = ranked[0]
    assert top.candidate in ("f1", "f2", "f3") and top.support == 4
    assert top.share == round(4 / 6, 4)
    assert {r.candidate: r.share for r in ranked}["w5"] == round(1 / 6, 4)
    d = decide(cands, m, rewards, abstain_below=0.45, behaviour=b)
    assert d.status == "selected" and d.candidate in ("f1", "f2", "f3"), d.diagnosis


def test_the_share_counts_samples_that_left_behaviour_unchanged():
    # 2 samples agree on a change, 6 leave behaviour as it was: 2 of 8 by default, 2 of 2 in the old variant.
    from agent.ranking import Weights
    cands = [cand("a", [0]), cand("b", [1]), cand("same", [2, 3, 4, 5, 6, 7])]
    m = matrix({k: {"t1": "fail"} for k in ("a", "b", "same")})
    b = behaviour(cands, {"a": FIXED, "b": FIXED, "same": dict(p0_0="-1", p0_1="EXC RecursionError")})
    rewards = judge({"a": 0.5, "b": 0.5, "same": 0.5})
    default = rank_candidates(cands, m, rewards, behaviour=b)
    changed_only = rank_candidates(cands, m, rewards, Weights(share_over_unchanged=False), behaviour=b)
    assert default[0].share == 0.25 and changed_only[0].share == 1.0
    assert confidence(default) < confidence(changed_only)
