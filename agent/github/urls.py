"""Issue URLs → (server, owner, repo, number). Pure: the caller passes the environment."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

PUBLIC_SERVER = "https://github.com"
PUBLIC_API = "https://api.github.com"

# GitHub's own rules: owners are alphanumeric with single hyphens; repository names add . and _.
_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_REPO = r"[A-Za-z0-9._-]{1,100}"
_PATH = re.compile(rf"^/(?P<owner>{_OWNER})/(?P<repo>{_REPO})/issues/(?P<number>[0-9]+)/?$")


class BadIssueURL(ValueError):
    """The text is not the URL of one GitHub issue; the message says what was expected."""


@dataclass(frozen=True)
class IssueURL:
    server: str          # "https://github.com" or a GitHub Enterprise Server URL, no trailing slash
    owner: str
    repo: str
    number: int

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    @property
    def issue_id(self) -> str:
        return f"{self.owner}/{self.repo}#{self.number}"

    @property
    def html_url(self) -> str:
        return f"{self.server}/{self.owner}/{self.repo}/issues/{self.number}"

    @property
    def clone_url(self) -> str:
        return f"{self.server}/{self.owner}/{self.repo}.git"


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


def parse_issue_url(url: str, server_url: str | None = None) -> IssueURL:
    """`server_url` is GITHUB_SERVER_URL (GitHub Enterprise Server); github.com is always accepted."""
    expected = f"expected {PUBLIC_SERVER}/OWNER/REPO/issues/NUMBER"
    text = (url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadIssueURL(f"{url!r} is not a URL; {expected}")
    servers = {PUBLIC_SERVER}
    if server_url:
        servers.add(server_url.rstrip("/"))
    origin = _origin(text)
    server = next((s for s in servers if _origin(s) == origin), None)
    if server is None:
        known = " or ".join(sorted(servers))
        raise BadIssueURL(f"{url!r} is not on {known}; for GitHub Enterprise Server set GITHUB_SERVER_URL "
                          f"to its address")
    # A GHE server may live under a path prefix (https://host/github): strip it before matching.
    prefix = urlsplit(server).path.rstrip("/")
    path = parts.path[len(prefix):] if prefix and parts.path.startswith(prefix + "/") else parts.path
    m = _PATH.match(path)
    if not m:
        hint = " (that is a pull request, not an issue)" if "/pull/" in path else ""
        raise BadIssueURL(f"{url!r} is not an issue URL{hint}; {expected}")
    number = int(m["number"])
    if number < 1:
        raise BadIssueURL(f"{url!r}: issue numbers start at 1")
    repo = m["repo"].removesuffix(".git")
    if repo in (".", ".."):
        raise BadIssueURL(f"{url!r}: {repo!r} is not a repository name")
    return IssueURL(server=server.rstrip("/"), owner=m["owner"], repo=repo, number=number)


def api_url_for(server: str, api_url: str | None = None) -> str:
    """GITHUB_API_URL wins; otherwise github.com's API or a GHE server's `/api/v3`."""
    if api_url:
        return api_url.rstrip("/")
    if server.rstrip("/") == PUBLIC_SERVER:
        return PUBLIC_API
    return server.rstrip("/") + "/api/v3"
