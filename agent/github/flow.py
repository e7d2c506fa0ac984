"""Issue URL → Issue → clone → solve → pull request (or an abstention comment, or just a printout).

`solve` is a parameter so the flow can be exercised against prepared run folders; the default is the
real pipeline. The issue's text is untrusted: it only ever travels as data inside `Issue`.
"""
from __future__ import annotations

import logging
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Callable, Literal, Mapping

from pydantic import BaseModel

from agent.config import SolveConfig
from agent.github.client import GitHubClient, RateLimitMode
from agent.github.errors import GitHubError, PermissionDenied
from agent.github.guard import ci_paths
from agent.github.pr import (MARKER, pr_title, render_abstain_comment, render_pr_body, render_refused_comment,
                             wants_draft)
from agent.github.repo import RepoCache
from agent.github.scrub import secret_values
from agent.github.urls import PUBLIC_SERVER, IssueURL, api_url_for, parse_issue_url
from agent.runfolder import RunFolder
from agent.schema import Issue, Result

log = logging.getLogger("swe_agent.github")

SolveFn = Callable[[Issue, Path, Path, SolveConfig], Result]
OUTCOME_FILE = "github.json"       # in the run folder: a rerun must not open a second PR


class NotAnIssue(GitHubError):
    """The number belongs to a pull request."""


class IssueEdited(GitHubError):
    """The issue's text changed after the maintainer triggered the run: they did not approve this text."""


class Trigger(BaseModel):
    """The issue as the maintainer saw it when they asked for a run (the event payload's copy)."""
    title: str = ""
    body: str = ""
    at: datetime | None = None    # when they asked: the comment's creation, or the labelling
    by: str = ""


class Outcome(BaseModel):
    issue_id: str
    run_dir: str
    commit: str
    status: str                       # Result.status, or "skipped" / "refused" (nothing pushed)
    action: Literal["pull_request", "comment", "none"]
    pr_url: str | None = None
    pr_number: int | None = None
    draft: bool = False
    branch: str | None = None
    comment_url: str | None = None
    confidence: float = 0.0
    cost_usd: float = 0.0
    note: str | None = None          # why nothing was published (skipped / refused), for the user


def _default_solve(issue: Issue, repo: Path, run_dir: Path, config: SolveConfig) -> Result:
    from agent.pipeline import solve
    return solve(issue, repo, run_dir, config)


def make_client(url: IssueURL, env: Mapping[str, str], rate_limit: RateLimitMode = "wait",
                max_wait_s: float = 900.0) -> GitHubClient:
    # GITHUB_API_URL belongs to GITHUB_SERVER_URL's server; a github.com URL elsewhere uses github.com's API.
    server_env = (env.get("GITHUB_SERVER_URL") or PUBLIC_SERVER).rstrip("/")
    api = api_url_for(url.server, env.get("GITHUB_API_URL") if url.server == server_env else None)
    return GitHubClient(api, env.get("GITHUB_TOKEN") or None, rate_limit=rate_limit, max_wait_s=max_wait_s)


def _when(stamp: str | None) -> datetime | None:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


def _last_change(item: dict, default: datetime) -> datetime:
    return max((t for t in (_when(item.get("created_at")), _when(item.get("updated_at"))) if t), default=default)


def fetch_issue(client: GitHubClient, url: IssueURL, trigger: Trigger | None = None) -> Issue:
    """The issue with its comments. With a `trigger`, the text is the trigger's (what the maintainer
    approved); an issue edited since, or comments written or edited since, are not what they saw."""
    data = client.get_issue(url.full_name, url.number)
    if data.get("pull_request"):
        raise NotAnIssue(f"{url.issue_id} is a pull request, not an issue")
    title, body = data.get("title") or "", data.get("body") or ""
    if trigger is not None:
        updated = _when(data.get("updated_at"))
        if updated and trigger.at and updated > trigger.at and (title, body) != (trigger.title, trigger.body):
            who = trigger.by or "the maintainer"
            raise IssueEdited(f"{url.issue_id} was edited at {data.get('updated_at')}, after {who} asked for a "
                              f"run at {trigger.at.isoformat()}: the text they approved is no longer the issue's "
                              "text. Trigger again to run on the current text.")
        title, body = trigger.title, trigger.body
    comments = []
    for c in client.list_comments(url.full_name, url.number):
        text = c.get("body") or ""
        if MARKER in text:           # our own earlier diagnosis is not evidence about the bug
            continue
        if trigger is not None and trigger.at and _last_change(c, trigger.at) > trigger.at:
            continue                 # written or edited after the trigger: not what the maintainer saw
        comments.append(f"{(c.get('user') or {}).get('login', '?')}: {text}")
    return Issue(id=url.issue_id, title=title, body=body or title, url=url.html_url,
                 labels=[lb["name"] if isinstance(lb, dict) else str(lb) for lb in data.get("labels", [])],
                 comments=comments)


def open_bot_pull(client: GitHubClient, target: IssueURL) -> dict | None:
    """An open PR from one of our branches for this issue (swe-agent/issue-N or swe-agent/issue-N-k)."""
    ours = re.compile(rf"swe-agent/issue-{target.number}(-\d+)?")
    for pr in client.list_pulls(target.full_name):
        head = pr.get("head") or {}
        if ours.fullmatch(head.get("ref") or "") and (head.get("repo") or {}).get("full_name") == target.full_name:
            return pr
    return None


def solve_github_issue(url: str, *, ref: str | None = None, open_pr: bool = False, config: SolveConfig,
                       run_dir: Path | None = None, solve: SolveFn | None = None,
                       draft_below: float = 0.6, rate_limit: RateLimitMode = "wait", max_wait_s: float = 900.0,
                       cache_dir: Path | None = None, env: Mapping[str, str] | None = None,
                       client: GitHubClient | None = None, trigger: Trigger | None = None) -> Outcome:
    env = os.environ if env is None else env
    target = parse_issue_url(url, env.get("GITHUB_SERVER_URL"))
    token = env.get("GITHUB_TOKEN") or None
    client = client or make_client(target, env, rate_limit, max_wait_s)
    repo_info = client.get_repo(target.full_name)
    perms = repo_info.get("permissions") or {}
    if open_pr and perms and not perms.get("push"):
        # Checked before any model call: finding out after spending the budget would waste it.
        raise PermissionDenied(f"the token cannot push to {target.full_name}, so it cannot open a pull request "
                               "(use a token with write access, or run without --open-pr)")
    issue = fetch_issue(client, target, trigger)
    if open_pr and (existing := open_bot_pull(client, target)):
        # A re-trigger while our PR is still open: a second PR would only compete with the first.
        return Outcome(issue_id=issue.id, run_dir=str(run_dir or ""), commit="", status="skipped", action="none",
                       pr_url=existing.get("html_url"), pr_number=existing.get("number"),
                       branch=(existing.get("head") or {}).get("ref"),
                       note=f"pull request #{existing.get('number')} from swe-agent is still open for this issue; "
                            "close it (or merge it) to run swe-agent again")
    default_branch = repo_info.get("default_branch") or "main"
    cache = RepoCache(target, token, cache_dir, env)
    checkout = cache.checkout(ref or default_branch)
    if run_dir is None:
        from agent.runfolder import default_output
        run_dir = default_output(issue.id, checkout.commit)
    run = RunFolder(run_dir)
    with run.lock():
        result = (solve or _default_solve)(issue, checkout.path, Path(run_dir), config)
        outcome = Outcome(issue_id=issue.id, run_dir=str(run_dir), commit=checkout.commit, status=result.status,
                          action="none", confidence=result.confidence, cost_usd=result.cost_usd)
        if not open_pr:
            return outcome
        previous = run.read_model_or_none(OUTCOME_FILE, Outcome)
        if previous and previous.action != "none" and previous.commit == checkout.commit:
            log.info("this run folder already published %s; not publishing again",
                     previous.pr_url or previous.comment_url)
            return previous
        secrets = secret_values(env, [config.model.api_key_env or ""]) + ([token] if token else [])
        outcome = _publish(client, cache, target, issue, result, run, outcome, ref=ref, draft_below=draft_below,
                           default_branch=repo_info.get("default_branch") or "main", secrets=secrets)
        run.write_json(OUTCOME_FILE, outcome)
        return outcome


def _publish(client, cache, target, issue, result, run, outcome, *, ref, draft_below, default_branch, secrets):
    if result.status == "selected" and result.final_diff.strip() and (blocked := ci_paths(result.final_diff)):
        body = render_refused_comment(run.root, blocked, run_name=run.root.name, secrets=secrets)
        comment = client.create_comment(target.full_name, target.number, body)
        return outcome.model_copy(update={
            "status": "refused", "action": "comment", "comment_url": comment.get("html_url"),
            "note": "the fix changes CI configuration (" + ", ".join(blocked) + "), which swe-agent never pushes"})
    if result.status == "selected" and result.final_diff.strip():
        draft = wants_draft(result, draft_below)
        message = f"{pr_title(issue.title, target.number)}\n\nProposed by swe-agent (run {run.root.name})."
        sha = cache.commit_fix(outcome.commit, result.final_diff, message)
        branch = cache.push_branch(sha, f"swe-agent/issue-{target.number}")
        # A branch --ref is the natural base; a tag or commit has no branch to merge into, so the default.
        base = ref if ref and client.get_branch(target.full_name, ref) else default_branch
        body = render_pr_body(run.root, issue_ref=f"#{target.number}", draft=draft, run_name=run.root.name,
                              secrets=secrets)
        pr = client.create_pull(target.full_name, head=branch, base=base, title=pr_title(issue.title, target.number),
                                body=body, draft=draft)
        return outcome.model_copy(update={"action": "pull_request", "pr_url": pr.get("html_url"),
                                          "pr_number": pr.get("number"), "draft": draft, "branch": branch})
    body = render_abstain_comment(run.root, run_name=run.root.name, secrets=secrets)
    comment = client.create_comment(target.full_name, target.number, body)
    return outcome.model_copy(update={"action": "comment", "comment_url": comment.get("html_url")})
