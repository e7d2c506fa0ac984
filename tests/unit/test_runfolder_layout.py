"""RunFolder owns the layout: typed reads of every record the stages leave behind, tolerant of a run
killed at any moment (missing → None / empty, invalid → skipped with a warning)."""
from __future__ import annotations

from agent.runfolder import CANDIDATES, DECISION, LOCATIONS, MATRIX, REWARDS, STAGE_DIRS, TESTS, RunFolder
from agent.schema import Candidate, Decision, ExecutionMatrix, Location, Result, RewardScore, TestCase


def test_typed_reads_of_a_finished_run(tmp_path):
    run = RunFolder(tmp_path)
    cands = [Candidate(id="c1", diff="d1", key="k1", samples=[0, 2], files=["a.py"]),
             Candidate(id="c2", diff="d2", key="k2", samples=[1], files=["a.py"])]
    run.write_json(CANDIDATES, cands)
    run.write_json(LOCATIONS, [Location(file="a.py", symbol="f")])
    run.write_json(TESTS, [TestCase(id="t000", sample=0, path="test_a.py", content="x", command="pytest")])
    run.write_json(MATRIX, ExecutionMatrix(candidates=["c1", "c2"], tests=["t000"], cells=[]))
    run.write_json(f"{REWARDS}/c1.json", RewardScore(candidate="c1", scores=[0.8], mean=0.8))
    run.write_json(f"{REWARDS}/c1_sample_000.json", {"stage": "reward", "sample": 0})   # a trajectory, not a score
    run.write_json(DECISION, Decision(status="selected", candidate="c1", confidence=0.9))
    run.write_json("result.json", Result(issue_id="i", status="selected", final_diff="d1", candidate="c1"))
    run.write_text("final.diff", "d1")
    assert [c.count for c in run.candidates()] == [2, 1]
    assert run.locations()[0].file == "a.py" and run.tests()[0].id == "t000"
    assert run.matrix().candidates == ["c1", "c2"]
    assert list(run.rewards()) == ["c1"] and run.rewards()["c1"].mean == 0.8
    assert run.decision().candidate == "c1" and run.result().candidate == "c1" and run.final_diff() == "d1"
    assert run.warnings == []
    assert CANDIDATES.startswith(STAGE_DIRS["patch"] + "/")   # the layout's folders are the stages'


def test_a_killed_or_damaged_run_reads_as_missing_with_warnings(tmp_path):
    run = RunFolder(tmp_path)
    assert (run.candidates(), run.matrix(), run.rewards(), run.result(), run.final_diff()) == ([], None, {}, None, None)
    assert run.warnings == []                           # absent is not a problem: the stage did not run
    run.write_text(MATRIX, "{not json")
    run.write_json(CANDIDATES, [{"id": "c1"}, Candidate(id="c2", diff="", key="", samples=[0], files=[])])
    run.write_json(DECISION, {"status": "maybe"})
    assert run.matrix() is None and [c.id for c in run.candidates()] == ["c2"] and run.decision() is None
    assert run.warnings[0] == f"{MATRIX}: unreadable (JSONDecodeError)"
    assert run.warnings[1] == f"{CANDIDATES}[0]: does not match Candidate"
    assert run.warnings[2].startswith(f"{DECISION}: does not match Decision")


def test_files_written_atomically_get_the_users_usual_mode(tmp_path):
    """mkstemp makes 0600: run folders, predictions.jsonl and `show` reports were unreadable to a web server
    or a teammate. They get what any file of this user gets (0666 minus the umask)."""
    import os
    import stat
    from agent.runfolder import atomic_write_text
    mask = os.umask(0o022)
    os.umask(mask)
    atomic_write_text(tmp_path / "sub" / "report.html", "<html></html>")
    assert stat.S_IMODE((tmp_path / "sub" / "report.html").stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["report.html"]     # no temporary file left
