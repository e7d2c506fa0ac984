"""One-token repairs in the real pipeline (real Docker, scripted model): when every sample is wrong,
the mutant that passes the issue's own check and the project's tests is a candidate of its own, with
no votes, and the evidence selects it; a mutant that breaks the project's tests is dropped."""
from __future__ import annotations

import json

import pytest

from agent.pipeline import solve
from agent.progress import Progress
from agent.repo_input import issue_from_text
from agent.schema import Candidate
from agent.stages.patch_mutants import MutationRecord
from tests.support.openai_server import ScriptedOpenAI
from tests.support.pipeline import GARBAGE, ISSUE, WRONG, Script, config, hidden_test_passes, make_repo

pytestmark = pytest.mark.docker


def test_every_sample_wrong_but_a_one_token_repair_is_found_and_selected(docker_client, tmp_path):
    repo = make_repo(tmp_path)
    script = Script(patches=(WRONG,), judge=lambda diff: "Score: 8/10" if "a + b" in diff else "Score: 2/10")
    with ScriptedOpenAI(script) as server:
        cfg = config(server.api_base, **{"patch.samples": 2, "patch.mutants": 60})
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, progress=Progress(False))
        again = solve(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, progress=Progress(False))
    run = tmp_path / "run"
    record = MutationRecord.model_validate_json((run / "03_patches/mutants.json").read_text())
    assert record.checks == ["i000"]            # only the issue's own check drives the search
    assert [t.rule for t in record.kept] == ["op - -> + (line 3)"]
    outcomes = {t.rule.split(" (")[0]: t.outcome for t in record.tried}
    assert outcomes["swap operands of -"] == "fails_check"
    cands = [Candidate.model_validate(c) for c in json.loads((run / "03_patches/candidates.json").read_text())]
    repair = next(c for c in cands if c.mutants)
    assert repair.samples == [] and repair.count == 0 and "+    return a + b" in repair.diff
    assert "test_swe_agent" not in repair.diff          # the checks are not part of the patch
    assert result.status == "selected" and result.final_diff == repair.diff, result.diagnosis
    assert hidden_test_passes(repo, result.final_diff, tmp_path)
    assert result.funnel["mutants"] == 1 and result.funnel["mutant_only"] == 1
    # Rerunning the finished folder reads everything back, the search included.
    assert again.final_diff == result.final_diff


def test_a_repair_that_breaks_the_projects_tests_is_dropped(docker_client, tmp_path):
    repo = make_repo(tmp_path)
    # The project's own test of mul() now also pins add(1, 1) == 2 ... and add(0, 3) == -3: no one-token
    # edit of add() satisfies both the issue (add(2, 3) == 5) and this test, so nothing is kept.
    (repo / "tests" / "test_ops.py").write_text("from calc.ops import add, mul\n\n\ndef test_mul():\n"
                                                "    assert mul(2, 3) == 6\n\n\ndef test_add_pinned():\n"
                                                "    assert add(0, 3) == -3\n")
    import git
    git.Repo(repo).git.commit("-qam", "pin")
    with ScriptedOpenAI(Script(patches=(WRONG,))) as server:
        solve(issue_from_text(ISSUE), repo, tmp_path / "run",
              config(server.api_base, **{"patch.samples": 1, "patch.mutants": 60}), progress=Progress(False))
    record = MutationRecord.model_validate_json((tmp_path / "run/03_patches/mutants.json").read_text())
    assert record.regression_command and "tests/test_ops.py" in record.regression_command
    assert not record.kept
    assert {t.outcome for t in record.tried if t.rule.startswith("op - -> +")} == {"breaks_tests"}


def test_a_fill_in_the_middle_repair_is_found_when_no_one_token_mutant_is_tried(docker_client, tmp_path):
    """A code model served raw (its name says qwen…coder, it has an address): the cloze search sends
    fill-in-the-middle prompts to /v1/completions; the fill of the hidden `return a - b` passes the issue's
    check and the project's tests in real Docker and is selected, with no one-token mutants tried. Only a sampled
    fill is right here, and fills sample at patch.cloze_temperature."""
    repo = make_repo(tmp_path)
    script = Script(patches=(WRONG,), judge=lambda diff: "Score: 8/10" if "a + b" in diff else "Score: 2/10")
    prompts: list[str] = []

    def respond(messages):
        text = messages[0]["content"]
        if "<|fim_prefix|>" not in text:
            return script(messages)
        prompts.append(text)
        # every hole gets the same line (only the right one survives the checks), once the fills are sampled
        return "return a + b" if server.bodies[-1].get("temperature") else "return a * b"

    with ScriptedOpenAI(respond) as server:
        cfg = config(server.api_base, **{"model.name": "openai/qwen2.5-coder-scripted", "patch.samples": 1,
                                         "patch.cloze": 16, "patch.cloze_mode": "fim",
                                         "patch.cloze_temperature": 0.6})
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, progress=Progress(False))
    run = tmp_path / "run"
    record = MutationRecord.model_validate_json((run / "03_patches/mutants.json").read_text())
    assert all(t.rule.startswith("cloze") for t in record.tried)
    assert "cloze line 3: return a + b" in [t.rule for t in record.kept]
    assert prompts and all(p.endswith("<|fim_middle|>") and "add() returns the wrong result" in p for p in prompts)
    assert any(b.get("stop") == ["\n"] for b in server.bodies)
    # the fills sample at their own temperature, not at the patch samples' (1.2 in the small preset)
    fills = {b.get("temperature") for b in server.bodies if "<|fim_prefix|>" in str(b.get("prompt", ""))}
    assert fills == {0.0, 0.6}, fills
    assert result.status == "selected" and "+    return a + b" in result.final_diff, result.diagnosis
    assert hidden_test_passes(repo, result.final_diff, tmp_path)


def test_a_fix_inside_an_edit_that_also_breaks_another_function_is_kept_as_a_piece(docker_client, tmp_path):
    """Every sample fixes add() and also "tidies" mul() into a wrong one: the whole edit breaks the project's
    test of mul(), but its piece with only add() changed passes the issue's check and the project's tests
    in real Docker, and is selected (agent/pieces.py; no one-token mutants, no cloze)."""
    repo = make_repo(tmp_path)
    both = ("calc/ops.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n"
            "calc/ops.py\n<<<<<<< SEARCH\n    return a * b\n=======\n    return a ** b\n>>>>>>> REPLACE\n")
    # The third sample never lands an edit (a sample without one must not stop the search).
    script = Script(patches=(both, both, GARBAGE), judge=lambda diff: "Score: 8/10" if "a + b" in diff
                    and "a ** b" not in diff else "Score: 2/10")
    with ScriptedOpenAI(script) as server:
        cfg = config(server.api_base, **{"patch.samples": 3, "patch.pieces": 30})
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, progress=Progress(False))
    run = tmp_path / "run"
    record = MutationRecord.model_validate_json((run / "03_patches/mutants.json").read_text())
    outcomes = {t.rule: t.outcome for t in record.tried}
    assert outcomes == {"piece add of sample 0": "kept", "piece mul of sample 0": "fails_check"}
    cands = [Candidate.model_validate(c) for c in json.loads((run / "03_patches/candidates.json").read_text())]
    whole = next(c for c in cands if c.samples)
    assert "a ** b" in whole.diff and whole.samples == [0, 1]
    piece = next(c for c in cands if c.mutants)
    assert "+    return a + b" in piece.diff and "a ** b" not in piece.diff and piece.count == 0
    assert result.status == "selected" and result.final_diff == piece.diff, result.diagnosis
    assert hidden_test_passes(repo, result.final_diff, tmp_path)
