"""What can go wrong talking to GitHub, each with a message that says how to fix it."""
from __future__ import annotations


class ActionError(ValueError):
    """Bad action inputs or environment; the message says which input to fix."""


class GitHubError(RuntimeError):
    """Base class; `str(err)` is meant for the user and never holds a token."""


class NotFound(GitHubError):
    """404: the issue / repository does not exist, or is private and the token cannot see it."""


class AuthError(GitHubError):
    """401: the token is invalid or expired."""


class PermissionDenied(GitHubError):
    """403: the token lacks a scope (classic PAT) or a permission (Actions / GitHub App token)."""


class RateLimited(GitHubError):
    """403/429 with the rate limit spent, and waiting was not allowed (or would take too long)."""

    def __init__(self, message: str, wait_s: float):
        super().__init__(message)
        self.wait_s = wait_s


class RequestFailed(GitHubError):
    """Any other unexpected answer (422 validation errors, 5xx after retries, network errors)."""


class PushRejected(GitHubError):
    """The remote refused the branch, or the branch name belongs to someone else."""
