"""Registries: a sandbox backend and a verifier that live outside `agent/` are chosen by config alone
(an import path in the YAML file), and a real solve runs through both. This is also the recipe
"add a sandbox backend / a verifier" of docs/ARCHITECTURE.md, done. (The registry itself:
unit/test_registry.py.)"""
from __future__ import annotations

import json
import textwrap

import pytest

from agent.config import load_config
from agent.pipeline import solve
from agent.progress import Progress
from agent.repo_input import issue_from_text
from agent.schema import RewardScore
from tests.support.openai_server import ScriptedOpenAI
from tests.support.pipeline import GOOD, ISSUE, WRONG, Script, make_repo

# A plugin module as a user would write it in their own package: nothing here is imported by agent/.
PLUGIN = '''
import json
from pathlib import Path

from agent.schema import RewardScore
from sandbox.local_sandbox import LocalSandbox

LOG = Path({log!r})


def counting_local(config, repo, commit, *, run_id, stack):
    """A backend: the local sandbox, with every sandbox it opens written down."""
    stack.callback(lambda: LOG.with_suffix(".closed").write_text(run_id))

    def new_sandbox():
        with LOG.open("a") as f:
            f.write(json.dumps({{"run_id": run_id, "commit": commit}}) + "\\n")
        return LocalSandbox(repo, commit=commit)
    return new_sandbox


class AdditionLover:
    """A verifier: scores 0.9 a diff that adds, 0.1 anything else (no model call)."""

    def __init__(self, config):
        self.samples = config.reward.samples

    def score(self, ctx, candidate, evidence):
        value = 0.9 if "a + b" in candidate.diff else 0.1
        return RewardScore(candidate=candidate.id, scores=[value], mean=value, rationales=[evidence]), []
'''


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    name = f"swe_plugin_{tmp_path.name.replace('-', '_')}"
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / f"{name}.py").write_text(PLUGIN.format(log=str(tmp_path / "opened.log")))
    monkeypatch.syspath_prepend(str(tmp_path / "plugins"))
    return name


def test_a_new_backend_and_verifier_by_config_alone(tmp_path, plugin):
    repo = make_repo(tmp_path)
    (tmp_path / "run.yaml").write_text(textwrap.dedent(f"""\
        sandbox: {plugin}:counting_local
        reward:
          verifier: {plugin}.AdditionLover
        """))
    judge_calls = []
    script = Script(patches=(GOOD, WRONG), judge=lambda diff: judge_calls.append(diff) or "Score: 5/10")
    with ScriptedOpenAI(script) as server:
        cfg = load_config(tmp_path / "run.yaml", [f"model.api_base={server.api_base}"],
                          **{"model.name": "openai/scripted", "workers": 1, "exec_timeout_s": 60,
                             "patch.early_stop": False, "patch.edit_format": "search_replace", "patch.max_revisions": 0,
                             "patch.samples": 2, "escalate.rounds": 0})
        result = solve(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, progress=Progress(False))
    assert result.status == "selected", result.diagnosis
    opened = [json.loads(line) for line in (tmp_path / "opened.log").read_text().splitlines()]
    assert opened and all(o["commit"] == result_commit(repo) for o in opened)   # every sandbox came from it
    assert (tmp_path / "opened.closed").exists()                               # its cleanup ran
    assert judge_calls == []                                                  # the LLM judge never ran
    scores = {p.stem: RewardScore.model_validate_json(p.read_text()) for p in (tmp_path / "run/06_reward").glob("c*.json")}
    assert sorted(s.mean for s in scores.values()) == [0.1, 0.9]
    assert json.loads((tmp_path / "run/config.json").read_text())["reward"]["verifier"] == f"{plugin}.AdditionLover"


def result_commit(repo) -> str:
    import git
    return git.Repo(repo).head.commit.hexsha


def test_config_refuses_unknown_names_and_the_action_any_backend_but_docker(plugin):
    with pytest.raises(ValueError, match="unknown sandbox backend 'dcoker'"):
        load_config(None, ["sandbox=dcoker"])
    with pytest.raises(ValueError, match="unknown verifier 'judge'"):
        load_config(None, ["reward.verifier=judge"])
    from agent.github.action import ActionError, build_config
    with pytest.raises(ActionError, match="refused"):
        build_config({"INPUT_BUDGET_USD": "1", "INPUT_SANDBOX": f"{plugin}:counting_local"})
