"""What the bot refuses to publish. Pure: a diff in, the paths it must not push out.

A pushed branch runs the CI definitions it carries: a prompt-injected change to
`.github/workflows/*.yml`, pushed with a token that triggers workflows (a PAT, an App token), would
run with the repository's secrets. So CI *definitions* are never pushed, whatever the evidence says.
Test code and build scripts (tox.ini, noxfile.py, conftest.py) are not blocked: CI runs the branch's
code anyway; what runs it, and with which secrets, is what the workflow files decide.
"""
from __future__ import annotations

import re

# Directories (from the repository root) and file names (anywhere) that define CI pipelines.
CI_DIRS = (".github/", ".gitlab/", ".circleci/", ".azure-pipelines/", ".buildkite/", ".woodpecker/", ".drone/")
CI_FILES = {".gitlab-ci.yml", ".gitlab-ci.yaml", "azure-pipelines.yml", "azure-pipelines.yaml", ".travis.yml",
            "jenkinsfile", "bitbucket-pipelines.yml", ".drone.yml", "appveyor.yml", ".appveyor.yml",
            ".woodpecker.yml", "cloudbuild.yaml", "cloudbuild.yml"}

_HEADER = re.compile(r"^(?:--- |\+\+\+ |rename from |rename to |copy from |copy to )(.+?)\t?$")
_GIT = re.compile(r"^diff --git (\S+) (\S+)$")


def _clean(path: str) -> str:
    path = path.strip()
    if len(path) >= 2 and path[0] == path[-1] == '"':        # git quotes unusual names
        path = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return path[2:] if path[:2] in ("a/", "b/") else path


def diff_paths(diff: str) -> list[str]:
    """Every path a unified git diff names (old and new sides, renames, copies)."""
    paths: list[str] = []
    for line in diff.splitlines():
        m = _GIT.match(line)
        found = [m[1], m[2]] if m else ([h[1]] if (h := _HEADER.match(line)) else [])
        for raw in found:
            p = _clean(raw)
            if p and p != "/dev/null" and p not in paths:
                paths.append(p)
    return paths


def is_ci_path(path: str) -> bool:
    low = path.lower().removeprefix("./")     # case-insensitive: checkouts on macOS/Windows fold case
    return low.startswith(CI_DIRS) or low.rsplit("/", 1)[-1] in CI_FILES


def ci_paths(diff: str) -> list[str]:
    """The CI-definition files this diff touches (empty = safe to push)."""
    return [p for p in diff_paths(diff) if is_ci_path(p)]
