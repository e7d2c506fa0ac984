"""A small GitHub REST client: only the calls the issue → PR flow needs, with errors that say what to do.

The token is only ever put into the Authorization header; error messages are scrubbed of it anyway
because GitHub echoes request details in some error bodies.
"""
from __future__ import annotations

import logging
import os
import time
from typing import Any, Callable, Literal

import requests

from agent.github.errors import (AuthError, GitHubError, NotFound, PermissionDenied, RateLimited,
                                 RequestFailed)
from agent.github.scrub import scrub
from agent.github.urls import PUBLIC_API

log = logging.getLogger("swe_agent.github")

RateLimitMode = Literal["wait", "stop"]

# What each write needs, to turn a bare 403 into an instruction.
NEEDS = {
    "comment": "issues: write (Actions) / `repo` or `public_repo` scope (classic token)",
    "pull": "pull-requests: write (Actions) / `repo` or `public_repo` scope (classic token)",
    "read": "contents: read and issues: read (Actions) / `repo` scope for private repositories",
}


class GitHubClient:
    def __init__(self, api_url: str | None = None, token: str | None = None, *,
                 rate_limit: RateLimitMode = "wait", max_wait_s: float = 900.0, timeout_s: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep):
        self.api_url = (api_url or os.environ.get("GITHUB_API_URL") or PUBLIC_API).rstrip("/")
        self._token = token if token is not None else (os.environ.get("GITHUB_TOKEN") or None)
        self.rate_limit = rate_limit
        self.max_wait_s = max_wait_s
        self.timeout_s = timeout_s
        self._sleep = sleep
        self._session = requests.Session()
        self._session.headers.update({"Accept": "application/vnd.github+json",
                                      "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "swe-agent"})
        if self._token:
            self._session.headers["Authorization"] = f"Bearer {self._token}"

    @property
    def has_token(self) -> bool:
        return bool(self._token)

    # ---- the calls -------------------------------------------------------------------------------
    def get_repo(self, full_name: str) -> dict:
        return self._json("GET", f"/repos/{full_name}", what=f"repository {full_name}", need="read")

    def get_issue(self, full_name: str, number: int) -> dict:
        return self._json("GET", f"/repos/{full_name}/issues/{number}", what=f"issue {full_name}#{number}",
                          need="read")

    def list_comments(self, full_name: str, number: int, per_page: int = 100) -> list[dict]:
        return self._paginate(f"/repos/{full_name}/issues/{number}/comments", per_page,
                              what=f"comments of {full_name}#{number}")

    def create_comment(self, full_name: str, number: int, body: str) -> dict:
        return self._json("POST", f"/repos/{full_name}/issues/{number}/comments", json={"body": body},
                          what=f"a comment on {full_name}#{number}", need="comment")

    def create_pull(self, full_name: str, *, head: str, base: str, title: str, body: str,
                    draft: bool = False) -> dict:
        payload = {"head": head, "base": base, "title": title, "body": body, "draft": draft,
                   "maintainer_can_modify": True}
        return self._json("POST", f"/repos/{full_name}/pulls", json=payload,
                          what=f"a pull request on {full_name}", need="pull")

    def list_pulls(self, full_name: str, state: str = "open", per_page: int = 100) -> list[dict]:
        return self._paginate(f"/repos/{full_name}/pulls?state={state}", per_page,
                              what=f"{state} pull requests of {full_name}")

    def list_branches(self, full_name: str, per_page: int = 100) -> list[dict]:
        return self._paginate(f"/repos/{full_name}/branches", per_page, what=f"branches of {full_name}")

    def get_branch(self, full_name: str, branch: str) -> dict | None:
        """None when the branch does not exist (a normal answer, not an error)."""
        try:
            return self._json("GET", f"/repos/{full_name}/branches/{branch}", what=f"branch {branch}")
        except NotFound:
            return None

    def get_ref(self, full_name: str, ref: str) -> dict | None:
        try:
            return self._json("GET", f"/repos/{full_name}/git/ref/{ref}", what=f"ref {ref}")
        except NotFound:
            return None

    def get_permission(self, full_name: str, user: str) -> str:
        """'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none' (role_name has the finer roles)."""
        data = self._json("GET", f"/repos/{full_name}/collaborators/{user}/permission",
                          what=f"{user}'s permission on {full_name}")
        return data.get("role_name") or data.get("permission") or "none"

    # ---- plumbing --------------------------------------------------------------------------------
    def _paginate(self, path: str, per_page: int, what: str) -> list[dict]:
        items: list[dict] = []
        url: str | None = self.api_url + path
        params: dict | None = {"per_page": per_page}
        while url:
            resp = self._request("GET", url, params=params, what=what, need="read")
            items.extend(resp.json())
            url = resp.links.get("next", {}).get("url")   # the Link header carries page 2…; params are in it
            params = None
        return items

    def _json(self, method: str, path: str, *, what: str, need: str = "read", json: Any = None) -> Any:
        return self._request(method, self.api_url + path, json=json, what=what, need=need).json()

    def _request(self, method: str, url: str, *, what: str, need: str, params=None, json=None,
                 ) -> requests.Response:
        waited = 0.0
        for attempt in range(1, 8):
            try:
                resp = self._session.request(method, url, params=params, json=json, timeout=self.timeout_s)
            except requests.RequestException as err:
                if attempt >= 3:
                    raise RequestFailed(self._clean(f"cannot reach {self.api_url} for {what}: {err}"))
                self._sleep(2.0 * attempt)
                continue
            log.debug("%s %s -> %s", method, url, resp.status_code)
            if resp.status_code < 300:
                return resp
            wait = _rate_limit_wait(resp)
            if wait is not None:
                waited += self._wait_or_stop(wait, waited, what)
                continue
            if resp.status_code >= 500 and attempt < 3:
                self._sleep(2.0 * attempt)
                continue
            raise self._error(resp, what, need)
        raise RequestFailed(f"gave up on {what} after repeated rate limiting / server errors")

    def _wait_or_stop(self, wait: float, waited: float, what: str) -> float:
        if self.rate_limit == "stop":
            raise RateLimited(f"GitHub rate limit reached while requesting {what}; it resets in {wait:.0f} s "
                              "(rerun later, or use --rate-limit wait)", wait)
        if waited + wait > self.max_wait_s:
            raise RateLimited(f"GitHub rate limit reached while requesting {what}; it resets in {wait:.0f} s, "
                              f"more than the {self.max_wait_s:.0f} s we may wait", wait)
        log.warning("GitHub rate limit reached; waiting %.0f s (%s)", wait, what)
        self._sleep(wait)
        return wait

    def _error(self, resp: requests.Response, what: str, need: str) -> GitHubError:
        message = _message(resp)
        code = resp.status_code
        if code == 404:
            hint = ("" if self.has_token else
                    " — or it is private: set GITHUB_TOKEN to a token that can read it")
            return NotFound(self._clean(f"{what} not found on {self.api_url}{hint}"))
        if code == 401:
            return AuthError(self._clean(f"GitHub rejected the token for {what} ({message}): "
                                         "check that GITHUB_TOKEN is valid and not expired"))
        if code == 403:
            accepted = resp.headers.get("X-Accepted-OAuth-Scopes")
            if accepted is not None:
                has = resp.headers.get("X-OAuth-Scopes") or "none"
                return PermissionDenied(self._clean(
                    f"the token cannot access {what}: it needs scope(s) {accepted or '?'} and has {has}"))
            if "not accessible by integration" in message.lower():
                return PermissionDenied(self._clean(
                    f"the workflow token cannot access {what} ({message}): grant it {NEEDS[need]} "
                    "under `permissions:` in the workflow"))
            return PermissionDenied(self._clean(f"access to {what} denied ({message}); needs {NEEDS[need]}"))
        return RequestFailed(self._clean(f"GitHub answered {code} for {what}: {message}"))

    def _clean(self, text: str) -> str:
        return scrub(text, [self._token] if self._token else [])


def _message(resp: requests.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return resp.text[:300]
    msg = data.get("message", "") if isinstance(data, dict) else ""
    errors = data.get("errors") if isinstance(data, dict) else None
    if errors:
        msg += " " + "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
    return msg.strip()[:500]


def _rate_limit_wait(resp: requests.Response, now: float | None = None) -> float | None:
    """Seconds to wait when this answer is a (primary or secondary) rate limit, else None."""
    if resp.status_code not in (403, 429):
        return None
    retry_after = resp.headers.get("Retry-After")
    if retry_after is not None:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            return 60.0
    if resp.headers.get("X-RateLimit-Remaining") == "0":
        reset = resp.headers.get("X-RateLimit-Reset")
        try:
            return max(0.0, float(reset) - (now or time.time())) + 1.0   # +1: reset is rounded down
        except (TypeError, ValueError):
            return 60.0
    if resp.status_code == 429 or "secondary rate limit" in _message(resp).lower():
        return 60.0          # GitHub's advice when it gives no header: wait at least a minute
    return None
