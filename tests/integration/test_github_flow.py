"""Issue URL → clone → (scripted) solve → branch pushed → PR, against a real HTTP server on 127.0.0.1
whose git remotes are served by `git http-backend`: clone and push really happen."""
from __future__ import annotations

import logging
import subprocess
import time

import pytest

from agent.config import SolveConfig
from agent.github.errors import NotFound, PermissionDenied, PushRejected, RateLimited
from agent.github.flow import solve_github_issue
from agent.github.pr import MARKER
from agent.github.urls import BadIssueURL
from tests.support.github_server import FIX_DIFF, FakeGitHub, ScriptedSolve
from tests.support.pipeline import ISSUE, make_repo

TOKEN = "ghs_" + "Zq8TokenValue" * 3
MODEL_KEY = "sk-test-" + "k3yValue" * 4


@pytest.fixture
def gh(tmp_path):
    src = make_repo(tmp_path)
    subprocess.run(["git", "branch", "-M", "main"], cwd=src, check=True)   # git init's default varies
    with FakeGitHub(tmp_path / "remote", TOKEN) as server:
        server.add_repo("acme/calc", src)
        title, _, body = ISSUE.partition("\n")
        server.add_issue("acme/calc", 7, title, body, labels=["bug"],
                         comments=[("alice", "Also add(1, 1) gives 0."), ("github-actions[bot]", f"{MARKER} old diagnosis")])
        yield server


@pytest.fixture
def env(gh):
    return {"GITHUB_SERVER_URL": gh.server_url, "GITHUB_API_URL": gh.api_url, "GITHUB_TOKEN": TOKEN,
            "OPENAI_API_KEY": MODEL_KEY}


def run(gh, env, tmp_path, solve, url=None, **kw):
    kw.setdefault("open_pr", True)
    kw.setdefault("run_dir", tmp_path / "run")
    return solve_github_issue(url or f"{gh.server_url}/acme/calc/issues/7", config=SolveConfig(), solve=solve,
                              env=env, cache_dir=tmp_path / "cache", **kw)


def git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def test_happy_path_pushes_a_branch_and_opens_a_pr_with_the_evidence(gh, env, tmp_path):
    solve = ScriptedSolve("selected")
    out = run(gh, env, tmp_path, solve)
    issue, repo, _ = solve.calls[0]
    assert issue.id == "acme/calc#7" and "returns -1" in issue.body and issue.labels == ["bug"]
    assert issue.comments == ["alice: Also add(1, 1) gives 0."]       # our own old comment is not evidence
    main = gh.branch_tip("acme/calc", "main")
    assert git("rev-parse", "HEAD", cwd=repo) == main == out.commit
    assert out.action == "pull_request" and not out.draft and out.branch == "swe-agent/issue-7"
    bare = gh.bare("acme/calc")
    tip = gh.branch_tip("acme/calc", "swe-agent/issue-7")
    assert git("rev-parse", f"{tip}^", cwd=bare) == main
    assert "return a + b" in git("show", f"{tip}:calc/ops.py", cwd=bare)
    assert "Swe-Agent-Issue: acme/calc#7" in git("log", "-1", "--format=%B", tip, cwd=bare)
    [pr] = gh.repos["acme/calc"].pulls
    assert pr["head"] == "swe-agent/issue-7" and pr["base"] == "main" and pr["draft"] is False
    assert out.pr_url == pr["html_url"]
    body = pr["body"]
    for evidence in ("Fixes #7", "tests/test_repro_add.py", "❌ fail", "✅ pass", "3 of 4 patch samples",
                     "**0.90**", "$0.0160", "c9d8e7f", "broke regression tests", "| patch | 4 | 4800 | $0.0120 |",
                     "0.80", "assert add(2, 3) == 5", "original code **pass**, with this fix **pass**"):
        assert evidence in body, evidence
    assert "@someone" not in body                    # model prose cannot ping people
    assert (tmp_path / "run" / "github.json").exists()
    # Rerunning the same run folder publishes nothing new.
    again = run(gh, env, tmp_path, ScriptedSolve("selected"))
    assert again.pr_url == out.pr_url and len(gh.repos["acme/calc"].pulls) == 1


def test_low_confidence_opens_a_draft(gh, env, tmp_path):
    out = run(gh, env, tmp_path, ScriptedSolve("low"), draft_below=0.6)
    [pr] = gh.repos["acme/calc"].pulls
    assert out.draft and pr["draft"] is True
    assert "Draft: low confidence (0.40)" in pr["body"] and "Refs #7" in pr["body"] and "Fixes" not in pr["body"]


def test_abstention_comments_the_diagnosis_and_opens_no_pr(gh, env, tmp_path):
    out = run(gh, env, tmp_path, ScriptedSolve("abstained"))
    assert out.action == "comment" and out.pr_url is None
    assert gh.repos["acme/calc"].pulls == [] and gh.branch_tip("acme/calc", "swe-agent/issue-7") is None
    comment = gh.repos["acme/calc"].comments[7][-1]["body"]
    assert comment.startswith(MARKER) and "did not propose a fix" in comment
    assert "No candidate passes the reproduction test" in comment and "c9d8e7f" in comment


def test_without_open_pr_nothing_is_published(gh, env, tmp_path):
    out = run(gh, env, tmp_path, ScriptedSolve("selected"), open_pr=False)
    assert out.action == "none" and gh.repos["acme/calc"].pulls == []
    assert gh.branch_tip("acme/calc", "swe-agent/issue-7") is None
    assert not any(r["method"] == "POST" and r["path"].startswith("/api/") for r in gh.log)


def test_ref_and_cache_reuse_fetch_new_commits(gh, env, tmp_path):
    run(gh, env, tmp_path, ScriptedSolve("selected"), open_pr=False)
    # Someone pushes to main and tags the old commit; the cached clone must see both.
    old = gh.branch_tip("acme/calc", "main")
    work = tmp_path / "dev"
    subprocess.run(["git", "clone", "-q", str(gh.bare("acme/calc")), str(work)], check=True)
    (work / "README").write_text("hi\n")
    git("add", "README", cwd=work)
    git("-c", "user.name=d", "-c", "user.email=d@x", "commit", "-qm", "readme", cwd=work)
    git("tag", "v1", old, cwd=work)
    git("push", "-q", "--tags", "origin", "HEAD:main", cwd=work)
    solve = ScriptedSolve("selected")
    out = run(gh, env, tmp_path, solve, open_pr=False, run_dir=tmp_path / "run2")
    assert out.commit == gh.branch_tip("acme/calc", "main") != old
    assert (solve.calls[0][1] / "README").exists()
    out = run(gh, env, tmp_path, solve, open_pr=False, run_dir=tmp_path / "run3", ref="v1")
    assert out.commit == old and not (solve.calls[1][1] / "README").exists()


@pytest.mark.parametrize("url", ["not a url", "https://github.com/acme/calc/pull/7", "https://gitlab.com/a/b/issues/1"])
def test_malformed_url(gh, env, tmp_path, url):
    with pytest.raises(BadIssueURL):
        run(gh, env, tmp_path, ScriptedSolve(), url=url)


def test_missing_issue_and_repo_are_404s(gh, env, tmp_path):
    with pytest.raises(NotFound, match=r"issue acme/calc#99 not found"):
        run(gh, env, tmp_path, ScriptedSolve(), url=f"{gh.server_url}/acme/calc/issues/99")
    with pytest.raises(NotFound, match=r"repository acme/nope not found"):
        run(gh, env, tmp_path, ScriptedSolve(), url=f"{gh.server_url}/acme/nope/issues/1")


def test_private_repo_needs_a_token_and_clones_with_it(gh, env, tmp_path):
    gh.repos["acme/calc"].private = True
    no_token = {k: v for k, v in env.items() if k != "GITHUB_TOKEN"}
    with pytest.raises(NotFound, match="private: set GITHUB_TOKEN"):
        run(gh, no_token, tmp_path, ScriptedSolve())
    out = run(gh, env, tmp_path, ScriptedSolve("selected"))      # the token reaches git as a header
    assert out.action == "pull_request"
    git_calls = [r for r in gh.log if "/acme/calc.git/" in r["path"]]
    auth = [{k.lower(): v for k, v in r["headers"].items()}.get("authorization", "") for r in git_calls]
    assert git_calls and all(a.lower().startswith("basic ") for a in auth)


def test_missing_scope_and_integration_permission(gh, env, tmp_path):
    gh.fail("POST", r"/pulls$", 403, {"message": "Must have push access"},
            {"X-Accepted-OAuth-Scopes": "repo", "X-OAuth-Scopes": "read:org"})
    with pytest.raises(PermissionDenied, match=r"needs scope\(s\) repo and has read:org"):
        run(gh, env, tmp_path, ScriptedSolve("selected"))
    gh.fail("POST", r"/comments$", 403, {"message": "Resource not accessible by integration"})
    with pytest.raises(PermissionDenied, match=r"issues: write"):
        run(gh, env, tmp_path, ScriptedSolve("abstained"), run_dir=tmp_path / "run2")


def test_read_only_token_stops_before_spending(gh, env, tmp_path):
    gh.repos["acme/calc"].push = False
    solve = ScriptedSolve("selected")
    with pytest.raises(PermissionDenied, match="cannot push"):
        run(gh, env, tmp_path, solve)
    assert solve.calls == []


def test_rate_limit_wait_then_succeed(gh, env, tmp_path):
    gh.fail("GET", r"/issues/7$", 429, {"message": "slow down"}, {"Retry-After": "1"})
    started = time.monotonic()
    out = run(gh, env, tmp_path, ScriptedSolve("selected"), rate_limit="wait")
    assert out.action == "pull_request" and time.monotonic() - started >= 1.0


def test_rate_limit_stop_and_cap(gh, env, tmp_path):
    gh.fail("GET", r"/issues/7$", 403, {"message": "API rate limit exceeded"},
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 30)})
    with pytest.raises(RateLimited, match="resets in"):
        run(gh, env, tmp_path, ScriptedSolve(), rate_limit="stop")
    gh.fail("GET", r"/issues/7$", 403, {"message": "API rate limit exceeded"},
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 3600)})
    with pytest.raises(RateLimited, match="more than the 60 s"):
        run(gh, env, tmp_path, ScriptedSolve(), rate_limit="wait", max_wait_s=60)


def test_push_rejected(gh, env, tmp_path):
    gh.reject_pushes("acme/calc")
    with pytest.raises(PushRejected, match="pushes are blocked by policy"):
        run(gh, env, tmp_path, ScriptedSolve("selected"))
    assert gh.repos["acme/calc"].pulls == []


def test_foreign_branch_is_never_overwritten(gh, env, tmp_path):
    work = tmp_path / "dev"
    subprocess.run(["git", "clone", "-q", str(gh.bare("acme/calc")), str(work)], check=True)
    (work / "mine.txt").write_text("a human's work\n")
    git("add", "mine.txt", cwd=work)
    git("-c", "user.name=h", "-c", "user.email=h@x", "commit", "-qm", "human work", cwd=work)
    git("push", "-q", "origin", "HEAD:refs/heads/swe-agent/issue-7", cwd=work)
    foreign = gh.branch_tip("acme/calc", "swe-agent/issue-7")
    out = run(gh, env, tmp_path, ScriptedSolve("selected"))
    assert out.branch == "swe-agent/issue-7-2"
    assert gh.branch_tip("acme/calc", "swe-agent/issue-7") == foreign
    # A re-trigger while our PR is open opens no second PR (and spends nothing).
    solve = ScriptedSolve("selected")
    again = run(gh, env, tmp_path, solve, run_dir=tmp_path / "run2")
    assert again.status == "skipped" and again.pr_url == out.pr_url and solve.calls == []
    assert "still open" in again.note and len(gh.repos["acme/calc"].pulls) == 1
    # Once it is closed, a new run neither touches our first branch nor the foreign one.
    gh.repos["acme/calc"].pulls[0]["state"] = "closed"
    out2 = run(gh, env, tmp_path, ScriptedSolve("selected"), run_dir=tmp_path / "run3")
    assert out2.branch == "swe-agent/issue-7-3"
    assert gh.branch_tip("acme/calc", "swe-agent/issue-7") == foreign


def test_token_and_model_key_never_leak(gh, env, tmp_path, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    leak = f"\n# {TOKEN} {MODEL_KEY}\n"                      # as if a model had echoed them into a test
    out = run(gh, env, tmp_path, ScriptedSolve("selected", leak=leak))
    [pr] = gh.repos["acme/calc"].pulls
    assert TOKEN not in pr["body"] and MODEL_KEY not in pr["body"] and "***" in pr["body"]
    cache = tmp_path / "cache"
    for f in cache.rglob("*"):
        if f.is_file() and f.stat().st_size < 1_000_000:
            assert TOKEN.encode() not in f.read_bytes(), f
    repo = next(cache.rglob("calc/.git")).parent
    assert TOKEN not in git("remote", "-v", cwd=repo) and TOKEN not in git("config", "--list", cwd=repo)
    captured = capfd.readouterr()
    assert TOKEN not in caplog.text + captured.out + captured.err
    assert out.action == "pull_request"


def test_cli_glue_prints_the_pr_and_reports_errors(gh, env, tmp_path, monkeypatch, capsys):
    import typer
    from typer.testing import CliRunner
    from agent.cli import app
    from agent.github.cli import solve_issue_url
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("SWE_AGENT_CACHE", str(tmp_path / "cache"))
    solve_issue_url(f"{gh.server_url}/acme/calc/issues/7", SolveConfig(), output=tmp_path / "run", open_pr=True,
                    ref=None, json_out=False, solve=ScriptedSolve("low"))
    err = capsys.readouterr().err
    assert "pull request: " + gh.repos["acme/calc"].pulls[0]["html_url"] in err and "draft" in err
    with pytest.raises(typer.Exit):
        solve_issue_url(f"{gh.server_url}/acme/calc/issues/99", SolveConfig(), output=None, open_pr=False,
                        ref=None, json_out=False, solve=ScriptedSolve())
    assert "issue acme/calc#99 not found" in capsys.readouterr().err
    res = CliRunner().invoke(app, ["solve", "https://github.com/acme/calc/pull/7"])
    assert res.exit_code == 2 and "pull request, not an issue" in res.output
