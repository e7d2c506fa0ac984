"""The real pipeline behind the GitHub flow: issue fetched from the fake GitHub, repository cloned over
HTTP, every stage answered by a scripted OpenAI-compatible server, a PR opened with the evidence.

Runs in the local sandbox (no Docker needed); the Docker path of the pipeline is covered by test_pipeline.
"""
from __future__ import annotations

import subprocess

from agent.config import load_config
from agent.github.flow import solve_github_issue
from tests.support.github_server import FakeGitHub
from tests.support.openai_server import ScriptedOpenAI
from tests.support.pipeline import ISSUE, Script, make_repo

TOKEN = "ghs_" + "Pip3lineTok" * 4


def test_real_pipeline_issue_to_pull_request(tmp_path):
    src = make_repo(tmp_path)
    subprocess.run(["git", "branch", "-M", "main"], cwd=src, check=True)
    with FakeGitHub(tmp_path / "remote", TOKEN) as gh, ScriptedOpenAI(Script()) as model:
        gh.add_repo("acme/calc", src)
        title, _, body = ISSUE.partition("\n")
        gh.add_issue("acme/calc", 3, title, body)
        env = {"GITHUB_SERVER_URL": gh.server_url, "GITHUB_API_URL": gh.api_url, "GITHUB_TOKEN": TOKEN}
        cfg = load_config(None, [], **{"model.name": "openai/scripted", "model.api_base": model.api_base,
                                       "workers": 1, "exec_timeout_s": 60, "early_stop": False,
                                       "sandbox": "local", "budget_usd": 1.0,
                                       "model.price_per_mtok": "0,0",   # a free local server, said so
                                       "patch.edit_format": "search_replace", "patch.max_revisions": 0})
        out = solve_github_issue(f"{gh.server_url}/acme/calc/issues/3", open_pr=True, config=cfg,
                                 run_dir=tmp_path / "run", env=env, cache_dir=tmp_path / "cache")
    assert out.status == "selected", out
    [pr] = gh.repos["acme/calc"].pulls
    assert out.pr_url == pr["html_url"] and pr["head"] == "swe-agent/issue-3"
    tip = gh.branch_tip("acme/calc", "swe-agent/issue-3")
    ops = subprocess.run(["git", "show", f"{tip}:calc/ops.py"], cwd=gh.bare("acme/calc"), capture_output=True,
                         text=True, check=True).stdout
    assert "return a + b" in ops
    assert "Fixes #3" in pr["body"] and "✅ pass" in pr["body"] and "patch samples produced this fix" in pr["body"]
    assert TOKEN not in pr["body"]
