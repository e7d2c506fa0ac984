"""The Action entry point with real event payload files and the variables GitHub sets, against the
fake GitHub on 127.0.0.1 (real clone + push), with a scripted solve."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


from agent.github.action import run
from tests.support.github_action import KEY, TOKEN, action_env, comment_event, labeled_event, outputs
from tests.support.github_server import ScriptedSolve
from tests.support.paths import ROOT


class Capture(ScriptedSolve):
    def __call__(self, issue, repo, run_dir, config):
        self.config, self.key_seen = config, os.environ.get("OPENAI_API_KEY")
        return super().__call__(issue, repo, run_dir, config)


def test_label_by_maintainer_opens_a_pr(gh, tmp_path):
    env = action_env(gh, tmp_path, "issues", labeled_event("maint"))
    solve = Capture("selected")
    assert run(env, solve=solve) == 0
    cfg = solve.config
    assert cfg.budget_usd == 1.5 and cfg.patch.samples == 3 and cfg.model.name == "openai/gpt-4o-mini"
    assert cfg.model.api_key_env == "OPENAI_API_KEY" and "INPUT_API_KEY" not in env and env["OPENAI_API_KEY"] == KEY
    [pr] = gh.repos["acme/calc"].pulls
    assert pr["head"] == "swe-agent/issue-12" and "Fixes #12" in pr["body"]
    summary = (tmp_path / "summary.md").read_text()
    assert pr["html_url"] in summary and "$1.50" in summary and KEY not in summary and TOKEN not in summary
    assert outputs(tmp_path)["status"] == "selected" and outputs(tmp_path)["pr-url"] == pr["html_url"]
    assert Path(outputs(tmp_path)["run-dir"]).is_relative_to(tmp_path / "runner")


def test_label_by_reader_is_skipped(gh, tmp_path):
    solve = ScriptedSolve()
    assert run(action_env(gh, tmp_path, "issues", labeled_event("reader")), solve=solve) == 0
    assert solve.calls == [] and "only 'read'" in (tmp_path / "summary.md").read_text()


def test_comment_by_member_runs_and_abstention_comments(gh, tmp_path):
    solve = ScriptedSolve("abstained")
    assert run(action_env(gh, tmp_path, "issue_comment", comment_event("MEMBER")), solve=solve) == 0
    assert gh.repos["acme/calc"].pulls == []
    assert "did not propose a fix" in gh.repos["acme/calc"].comments[12][-1]["body"]
    assert outputs(tmp_path)["status"] == "abstained"


def test_comment_by_a_read_only_member_is_skipped(gh, tmp_path):
    # author_association says MEMBER, but the API says read: a read-only org member cannot spend the budget.
    solve = ScriptedSolve()
    assert run(action_env(gh, tmp_path, "issue_comment", comment_event("MEMBER", login="reader")), solve=solve) == 0
    assert solve.calls == [] and outputs(tmp_path)["status"] == "skipped"
    assert "reader commented /swe-agent but has only 'read' access" in (tmp_path / "summary.md").read_text()
    assert any(r["path"].endswith("/collaborators/reader/permission") for r in gh.log)


def test_comment_is_refused_when_the_permission_lookup_fails(gh, tmp_path):
    gh.fail("GET", r"/collaborators/someone/permission$", 403, {"message": "Resource not accessible by integration"})
    solve = ScriptedSolve()
    assert run(action_env(gh, tmp_path, "issue_comment", comment_event("OWNER")), solve=solve) == 0
    assert solve.calls == [] and "could not look up someone's permission" in (tmp_path / "summary.md").read_text()


def test_budget_is_mandatory(gh, tmp_path):
    solve = ScriptedSolve()
    env = action_env(gh, tmp_path, "issues", labeled_event("maint"), INPUT_BUDGET_USD=None)
    assert run(env, solve=solve) == 2 and solve.calls == []
    assert "budget-usd` is required" in (tmp_path / "summary.md").read_text()
    env = action_env(gh, tmp_path, "issues", labeled_event("maint"), INPUT_BUDGET_USD="0")
    assert run(env, solve=solve) == 2 and solve.calls == []


def test_key_input_needs_its_variable_name(gh, tmp_path):
    env = action_env(gh, tmp_path, "issues", labeled_event("maint"), INPUT_API_KEY_ENV=None)
    assert run(env, solve=ScriptedSolve()) == 2
    assert "api-key-env" in (tmp_path / "summary.md").read_text()


def entry_point(env: dict) -> subprocess.CompletedProcess:
    env = {**env, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "agent.github.action"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_entry_point_skips_a_non_member_comment(gh, tmp_path):
    proc = entry_point(action_env(gh, tmp_path, "issue_comment", comment_event("CONTRIBUTOR", login="drive-by")))
    assert proc.returncode == 0, proc.stderr
    assert "drive-by commented /swe-agent but has only 'none' access" in (tmp_path / "summary.md").read_text()
    assert outputs(tmp_path) == {"status": "skipped"}
    assert not any(r["path"].startswith("/api/v3/repos/acme/calc/issues") for r in gh.log)


def test_entry_point_refuses_without_budget_before_any_work(gh, tmp_path):
    env = action_env(gh, tmp_path, "issues", labeled_event("maint"), INPUT_BUDGET_USD=None)
    proc = entry_point(env)
    assert proc.returncode == 2 and "budget-usd" in proc.stdout
    assert not (tmp_path / "cache").exists() and KEY not in proc.stdout + proc.stderr


def test_action_yml_hands_every_input_to_the_entry_point():
    import yaml
    from agent.github.action import get_input
    spec = yaml.safe_load((ROOT / "action.yml").read_text())
    step = next(s for s in spec["runs"]["steps"] if s.get("id") == "run")
    assert step["run"] == "python -m agent.github.action"
    for name in spec["inputs"]:
        if name in ("github-token", "python-version"):
            continue
        var = "INPUT_" + name.upper().replace("-", "_")
        assert step["env"][var] == "${{ inputs.%s }}" % name
        assert get_input({var: "x"}, name) == "x"
    assert spec["inputs"]["budget-usd"]["required"] is True


def test_third_party_actions_are_pinned_by_commit_and_installs_are_constrained():
    import re
    import tomllib
    import yaml
    uses = re.compile(r"uses:\s*([\w.-]+/[\w./-]+)@(\S+)")
    for doc in ("action.yml", "docs/github-action.md", "README.md"):
        for action, ref in uses.findall((ROOT / doc).read_text()):
            if action != "OWNER/swe-agent":                       # the reader's own pin of this action
                assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{doc}: {action}@{ref} is not pinned by commit"
    spec = yaml.safe_load((ROOT / "action.yml").read_text())
    install = next(s for s in spec["runs"]["steps"] if s.get("name") == "Install swe-agent")["run"]
    assert '-c "$ACTION_PATH/constraints.txt"' in install
    pins = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
                if line and not line.startswith("#"))
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for dep in deps:
        name = re.match(r"[A-Za-z0-9._-]+", dep)[0].lower().replace("_", "-")
        assert name in pins, f"{name} is not pinned in constraints.txt"
