"""The recipe "add a stage" of docs/ARCHITECTURE.md, done: a stage kept outside the package (its own
prompt file, parser and folder) runs on the real parts — the run's context, its sandboxes, the one
loop, sample_many's resumable sample files — with litellm's mock_response as the model.
(The recipes "add a sandbox backend / a verifier" are done in integration/test_registry_recipes.py.)"""
from __future__ import annotations

import re
from pathlib import Path

from agent.config import StageConfig, load_config
from agent.loop import StageSpec, run_trajectory, sampling_params
from agent.parsing import FormatError
from agent.pipeline import stage_context
from agent.progress import Progress
from agent.repo_input import issue_from_text
from agent.sampling import sample_many
from agent.stages.context import StageContext
from tests.support.pipeline import ISSUE, make_repo

PROMPT = """\
system: |
  You judge how risky a bug report is to fix.{% if allow_commands %} You may run one ```bash block first.{% endif %}
user: |
  {{ issue }}
  Reply with RISK: low or RISK: high.
"""
STAGE_DIR = "07_risk"


def parse_risk(reply: str) -> str:            # pure: a reply -> the stage's value, or FormatError
    m = re.search(r"RISK:\s*(low|high)", reply)
    if not m:
        raise FormatError("Reply with RISK: low or RISK: high.")
    return m.group(1)


def assess_risk(ctx: StageContext, prompt: Path, cfg: StageConfig) -> list[str]:
    """The whole stage: a spec from its config, one sandbox per sample opened by the loop, samples on
    disk, an output."""
    model = ctx.make_model("risk", cfg)
    spec = StageSpec.from_config("risk", cfg, prompt=str(prompt), parse=parse_risk, variables={"issue": ctx.issue_text})

    def one(i: int):          # the trajectory's `output` is the parsed value
        return run_trajectory(model, spec, sample=i, new_sandbox=ctx.new_sandbox,
                              **sampling_params(i, cfg.temperature, ctx.config.seed, "risk"))[0]

    trajs = sample_many(ctx.run, STAGE_DIR, cfg.samples, one, workers=ctx.config.workers, ledger=ctx.ledger,
                        progress=ctx.progress, label="risk")
    votes = [risk for t in trajs if (risk := t.output_as(str))]
    ctx.run.write_json(f"{STAGE_DIR}/risk.json", votes)
    return votes


def run_stage(tmp_path: Path, repo: Path, answers: list[str]):
    cfg = load_config(None, [], **{"sandbox": "local", "workers": 1, "model.mock_response": answers})
    with stage_context(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, None, Progress(False)) as ctx:
        votes = assess_risk(ctx, tmp_path / "risk.yaml", StageConfig(samples=2, max_steps=2))
        return votes, ctx.ledger.state.stages["risk"].calls     # the ledger persists across resumes


def test_a_new_stage_runs_on_the_real_parts_and_resumes(tmp_path):
    repo = make_repo(tmp_path)
    (tmp_path / "risk.yaml").write_text(PROMPT)
    votes, calls = run_stage(tmp_path, repo, ["Let me look.\n```bash\nls calc\n```", "RISK: high"])
    assert votes == ["high", "high"] and calls == 4
    first = (tmp_path / "run" / STAGE_DIR / "sample_000.json").read_text()
    assert '"command": "ls calc"' in first and "ops.py" in first        # the command ran in its sandbox
    assert "You may run one" in first and "returns -1 but it should return 5" in first   # its own prompt
    again, calls = run_stage(tmp_path, repo, ["RISK: low"])                # resumed: nothing redone
    assert again == ["high", "high"] and calls == 4
