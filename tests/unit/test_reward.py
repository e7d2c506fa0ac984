"""The judge's samples go through sample_many: one file per finished judgement
(06_reward/<cand>_sample_NNN.json), so a killed run redoes only the judgements it had not finished.
Real parts: the run's context, the loop, litellm's mock_response as the judge."""
from __future__ import annotations

from agent.config import load_config
from agent.pipeline import stage_context
from agent.progress import Progress
from agent.repo_input import issue_from_text
from agent.schema import Candidate, ExecutionMatrix, Trajectory
from agent.stages.reward import LLMJudge, judge_score, score_candidates
from tests.support.pipeline import ISSUE, make_repo

CAND = Candidate(id="cgood", diff="-    return a - b\n+    return a + b\n", key="k", samples=[0], files=["calc/ops.py"])
MATRIX = ExecutionMatrix(candidates=["cgood"], tests=[], cells=[])


def judge(tmp_path, repo, answers: list[str], samples: int, killed: bool = False):
    cfg = load_config(None, [], **{"sandbox": "local", "workers": 2, "seed": 3, "model.mock_response": answers,
                                   "reward.samples": samples, "reward.verifier": "llm_judge"})
    with stage_context(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, None, Progress(False)) as ctx:
        if killed:     # the judgements finish, the run dies before the candidate's score is written
            LLMJudge(samples).score(ctx, CAND, "t000: pass")
            return None, ctx.ledger.state.stages["reward"].calls
        scores = score_candidates(ctx, [CAND], MATRIX)
        return scores, ctx.ledger.state.stages["reward"].calls


def test_a_killed_judge_resumes_without_redoing_its_finished_samples(tmp_path):
    repo = make_repo(tmp_path)
    _, calls = judge(tmp_path, repo, ["Score: 8/10"], samples=2, killed=True)
    first = (tmp_path / "run/06_reward/cgood_sample_000.json").read_text()
    assert calls == 2 and not (tmp_path / "run/06_reward/cgood.json").exists()
    scores, calls = judge(tmp_path, repo, ["Score: 2/10"], samples=3)      # one judgement more, on resume
    assert calls == 3 and scores["cgood"].scores == [0.8, 0.8, 0.2] and scores["cgood"].mean == 0.6
    assert (tmp_path / "run/06_reward/cgood_sample_000.json").read_text() == first
    assert (tmp_path / "run/06_reward/cgood.json").exists()
    again, calls = judge(tmp_path, repo, ["Score: 0/10"], samples=3)       # scored: nothing redone
    assert again == scores and calls == 3


def test_the_judge_score_is_the_mean_of_the_usable_judgements():
    t = [Trajectory(stage="reward", sample=i, output={"candidate": "c", "score": s}) for i, s in enumerate([1.0, None, 0.5])]
    score = judge_score("c", t)
    assert score.scores == [1.0, 0.5] and score.mean == 0.75 and score.rationales == ["", ""]
    assert judge_score("c", []).mean == 0.0


def test_a_candidate_no_judgement_could_score_has_no_reward_not_a_zero(tmp_path):
    """A judge whose every answer is unusable (garbled, or every call failed) said nothing about the candidate:
    scoring it 0.0 ranked it as if the judge had said No. It gets no reward (the ranking leaves the judge out)
    and no score file, so a resume asks again."""
    repo = make_repo(tmp_path)
    scores, calls = judge(tmp_path, repo, ["I cannot tell."], samples=2)
    assert calls == 4 and scores == {}        # each judgement had its format-feedback turn
    assert not (tmp_path / "run/06_reward/cgood.json").exists()
