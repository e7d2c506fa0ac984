"""Parity bookkeeping (pure): the stratified plan, dedupe of identical patches, agreement and the table."""
from agent.evaluation import parity


def _c(iid, system, official, patch="diff"):
    return parity.Candidate(iid, iid.split("__")[0] + "/x", system, patch, official)


def test_plan_interleaves_repos_prefers_mixed_instances_and_keeps_whole_instances():
    cands = [_c("a__r-1", "s1", False), _c("a__r-1", "s2", False),
             _c("a__r-10", "s1", True), _c("a__r-10", "s2", False),
             _c("a__r-2", "s1", True), _c("a__r-2", "s2", False), _c("a__r-2", "s3", True),
             _c("b__q-5", "s1", True)]
    order = parity.plan(cands, ["a/x", "b/x"], per_repo=4)
    # mixed instances first, numeric order among them (2 before 10); a's quota of 4 is passed inside r-10, so r-1 is left out
    assert order == ["a__r-2", "b__q-5", "a__r-10"]
    assert parity.plan(cands, ["a/x"], {"a/x": 0}) == []


def test_agreement_and_table(tmp_path):
    same = _c("a__r-1", "s1", True, "p1")
    assert same.patch_id == _c("a__r-1", "s2", False, "p1").patch_id != _c("a__r-1", "s3", False, "p2").patch_id
    vs = [parity.Verdict("a__r-1", "a/x", "s1", "p", True, "resolved"),
          parity.Verdict("a__r-1", "a/x", "s2", "p", False, "resolved", "F2P pass"),
          parity.Verdict("b__q-5", "b/x", "s1", "q", False, "error", "patch did not apply"),
          parity.Verdict("c__n-2", "c/x", "s1", "n", True, "unresolved", "F2P failing 1", needs_internet=True)]
    assert [v.agree for v in vs] == [True, False, True, False]
    for v in vs:
        parity.save(v, tmp_path)
    parity.save(parity.Verdict("b__q-5", "b/x", "acr/acr-run-1", "q", True, "resolved"), tmp_path)   # "/" in names
    loaded = list(parity.load_all(tmp_path).values())
    assert len(loaded) == 5 and all(v in loaded for v in vs)
    text = parity.table(vs)
    assert "| a/x | 2 | 1 | 1 | 2 | 1 (50 %) | 1 | 0 | 0 |" in text and "| c/x | 1 | 1 | 1 | 0 | 0 (0 %) | 1 | 1 | 0 |" in text
    assert "| **total** | 4 | 3 | 2 | 2 | 2 (50 %) | 2 | 1 | 1 |" in text
    assert "a__r-1 | s2 | unresolved | resolved | F2P pass" in parity.disagreements(vs)
